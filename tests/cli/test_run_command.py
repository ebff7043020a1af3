"""`evalctl run` against the emulator over HTTP: pre-flight, start, wait, gates, reports, exit codes.

Sessions are the real captures of shared/fixtures/spans (Strands + Bedrock, LangGraph).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evalctl.aws import ClientSettings
from evalctl.cli.inprocess import clients_for
from evalctl.cli.main import main
from evalctl.runner import local
from evalctl.spec.mapping import evaluator_request
from evalctl.spec.project import load_project
from tests.examples import copy_examples

ROOT = Path(__file__).resolve().parents[2]
SPANS = ROOT / "tests" / "data" / "spans"
STRANDS = [
    SPANS / "raw_otel_strands_bedrock_spans.json",
    SPANS / "raw_otel_strands_bedrock_runtime_logs.json",
]
LANGCHAIN = [SPANS / "raw_otel_langchain_spans.json", SPANS / "raw_otel_langchain_runtime_logs.json"]
SERVICE = "support_agent.DEFAULT"


@pytest.fixture
def specs(tmp_path):
    target = tmp_path / "evaluations"
    copy_examples(target)
    return target


@pytest.fixture
def fast(emulator):
    emulator.admin.configure(batch_pending_seconds=0.05, batch_session_seconds=0.05, resource_seconds=0.01)
    return emulator


def deploy(emulator, specs, pairs=(STRANDS, LANGCHAIN)):
    project, _ = load_project([specs], "dev")
    batch = project.valid("BatchEvaluation", "nightly-support")
    clients = clients_for(ClientSettings(endpoint=emulator.endpoint, region="us-east-1", max_attempts=1))
    local.deploy_evaluators(project, list(batch.spec["evaluators"]), clients)
    for pair in pairs:
        emulator.admin.seed([str(p) for p in pair], SERVICE)


def run(emulator, specs, *extra):
    return main(
        ["run", "nightly-support", "--specs", str(specs), "--endpoint", emulator.endpoint, "--quiet", *extra]
    )


def test_a_passing_run_prints_the_table_applies_gates_and_writes_reports(fast, specs, tmp_path, capsys):
    deploy(fast, specs)
    assert run(fast, specs, "--report-dir", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    assert "Builtin.TrajectoryInOrderMatch" in out and "pass" in out
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["job"]["status"] == "COMPLETED"
    assert {s["sessionId"] for s in results["sessions"]} == {
        "cc8a8e69-8bed-4e5f-9a06-9a58550fd713",
        "383c4a9d-5682-4186-a125-e226f9f6c141",
    }
    assert len(results["gates"]) == 4 and all(g["passed"] for g in results["gates"])
    for name in ("junit.xml", "summary.md", "report.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_a_failed_gate_exits_1_and_says_which(fast, specs, capsys):
    path = specs / "batch" / "nightly-support.yaml"
    path.write_text(
        path.read_text().replace(
            "Builtin.Helpfulness, minAverageScore: 0.5", "Builtin.Helpfulness, minAverageScore: 0.99"
        )
    )
    deploy(fast, specs)
    assert run(fast, specs) == 1
    out = capsys.readouterr().out
    assert re.search(
        r"Builtin\.Helpfulness average 0\.\d\d < 0\.99 in batch evaluation nightly_support_dev_r[0-9a-f]{6}-",
        out,
    )


@pytest.mark.parametrize(
    ("setup", "expected", "reason"),
    [
        (
            "no-deploy",
            "evaluator 'response-tone' (response_tone_dev) does not exist",
            "custom evaluators must exist",
        ),
        (
            "no-seed",
            "no log group starts with /aws/bedrock-agentcore/runtimes/support_agent-",
            "the runtime log groups come from the agent; without sessions there are none",
        ),
        (
            "one-pair",
            "1 ground-truth session(s) have no spans in the window: 383c4a9d",
            "ground-truth sessions must appear in the data",
        ),
    ],
)
def test_pre_flight_failures_stop_before_starting_with_the_fix(fast, specs, capsys, setup, expected, reason):
    if setup == "one-pair":
        deploy(fast, specs, pairs=(STRANDS,))
    elif setup == "no-seed":
        deploy(fast, specs, pairs=())
    assert run(fast, specs) == 2, reason
    err = capsys.readouterr().err
    assert expected in err and "fix:" in err
    assert fast.admin.call_counts().get("StartBatchEvaluation", 0) == 0


def test_no_spans_for_the_service_is_reported(fast, specs, capsys):
    deploy(fast, specs)
    path = specs / "batch" / "nightly-support.yaml"
    path.write_text(
        path.read_text().replace("serviceNames: [support_agent.DEFAULT]", "serviceNames: [other.DEFAULT]")
    )
    assert run(fast, specs) == 2
    assert "no span of service 'other.DEFAULT'" in capsys.readouterr().err


def test_detach_returns_the_job_id_at_once(fast, specs, capsys):
    deploy(fast, specs)
    assert run(fast, specs, "--detach") == 0
    job_id = capsys.readouterr().out.strip()
    data = fast.client("bedrock-agentcore")
    # Batch names are unique in the account: every run starts under its own name.
    name = data.get_batch_evaluation(batchEvaluationId=job_id)["batchEvaluationName"]
    assert re.fullmatch(r"nightly_support_dev_r[0-9a-f]{6}", name)


def test_timeout_leaves_the_job_running_and_says_how_to_follow_it(fast, specs, capsys):
    fast.admin.configure(batch_session_seconds=3600)
    deploy(fast, specs)
    assert run(fast, specs, "--timeout", "1") == 2
    assert re.search(r"evalctl results nightly_support_dev_r[0-9a-f]{6}-", capsys.readouterr().err)


def test_spec_errors_and_unknown_names_are_usage_errors(specs, capsys):
    assert main(["run", "nope", "--specs", str(specs)]) == 2
    assert (
        "no BatchEvaluation 'nope' (declared: nightly-support, support-regression)" in capsys.readouterr().err
    )
    (specs / "bad.yaml").write_text(
        "apiVersion: evalctl/v1alpha1\nkind: LogGroup\nmetadata: {name: x}\nspec: {retentionInDays: 10}\n"
    )
    assert main(["run", "nightly-support", "--specs", str(specs)]) == 2
    assert "bad.yaml:4" in capsys.readouterr().err


def test_the_target_may_be_the_spec_file_itself(fast, specs, capsys):
    deploy(fast, specs)
    code = main(
        [
            "run",
            str(specs / "batch" / "nightly-support.yaml"),
            "--specs",
            str(specs),
            "--endpoint",
            fast.endpoint,
            "--quiet",
            "--detach",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip().startswith("nightly_support_dev_r")


def test_a_mistyped_name_gets_did_you_mean(specs, capsys):
    assert main(["run", "nightly-suport", "--specs", str(specs)]) == 2
    assert "no BatchEvaluation 'nightly-suport'" in (err := capsys.readouterr().err)
    assert err.rstrip().endswith("did you mean 'nightly-support'?")


def test_bad_seed_files_are_all_named_before_any_emulator_starts(specs, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not json\n")
    files = [str(tmp_path / "missing.json"), str(tmp_path / "notes.txt")]
    assert main(["run", "nightly-support", "--specs", str(specs), "--local", "--seed", *files]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'missing.json'}: cannot read (No such file or directory)" in err
    assert f"{tmp_path / 'notes.txt'}:1:1: not JSON (Expecting value)" in err
    assert "Traceback" not in err


def test_an_unreachable_endpoint_names_the_flag_to_check(specs, capsys):
    argv = ["run", "nightly-support", "--specs", str(specs), "--endpoint", "http://127.0.0.1:9"]
    assert main([*argv, "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert "the endpoint cannot be reached; check --endpoint (a command)" in err
    assert "is `evalctl emulator` running?" in err


def test_skip_preflight_still_needs_the_evaluators_and_says_so(fast, specs, capsys):
    assert run(fast, specs, "--skip-preflight") == 2
    err = capsys.readouterr().err
    assert "evaluator 'response-tone' (response_tone_dev) does not exist in this account and region" in err
    assert "`pulumi up` on stack dev" in err and "--skip-preflight cannot skip this" in err
    assert fast.admin.call_counts().get("StartBatchEvaluation", 0) == 0


def test_skip_preflight_starts_without_the_log_and_status_checks(emulator, specs, capsys):
    # No sessions seeded (no log group matches) and the evaluator still CREATING: both checks are skipped.
    emulator.admin.configure(resource_seconds=3600)
    path = specs / "batch" / "nightly-support.yaml"
    path.write_text(path.read_text().replace(", tool-reliability]", "]"))
    project, _ = load_project([specs], "dev")
    control = emulator.client("bedrock-agentcore-control")
    control.create_evaluator(**evaluator_request(project.valid("Evaluator", "response-tone"), "dev", None))
    assert run(emulator, specs, "--detach") == 2
    assert "evaluator 'response-tone' (response_tone_dev) is CREATING" in capsys.readouterr().err
    assert run(emulator, specs, "--detach", "--skip-preflight") == 0
    assert emulator.admin.call_counts().get("StartBatchEvaluation", 0) == 1
