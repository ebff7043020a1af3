"""`evalctl results`: fetch through botocore-stubbed clients (shapes checked against the service model)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from evalctl.cli import results as results_cli
from evalctl.cli.main import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "reports"
SAMPLE = json.loads((GOLDEN / "sample_batch.json").read_text())
JOB_ID = SAMPLE["response"]["batchEvaluationId"]
GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"

SPEC = """\
apiVersion: evalctl/v1alpha1
kind: BatchEvaluation
metadata: {name: nightly-support}
spec:
  evaluators: [Builtin.Helpfulness, response-tone]
  gates:
%s
"""


def _stubbed(response, events, found=True):
    data = boto3.client("bedrock-agentcore", region_name="us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    data_stub, logs_stub = Stubber(data), Stubber(logs)
    if not found:
        data_stub.add_client_error("get_batch_evaluation", "ResourceNotFoundException", "no such job", 404)
    else:
        data_stub.add_response("get_batch_evaluation", response, {"batchEvaluationId": JOB_ID})
        first = {"logGroupName": GROUP, "logStreamName": f"run-{JOB_ID}", "startFromHead": True}
        # Two pages, then CloudWatch's end marker: the same token handed back with no events.
        logs_stub.add_response("get_log_events", {"events": events[:5], "nextForwardToken": "f/1"}, first)
        logs_stub.add_response(
            "get_log_events", {"events": events[5:], "nextForwardToken": "f/2"}, {**first, "nextToken": "f/1"}
        )
        logs_stub.add_response(
            "get_log_events", {"events": [], "nextForwardToken": "f/2"}, {**first, "nextToken": "f/2"}
        )
    data_stub.activate()
    logs_stub.activate()
    return data, logs


def _spec(tmp_path, gates: str) -> Path:
    path = tmp_path / "nightly.yaml"
    path.write_text(SPEC % gates)
    return path


HELPFUL_80 = "    - {evaluator: Builtin.Helpfulness, minAverageScore: 0.8}"
TONE_50 = "    - {evaluator: response-tone, minAverageScore: 0.5}\n    - {maxFailedSessions: 1}"

CASES = [
    ("no gates on a finished job pass", None, "COMPLETED_WITH_ERRORS", 0),
    ("a gate below its threshold fails with exit 1", HELPFUL_80 + "\n" + TONE_50, "COMPLETED_WITH_ERRORS", 1),
    ("gates that hold pass, the logical name resolves to the custom evaluator", TONE_50, "COMPLETED", 0),
    ("a failed job exits 2 whatever the gates say", TONE_50, "FAILED", 2),
    ("a job still running cannot pass its gates yet", TONE_50, "IN_PROGRESS", 2),
]


@pytest.mark.parametrize(("reason", "gates", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_exit_codes(reason, gates, status, code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not the repository's evaluations/, whose response-tone is categorical
    response = copy.deepcopy(SAMPLE["response"]) | {"status": status}
    monkeypatch.setattr(results_cli, "make_clients", lambda args: _stubbed(response, SAMPLE["events"]))
    argv = ["results", JOB_ID] + (["--gates-from", str(_spec(tmp_path, gates))] if gates else [])
    assert main(argv) == code, (reason, capsys.readouterr())
    note = "note: the job is IN_PROGRESS, not finished: its gates were judged on the results it has so far"
    note = note in capsys.readouterr().err
    assert note is (status == "IN_PROGRESS"), reason


def test_output_matches_golden_and_reports_are_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not the repository's evaluations/, whose response-tone is categorical
    monkeypatch.setattr(
        results_cli, "make_clients", lambda args: _stubbed(SAMPLE["response"], SAMPLE["events"])
    )
    spec = _spec(tmp_path, HELPFUL_80 + "\n" + TONE_50)
    out_dir = tmp_path / "reports"
    code = main(
        [
            "results",
            JOB_ID,
            "--gates-from",
            str(spec),
            "--report-dir",
            str(out_dir),
            "--endpoint",
            "http://127.0.0.1:1",
        ]
    )
    text = capsys.readouterr().out.replace(str(out_dir), "<DIR>")
    golden = GOLDEN / "results_cli.txt"
    if os.environ.get("EVALCTL_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), "run with EVALCTL_UPDATE_GOLDEN=1 to accept a deliberate change"
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "junit.xml",
        "report.html",
        "results.json",
        "summary.md",
    ]
    doc = json.loads((out_dir / "results.json").read_text())
    assert doc["job"]["source"] == "emulator"
    assert len(doc["sessions"]) == 4 and len(doc["gates"]) == 3


ERROR_CASES = [
    (
        "a missing job names the id and what to check",
        "found=False",
        None,
        f"evalctl results: batch evaluation {JOB_ID} not found",
    ),
    (
        "a gates file without a BatchEvaluation",
        "found=True",
        "kind: Evaluator\n",
        "expected one BatchEvaluation document, found none",
    ),
    ("a malformed gate", "found=True", SPEC % "    - {minScore: 1}", "must have exactly one of"),
]


@pytest.mark.parametrize(
    ("reason", "found", "spec_text", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_errors_exit_2_with_one_line(reason, found, spec_text, message, tmp_path, monkeypatch, capsys):
    flag = found == "found=True"
    monkeypatch.setattr(
        results_cli, "make_clients", lambda args: _stubbed(SAMPLE["response"], SAMPLE["events"], flag)
    )
    argv = ["results", JOB_ID]
    if spec_text is not None:
        path = tmp_path / "spec.yaml"
        path.write_text(spec_text)
        argv += ["--gates-from", str(path)]
    assert main(argv) == 2, reason
    err = capsys.readouterr().err
    assert message in err, (reason, err)
    assert err.count("\n") == 1, "one line"


def test_gates_from_takes_a_declared_batch_evaluations_name(tmp_path, monkeypatch, capsys):
    specs = tmp_path / "evaluations"
    specs.mkdir()
    source = "  dataSourceConfig: {cloudWatchLogs: {serviceNames: [a.DEFAULT], logGroupNames: [/a]}}\n"
    (specs / "nightly.yaml").write_text((SPEC % HELPFUL_80).replace(", response-tone]", "]\n" + source))
    monkeypatch.setattr(
        results_cli, "make_clients", lambda args: _stubbed(SAMPLE["response"], SAMPLE["events"])
    )
    argv = ["results", JOB_ID, "--specs", str(specs), "--json", "--gates-from"]
    assert main([*argv, "nightly-support"]) == 1
    (gate,) = json.loads(capsys.readouterr().out)["gates"]
    assert gate["gate"] == {"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.8}
    assert main([*argv, "nightly-suport"]) == 2
    err = capsys.readouterr().err
    assert "--gates-from 'nightly-suport' is neither a BatchEvaluation declared under" in err
    assert err.rstrip().endswith("nor a file; did you mean 'nightly-support'?")


CATEGORICAL_TONE = """\
---
apiVersion: evalctl/v1alpha1
kind: Evaluator
metadata: {name: response-tone}
spec:
  level: TRACE
  evaluatorConfig:
    llmAsAJudge:
      instructions: "Rate the tone of {assistant_turn}."
      ratingScale:
        categorical:
          - {label: Rude, definition: Rude.}
          - {label: Kind, definition: Kind.}
      modelConfig:
        bedrockEvaluatorModelConfig: {modelId: anthropic.claude-3-haiku-20240307-v1:0}
"""


def test_an_average_gate_on_a_categorical_evaluator_is_refused_before_any_call(tmp_path, monkeypatch, capsys):
    """As `evalctl validate` refuses it in a spec: a --gates-from file (or declared batch) averaging an
    evaluator whose results are labels only exits 2 at the gate's file:line:col, nothing fetched."""
    calls = []
    monkeypatch.setattr(results_cli, "make_clients", lambda args: calls.append(args) or _stubbed({}, []))
    specs = tmp_path / "evaluations"
    specs.mkdir()
    source = "  dataSourceConfig: {cloudWatchLogs: {serviceNames: [a.DEFAULT], logGroupNames: [/a]}}\n"
    gates = (SPEC % (HELPFUL_80 + "\n" + TONE_50)).replace("gates:", source.strip() + "\n  gates:")
    spec = specs / "nightly.yaml"
    spec.write_text(gates + CATEGORICAL_TONE)
    argv = ["results", JOB_ID, "--specs", str(specs), "--gates-from"]
    for ref in (str(spec), "nightly-support"):
        assert main([*argv, ref]) == 2, ref
        err = capsys.readouterr().err
        assert f"{spec}:9:51:" in err and "minAverageScore on 'response-tone'" in err, err
        assert "categorical" in err and "numerical scale" in err, err
    assert calls == [], "refused before any call"

    # The same file read from outside the --specs folder: the evaluator is found next to the gates.
    elsewhere = tmp_path / "gates.yaml"
    elsewhere.write_text(spec.read_text())
    assert main(["results", JOB_ID, "--specs", str(tmp_path / "none"), "--gates-from", str(elsewhere)]) == 2
    assert f"{elsewhere}:9:51:" in capsys.readouterr().err and calls == []


def test_an_average_gate_out_of_reach_is_refused_before_any_call(tmp_path, monkeypatch, capsys):
    """Above the evaluator's highest score the gate always fails: exit 2 at its file:line:col with the
    reachable range, nothing fetched. Below its lowest it always passes: a warning, and the job is read."""
    calls = []
    response = copy.deepcopy(SAMPLE["response"]) | {"status": "COMPLETED"}
    stubbed = _stubbed(response, SAMPLE["events"])
    monkeypatch.setattr(results_cli, "make_clients", lambda args: calls.append(args) or stubbed)
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, "    - {evaluator: Builtin.Helpfulness, minAverageScore: 7}")
    assert main(["results", JOB_ID, "--gates-from", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "nightly.yaml:7:57: error: minAverageScore 7 on 'Builtin.Helpfulness' is above" in err, err
    assert "set it within 0..1" in err and "nothing was fetched" in err, err
    assert calls == [], "refused before any call"

    below = _spec(tmp_path, "    - {evaluator: Builtin.Helpfulness, minAverageScore: -0.5}")
    assert main(["results", JOB_ID, "--gates-from", str(below)]) == 0
    err = capsys.readouterr().err
    assert "nightly.yaml:7:57: warning: minAverageScore -0.5 on 'Builtin.Helpfulness' is below" in err, err
    assert "always passes" in err and len(calls) == 1, err
