"""`evalctl compare`: report dirs, results.json files and job ids; exit 1 on regression, 2 on usage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evalctl.cli import results as results_cli
from evalctl.cli.main import main
from evalctl.reports.results import from_local
from evalctl.reports.writers import write_json

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "reports"
BASE = [0.8, 0.9, 0.7, 0.85, 0.75, 0.95, 0.8, 0.9, 0.7, 0.85]


def _report(directory: Path, name: str, values: list[float | None]) -> Path:
    """A report dir with results.json for two evaluators; None is an evaluator error."""
    triples = []
    for i, value in enumerate(values):
        session = f"sess-{i:02d}"
        for evaluator, shift in (("Builtin.Helpfulness", 0.0), ("Builtin.Correctness", 0.05)):
            content = {
                "evaluatorId": evaluator,
                "context": {"spanContext": {"sessionId": session, "traceId": f"t{i}"}},
            }
            if value is None:
                content |= {"errorCode": "Timeout", "errorMessage": "judge timed out"}
            else:
                content["value"] = min(1.0, value + shift)
            triples.append((session, evaluator, content))
    directory.mkdir(parents=True)
    write_json(from_local(name, triples, created_at="2025-11-24T00:00:00+00:00"), directory / "results.json")
    return directory


CASES = [
    ("identical result sets do not regress", BASE, BASE, [], 0),
    ("a 0.2 drop on every session regresses", BASE, [v - 0.2 for v in BASE], [], 1),
    (
        "the same drop inside a wide tolerance passes",
        BASE,
        [v - 0.2 for v in BASE],
        ["--tolerance", "0.25"],
        0,
    ),
    (
        "new failures on two sessions do not move the mean beyond tolerance",
        BASE,
        [*BASE[:8], None, None],
        [],
        0,
    ),
]


@pytest.mark.parametrize(("reason", "base", "cand", "flags", "code"), CASES, ids=[c[0] for c in CASES])
def test_exit_codes(reason, base, cand, flags, code, tmp_path, capsys):
    b, c = _report(tmp_path / "base", "base", base), _report(tmp_path / "cand", "cand", cand)
    assert main(["compare", str(b), str(c / "results.json"), *flags]) == code, (
        reason,
        capsys.readouterr().out,
    )


def test_markdown_output_matches_golden(tmp_path, capsys):
    b = _report(tmp_path / "base", "base", BASE)
    c = _report(
        tmp_path / "cand", "cand", [v - 0.2 if i % 2 else v for i, v in enumerate(BASE[:8])] + [None, 0.9]
    )
    assert main(["compare", str(b), str(c)]) == 1
    text = capsys.readouterr().out
    golden = GOLDEN / "compare_cli.md"
    if os.environ.get("EVALCTL_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), "run with EVALCTL_UPDATE_GOLDEN=1 to accept a deliberate change"


def test_json_to_a_file(tmp_path, capsys):
    b, c = (
        _report(tmp_path / "base", "base", BASE),
        _report(tmp_path / "cand", "cand", [v - 0.2 for v in BASE]),
    )
    out = tmp_path / "comparison.json"
    assert main(["compare", str(b), str(c), "--format", "json", "--out", str(out)]) == 1
    assert capsys.readouterr().out == (
        f"wrote {out}: ❌ Builtin.Correctness regressed (Δ -0.20) (+1 more finding)\n"
    )
    doc = json.loads(out.read_text())
    assert (doc["verdict"], doc["tolerance"], len(doc["evaluators"])) == ("regression", 0.05, 2)


USAGE = [
    ("a missing path that is not a job id", ["compare", "nope/", "nope2/"], "no such file or directory"),
    ("a directory without results.json", ["compare", "{tmp}", "{tmp}"], "holds no results.json"),
    ("a file that is not results.json", ["compare", "{bad}", "{bad}"], "is not a valid results.json"),
    ("a negative tolerance", ["compare", "{tmp}", "{tmp}", "--tolerance", "-1"], "--tolerance must be >= 0"),
]


@pytest.mark.parametrize(("reason", "argv", "message"), USAGE, ids=[c[0] for c in USAGE])
def test_usage_errors_exit_2(reason, argv, message, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schemaVersion": "1"}')
    args = [a.format(tmp=tmp_path, bad=bad) for a in argv]
    assert main(args) == 2, reason
    err = capsys.readouterr().err
    assert message in err and err.startswith("evalctl compare: "), reason


def test_job_ids_are_fetched(tmp_path, monkeypatch, capsys):
    sample = json.loads((GOLDEN / "sample_batch.json").read_text())
    job_id = sample["response"]["batchEvaluationId"]
    monkeypatch.setattr(results_cli, "fetch", lambda args: (sample["response"], sample["events"], None))
    assert main(["compare", job_id, job_id, "--endpoint", "http://127.0.0.1:1"]) == 0
    out = capsys.readouterr().out
    assert f"Baseline `{job_id}` (nightly_support)" in out
    # The average `run` and `results` print for this job (results_cli.txt), not a mean of session means.
    assert "| response_tone | 0.60 | 0.60 | +0.00 |" in out
