"""Time `evalctl validate` against `check-jsonschema` on the same 1,000 and 10,000 generated spec files.

Files are realistic documents of every kind (one per file, since check-jsonschema reads one document
per file), about 10 % with a typical mistake. Both tools run as the CLI a user runs, in a subprocess,
so start-up counts. Prints a table: files, ours (s), check-jsonschema (s), ratio, ours per file.
Usage: python bench/validate.py [--sizes 1000,10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HEADER = "apiVersion: evalctl/v1alpha1\n"
LEVELS = {"TRACE": "{context} {assistant_turn}", "SESSION": "{context} {available_tools}"}
# Mistakes people make, applied to a share of the files so that both tools report something.
MISTAKES = (
    ("level: TRACE", "level: TRACES"),
    ("samplingPercentage: 10", "samplingPercentage: 150"),
    ("retentionInDays: 90", "retentionInDays: 10"),
    ("evaluators: [", "evaluatorz: ["),
    ("maxTokens: 512", 'maxTokens: "512"'),
)


def evaluator(i: int, rnd: random.Random) -> str:
    level = rnd.choice(sorted(LEVELS))
    scale = "\n".join(
        f"          - {{value: {v}, label: L{v}, definition: Score {v} of the rubric for case {i}.}}"
        for v in range(rnd.randint(2, 5))
    )
    return (
        HEADER + f"kind: Evaluator\nmetadata:\n  name: judge-{i}\n  labels: {{team: team-{i % 7}}}\n"
        f"spec:\n  description: Judge number {i}.\n  level: {level}\n  evaluatorConfig:\n"
        f'    llmAsAJudge:\n      instructions: "Rate it. {LEVELS[level]}"\n      ratingScale:\n'
        f"        numerical:\n{scale}\n      modelConfig:\n        bedrockEvaluatorModelConfig:\n"
        "          modelId: us.anthropic.claude-3-5-haiku-20241022-v1:0\n"
        "          inferenceConfig: {maxTokens: 512, temperature: 0}\n"
    )


def online(i: int, judges: list[int]) -> str:
    refs = ", ".join(["Builtin.Helpfulness", *(f"judge-{j}" for j in judges)])
    return (
        HEADER + f"kind: OnlineEvaluation\nmetadata:\n  name: live-{i}\nspec:\n  rule:\n"
        "    samplingConfig: {samplingPercentage: 10}\n    filters:\n"
        "      - {key: agent.tier, operator: Equals, value: {stringValue: premium}}\n"
        "  dataSourceConfig:\n    cloudWatchLogs:\n      serviceNames: [support_agent.DEFAULT]\n"
        "      logGroupNames: [/aws/bedrock-agentcore/runtimes/support_agent-abc123-DEFAULT]\n"
        f"  evaluators: [{refs}]\n  evaluationExecutionRoleArn: arn:aws:iam::123456789012:role/exec\n"
    )


def batch(i: int, judges: list[int]) -> str:
    refs = ", ".join(["Builtin.Correctness", *(f"judge-{j}" for j in judges)])
    return (
        HEADER + f"kind: BatchEvaluation\nmetadata:\n  name: nightly-{i}\nspec:\n  evaluators: [{refs}]\n"
        "  dataSourceConfig:\n    cloudWatchLogs:\n      serviceNames: [support_agent.DEFAULT]\n"
        "      logGroupNames: [/aws/bedrock-agentcore/runtimes/support_agent-abc123-DEFAULT]\n"
        "      filterConfig: {lookback: 1d}\n  gates:\n"
        "    - {evaluator: Builtin.Correctness, minAverageScore: 0.5}\n    - {maxFailedSessions: 0}\n"
    )


def role(i: int) -> str:
    return (
        HEADER
        + f"kind: Role\nmetadata:\n  name: role-{i}\nspec:\n  assumedBy: [bedrock-agentcore.amazonaws.com]\n"
        "  grants: [onlineEvaluationExecution, invokeEvaluatorModels]\n"
    )


def log_group(i: int) -> str:
    return HEADER + f"kind: LogGroup\nmetadata:\n  name: logs-{i}\nspec:\n  retentionInDays: 90\n"


def ground_truth(i: int) -> str:
    sessions = "".join(
        f"    - sessionId: session-{i}-{s}\n      groundTruth:\n        inline:\n"
        f"          assertions: [{{text: The agent answers question {s}.}}]\n"
        for s in range(3)
    )
    return HEADER + f"kind: GroundTruth\nmetadata:\n  name: truth-{i}\nspec:\n  sessions:\n{sessions}"


def spec_text(i: int, rnd: random.Random, invalid_share: float) -> str:
    """One document: judges are the most common kind; references point at earlier judges."""
    judges = list(range(0, i, 10))[-3:]
    pick = i % 10
    text = (
        evaluator(i, rnd)
        if pick < 5
        else online(i, judges)
        if pick == 5
        else batch(i, judges)
        if pick == 6
        else role(i)
        if pick == 7
        else log_group(i)
        if pick == 8
        else ground_truth(i)
    )
    if rnd.random() < invalid_share:
        old, new = rnd.choice([m for m in MISTAKES if m[0] in text] or [("apiVersion", "apiVersion")])
        text = text.replace(old, new, 1)
    return text


def write_specs(folder: Path, count: int, invalid_share: float = 0.1, seed: int = 7) -> list[Path]:
    """`count` spec files (one document each) under `folder`, in sub-folders of 100."""
    rnd = random.Random(seed)
    paths = []
    for i in range(count):
        path = folder / f"group-{i // 100:03d}" / f"spec-{i:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec_text(i, rnd, invalid_share))
        paths.append(path)
    return paths


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall time, exit code and last output line of one command."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    lines = (done.stdout or done.stderr).strip().splitlines()
    return elapsed, done.returncode, lines[-1] if lines else ""


def measure(folder: Path, count: int) -> dict[str, float]:
    files = write_specs(folder / f"n{count}", count)
    ours, ours_code, ours_last = timed([str(BIN / "evalctl"), "validate", str(folder / f"n{count}")])
    schema = str(ROOT / "schemas" / "evalctl.schema.json")
    cmd = [str(BIN / "check-jsonschema"), "--schemafile", schema, *map(str, files)]
    theirs, theirs_code, _ = timed(cmd)
    print(f"  {count} files: evalctl exit {ours_code} ({ours_last}); check-jsonschema exit {theirs_code}")
    return {"files": count, "ours": ours, "theirs": theirs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temporary folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="evalctl-bench-") as tmp:
        folder = args.keep or Path(tmp)
        rows = [measure(folder, n) for n in sizes]
    print(f"{'files':>7} {'ours (s)':>9} {'check-jsonschema (s)':>21} {'ratio':>6} {'ours ms/file':>13}")
    for row in rows:
        ratio = row["ours"] / row["theirs"]
        per_file = 1000 * row["ours"] / row["files"]
        print(f"{row['files']:>7} {row['ours']:>9.2f} {row['theirs']:>21.2f} {ratio:>6.2f} {per_file:>13.2f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = (last["ours"] / last["files"]) / (first["ours"] / first["files"])
        print(f"linearity: ms/file at {last['files']} / ms/file at {first['files']} = {growth:.2f}")
    target = rows[0]["ours"] <= 0.5 * rows[0]["theirs"]
    print(
        f"target ours <= 0.5 x check-jsonschema at {rows[0]['files']} files: {'met' if target else 'MISSED'}"
    )
    return 0 if target else 1


if __name__ == "__main__":
    sys.exit(main())
