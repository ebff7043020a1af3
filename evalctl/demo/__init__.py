"""`make demo`: the offline walkthrough, told as a story, against a local emulator."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

from evalctl import term
from evalctl.cli.main import main as evalctl
from evalctl.runner import local

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "evaluations"
SPANS = ROOT / "tests" / "data" / "spans"
# Span + runtime-event pairs of real captures; each pair is seeded (and re-timed) on its own.
SESSIONS = [
    [SPANS / "raw_otel_strands_bedrock_spans.json", SPANS / "raw_otel_strands_bedrock_runtime_logs.json"],
    [SPANS / "raw_otel_langchain_spans.json", SPANS / "raw_otel_langchain_runtime_logs.json"],
]
BATCH = "nightly-support"
DATASET_BATCH = "support-regression"
ONLINE = "support-live"
SERVICE = "support_agent.DEFAULT"
# The emulator's clock is real time: a batch is PENDING 1 s, then 2 s per session by default.
FAST_BATCH = {"batch_pending_seconds": 0.2, "batch_session_seconds": 0.5}


def chapter(number: int, title: str, text: str) -> None:
    term.console().print(f"\n{number}. {title}", style="bold")
    print(f"   {text}\n", flush=True)


def run_step(args: list[str]) -> int:
    print(f"   $ evalctl {' '.join(args)}", flush=True)
    code = evalctl(args)
    print(f"   (exit code {code})", flush=True)
    return code


def deploy(endpoint: str) -> None:
    """What `pulumi up` would create, done directly so the demo needs no Pulumi CLI."""
    from evalctl.aws import ClientSettings
    from evalctl.cli.inprocess import clients_for
    from evalctl.emulator.testing import Admin
    from evalctl.spec.project import load_project

    project, _ = load_project([SPECS], "dev")
    batch = project.valid("BatchEvaluation", BATCH)
    assert batch is not None
    clients = clients_for(ClientSettings(endpoint=endpoint, region="us-east-1", max_attempts=3))
    local.deploy_evaluators(project, list(batch.spec["evaluators"]), clients)
    admin = Admin(endpoint)
    ids = [i for pair in SESSIONS for i in local.seed(admin, pair, SERVICE)]
    admin.configure(**FAST_BATCH)
    print(f"   deployed the custom evaluators and seeded {len(ids)} recorded session(s): {', '.join(ids)}")
    pending, per_session = FAST_BATCH["batch_pending_seconds"], FAST_BATCH["batch_session_seconds"]
    print(
        f"   (emulated batch lifecycles shortened: PENDING {pending:g} s, then {per_session:g} s per session)"
    )


def online(endpoint: str) -> None:
    """Chapter 5: the live configuration scores a fresh session once it has been quiet long enough."""
    from evalctl.aws import ClientSettings
    from evalctl.cli.inprocess import clients_for
    from evalctl.emulator.testing import Admin
    from evalctl.runner.local_online import deploy_online
    from evalctl.spec.project import load_project

    chapter(
        5,
        "Score live sessions online",
        f"{ONLINE} (every session for the demo; the spec samples 10%) scores a session once it has been "
        f"quiet for sessionTimeoutMinutes; the emulator clock jumps ahead instead of waiting.",
    )
    project, _ = load_project([SPECS], "dev")
    doc = project.valid("OnlineEvaluation", ONLINE)
    minutes = int(doc.spec["rule"]["sessionConfig"]["sessionTimeoutMinutes"]) if doc else 15
    admin = Admin(endpoint)
    # The sessions seeded for the batch go quiet before the configuration exists: never scored.
    admin.advance_clock(minutes * 60 + 1)
    clients = clients_for(ClientSettings(endpoint=endpoint, region="us-east-1", max_attempts=3))
    created = deploy_online(project, ONLINE, clients, sampling=100.0)
    ids = admin.seed([str(p) for p in SESSIONS[0]], SERVICE, fresh_session_ids=True)
    print(f"   created {created['onlineEvaluationConfigId']}; a user talks to the agent: session {ids[0]}")
    admin.advance_clock(minutes * 60 + 1)
    print(f"   ... {minutes} minutes of silence later (emulator clock)")
    run_step(["results", "--online", ONLINE, "--specs", str(SPECS), "--endpoint", endpoint])
    group = created["outputConfig"]["cloudWatchConfig"]["logGroupName"]
    events = clients["logs"].filter_log_events(logGroupName=group)["events"]
    record = next((r for r in (json.loads(e["message"]) for e in events) if "_aws" in r), None)
    if record is not None:
        attributes = record["attributes"]
        explanation = str(attributes.get("gen_ai.evaluation.explanation", ""))
        attributes["gen_ai.evaluation.explanation"] = explanation[:40] + "..."
        print(f"   one of the records it wrote to {group} (read with FilterLogEvents):")
        print(textwrap.indent(textwrap.fill(json.dumps(record), 106), "     "))


def story(reports: Path) -> int:
    from evalctl.emulator.server import EmulatorServer

    chapter(1, "Validate", "Every spec under evaluations/ is checked before anything touches AWS.")
    if run_step(["validate", str(SPECS)]) != 0:
        return 1
    run_step(["list", str(SPECS)])
    chapter(2, "Replay locally", "EvaluatorTest specs replay evaluators on recorded sessions, no cloud.")
    run_step(["test", str(SPECS), "--report-dir", str(reports / "replay")])
    server = EmulatorServer(port=0).start()
    try:
        chapter(3, "Start the emulator", f"AgentCore + IAM + Logs + Lambda at {server.endpoint}.")
        deploy(server.endpoint)
        chapter(4, "Run the nightly batch evaluation", "Pre-flight, start, wait, score, gate and report.")
        code = run_step(
            [
                "run",
                BATCH,
                "--specs",
                str(SPECS),
                "--endpoint",
                server.endpoint,
                "--report-dir",
                str(reports / "nightly"),
            ]
        )
        online(server.endpoint)
    finally:
        server.stop()
    dataset_code = dataset_story(reports)
    verdict = {0: "all gates passed", 1: "a gate failed", 2: "the job failed"}.get(code, f"exit {code}")
    chapter(
        8,
        "Read the reports",
        f"Gate verdict: {verdict}. Open {reports / 'nightly' / 'report.html'}; "
        f"summary.md is ready to paste into a pull request.",
    )
    return 0 if code in (0, 1) and dataset_code in (0, 1) else max(code, dataset_code)


def dataset_story(reports: Path) -> int:
    """The example Strands agent as a real process, its dataset run against it, gated and reported."""
    chapter(
        6,
        "Run the dataset against a real local agent",
        "examples/support-agent (Strands, scripted model, OTLP) answers each scenario of the dataset "
        "support-scenarios;\n   its telemetry is scored with each scenario's ground truth, then gated.",
    )
    if importlib.util.find_spec("strands") is None:
        print("   skipped: the example agent needs `pip install -e '.[agent]'`")
        return 0
    otlp, port = free_port(), free_port()
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp}"}
    agent = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "support-agent" / "agent.py"), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        if not wait_for_ping(url, agent):
            print("   the example agent did not start; skipping this chapter")
            return 2
        args = ["run", DATASET_BATCH, "--specs", str(SPECS), "--local", "--agent", url]
        code = run_step([*args, "--otlp-port", str(otlp), "--report-dir", str(reports / "regression")])
        return max(code, from_traces(reports / "from-traces", url, otlp))
    finally:
        agent.terminate()
        agent.wait(timeout=10)


def from_traces(work: Path, agent: str, otlp: int) -> int:
    """Chapter 7: new conversations become reviewed scenarios and a recommended system prompt."""
    from evalctl.aws import ClientSettings
    from evalctl.cli.inprocess import clients_for
    from evalctl.datasets import gather
    from evalctl.demo import traces
    from evalctl.emulator.server import EmulatorServer
    from evalctl.emulator.testing import Admin
    from evalctl.spec.project import load_project

    chapter(
        7,
        "Grow the dataset and tune the prompt from traces",
        f"Users ask the agent {len(traces.TURNS)} new questions; their traces become scenarios of "
        f"{traces.DATASET} (a diff to review),\n   then a recommendation for its system prompt, scored with "
        f"{traces.EVALUATOR} (a diff to accept).",
    )
    specs = traces.copy_specs(SPECS, work)
    server = EmulatorServer(port=otlp).start()  # the port the agent already exports its telemetry to
    try:
        admin = Admin(server.endpoint)
        admin.reset()
        admin.configure(**traces.FAST)
        clients = clients_for(ClientSettings(endpoint=server.endpoint, region="us-east-1", max_attempts=3))
        project, _ = load_project([specs], "dev")
        local.deploy_dataset(project, traces.DATASET, clients["control"])
        sessions = [traces.talk(agent, turn) for turn in traces.TURNS]
        group = traces.wait_for_telemetry(clients["logs"], sessions)
        print(f"   {len(sessions)} sessions of the agent stored in aws/spans and {group}")
        common = ["--service", SERVICE, "--log-group", group, "--since", "1", "--poll", "0.05"]
        code = run_step(["dataset", "generate", traces.DATASET, "--specs", str(specs), *common,
                         "--endpoint", server.endpoint])  # fmt: skip
        doc = project.valid("Dataset", traces.DATASET)
        generated = Path(doc.file).parent / f"{traces.DATASET}.generated.jsonl" if doc else None
        if code == 0 and doc is not None and generated is not None:
            reviewed = [item.scenario for item in gather(doc.spec, doc.file, doc.at)[0]]
            added = [json.loads(line) for line in generated.read_text().splitlines() if line.strip()]
            print(textwrap.indent(traces.scenario_diff(reviewed, added, traces.DATASET), "   "), end="")
        prompt = work / "examples" / "support-agent" / traces.PROMPT_FILE
        recommended = run_step(["recommend", "--prompt-file", str(prompt), "--evaluator", traces.EVALUATOR,
                                *common, "--endpoint", server.endpoint])  # fmt: skip
        return max(code, recommended)
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_ping(url: str, process: subprocess.Popen[bytes], seconds: float = 30.0) -> bool:
    """Poll GET /ping until the agent answers, it exits, or the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            time.sleep(0.1)
    return False


def main() -> int:
    from evalctl.cli.extras import emulator_missing

    missing = emulator_missing()
    if missing:
        print(f"make demo: {missing}", file=sys.stderr)
        return 2
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ["EVALCTL_JUDGE"] = os.environ.get("EVALCTL_JUDGE", "offline")
    reports = Path(os.environ.get("EVALCTL_DEMO_REPORTS", ROOT / "reports" / "demo"))
    started = time.monotonic()
    code = story(reports)
    print(f"\ndemo finished in {time.monotonic() - started:.1f}s (exit {code})")
    return code
