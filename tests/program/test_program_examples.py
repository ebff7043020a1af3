"""Tier 1: the whole program from the examples in `evaluations/` under mocks; located spec errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pulumi
import pytest

from tests.examples import copy_examples
from tests.program.mockrun import ACCOUNT, REGION, run_program

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "evaluations"
STACK = "dev"
EVALUATOR = "pulumi-python:dynamic/evaluator:Evaluator"
ONLINE = "pulumi-python:dynamic/online_evaluation:OnlineEvaluation"
BATCH = "pulumi-python:dynamic/batch_evaluation:BatchEvaluation"
GATE = "pulumi-python:dynamic/gate:Gate"
DATASET = "pulumi-python:dynamic/dataset:Dataset"
RECOMMENDATION = "pulumi-python:dynamic/recommendation:Recommendation"
RESULTS = {
    "numberOfSessionsCompleted": 2,
    "numberOfSessionsFailed": 0,
    "evaluatorSummaries": [{"evaluatorId": "Builtin.Helpfulness", "statistics": {"averageScore": 0.9}}],
}


def fake_outputs(args):
    """What the providers would return, in plausible AgentCore shapes (ids `<name>-<10 chars>`)."""
    outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
    arn = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}"
    if args.typ == EVALUATOR:
        ident = f"{outs['evaluatorName']}-abcde12345"
        outs.update(evaluatorId=ident, evaluatorArn=f"{arn}:evaluator/{ident}")
    elif args.typ == ONLINE:
        ident = f"{outs['onlineEvaluationConfigName']}-abcde12345"
        arn_ = f"{arn}:online-evaluation-config/{ident}"
        outs.update(onlineEvaluationConfigId=ident, onlineEvaluationConfigArn=arn_)
    elif args.typ == BATCH:
        ident = f"{outs['spec']['batchEvaluationName']}-abcde12345"
        outs.update(batchEvaluationId=ident, status="COMPLETED", results=RESULTS)
    elif args.typ == RECOMMENDATION:
        ident = f"{outs['baseName']}_0123456789-ABCDEFGHIJ"
        outs.update(recommendationId=ident, status="COMPLETED", reportPath="reports/x.md")
        return ident, outs
    elif args.typ == GATE:
        outs.update(verdicts=[{"passed": True, "message": "ok"}], passed=True)
        return f"{outs['batch_evaluation_id']}-gate", outs
    return outs.get("evaluatorId") or outs.get("onlineEvaluationConfigId") or outs.get(
        "batchEvaluationId"
    ), outs


def config(spec_dir: Path) -> dict[str, str]:
    return {"evalctl:specDir": str(spec_dir), "aws:region": REGION,
            "evalctl:accountId": ACCOUNT}  # fmt: skip


@pytest.fixture(scope="module")
def run():
    return run_program(ROOT, config(EXAMPLES), stack=STACK, dynamic=fake_outputs)


def test_every_declared_resource_is_registered_once(run):
    logical = {(r.type, r.name) for r in run.resources if r.type.startswith("pulumi-python:dynamic")}
    assert logical == {
        (EVALUATOR, "evaluator-response-tone"),
        (EVALUATOR, "evaluator-support-quality"),
        (EVALUATOR, "evaluator-tool-reliability"),
        (ONLINE, "online-support-live"),
        (BATCH, "batch-nightly-support"),
        (GATE, "gate-nightly-support"),
        (DATASET, "dataset-support-scenarios"),
        (BATCH, "batch-support-regression"),
        (GATE, "gate-support-regression"),
        (RECOMMENDATION, "recommendation-support-prompt"),
    }
    assert len(run.resources) == len({r.urn for r in run.resources}), "no duplicate URNs"


def dependencies(run, name, token):
    resource = run.named(name, token)
    urns = set(resource.dependencies) | {u for us in resource.property_dependencies.values() for u in us}
    return {run.by_urn(u).name for u in urns}


ONLINE_NEEDS = {"evaluator-response-tone", "evaluator-tool-reliability", "role-online-exec",
                "log-group-support-live-results"}  # fmt: skip
DEPENDENCY_CASES = [
    ("evaluator-tool-reliability", EVALUATOR, {"function-tool-reliability"}, "needs its Lambda"),
    ("online-support-live", ONLINE, ONLINE_NEEDS, "online waits for evaluators, role and log group"),
    ("batch-nightly-support", BATCH, {"evaluator-response-tone", "evaluator-tool-reliability"},
     "a batch waits for the custom evaluators it runs"),
    ("gate-nightly-support", GATE, {"batch-nightly-support"}, "gates wait for the results"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "token", "expected", "reason"), DEPENDENCY_CASES)
def test_dependencies(run, name, token, expected, reason):
    assert expected <= dependencies(run, name, token), reason


def test_code_evaluator_points_at_its_function_with_its_timeout(run):
    spec = run.named("evaluator-tool-reliability", EVALUATOR).inputs
    function = run.named("function-tool-reliability", "aws:lambda/function:Function")
    lambda_config = spec["evaluatorConfig"]["codeBased"]["lambdaConfig"]
    assert lambda_config == {"lambdaArn": function.outputs["arn"], "lambdaTimeoutInSeconds": 30}
    assert function.inputs["memorySize"] == 256 and function.inputs["timeout"] == 30
    assert spec["evaluatorName"] == "tool_reliability_dev"


def test_online_evaluation_references_are_resolved(run):
    spec = run.named("online-support-live", ONLINE).inputs
    assert spec["evaluators"] == [
        {"evaluatorId": "response_tone_dev-abcde12345"},
        {"evaluatorId": "Builtin.Helpfulness"},
        {"evaluatorId": "tool_reliability_dev-abcde12345"},
    ]
    assert spec["evaluationExecutionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/online-exec-dev"
    assert spec["tags"] == {"evalctl:stack": STACK, "evalctl:spec": "OnlineEvaluation/support-live"}


def test_batch_gets_ids_ground_truth_and_no_gates(run):
    spec = run.named("batch-nightly-support", BATCH).inputs["spec"]
    assert spec["batchEvaluationName"] == "nightly_support_dev"
    assert {"evaluatorId": "response_tone_dev-abcde12345"} in spec["evaluators"]
    assert len(spec["groundTruth"]["sessions"]) == 2, "the GroundTruth spec, resolved by name"
    assert "gates" not in spec, "gates are the Gate's, not part of the job"
    assert spec["dataSourceConfig"]["cloudWatchLogs"]["filterConfig"] == {"lookback": "1d"}


def test_gate_judges_the_batch_outputs(run):
    gate = run.named("gate-nightly-support", GATE).inputs
    assert gate["batch_evaluation_id"] == "nightly_support_dev-abcde12345"
    assert gate["results"] == RESULTS
    assert gate["status"] == "COMPLETED", "a job that did not finish fails its gates"
    assert len(gate["gates"]) == 4 and gate["source"].endswith("nightly-support.yaml")


def test_recommendation_reads_the_agent_prompt_and_its_spans(run):
    props = run.named("recommendation-support-prompt", RECOMMENDATION).inputs
    spec = props["spec"]
    prompt = ROOT / "examples" / "support-agent" / "system_prompt.md"
    assert spec["current"] == prompt.read_text() and spec["file"] == "examples/support-agent/system_prompt.md"
    assert spec["evaluator"] == "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"
    sessions = EXAMPLES / "sessions"
    files = ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")
    # State holds each file's path under the program and its digest, not the documents (read on create).
    digests = [hashlib.sha256((sessions / f).read_bytes()).hexdigest() for f in files]
    assert spec["agentTraces"] == {"sessionSpansFiles": [
        {"path": f"evaluations/sessions/{f}", "sha256": d} for f, d in zip(files, digests, strict=True)
    ]}  # fmt: skip
    assert props["projectDir"] == str(ROOT)
    assert spec["tags"] == {"evalctl:stack": STACK, "evalctl:spec": "Recommendation/support-prompt"}
    assert (props["baseName"], props["specName"]) == ("support_prompt_dev", "support-prompt")
    assert props["reportDir"] == str(ROOT / "reports" / "recommendations")
    assert run.outputs["recommendations"]["support-prompt"]["status"] == "COMPLETED"


def test_exports_name_ids_results_and_verdicts(run):
    outputs = run.outputs
    assert outputs["evaluators"]["response-tone"]["id"] == "response_tone_dev-abcde12345"
    assert outputs["onlineEvaluations"]["support-live"]["id"] == "support_live_dev-abcde12345"
    batch = outputs["batchEvaluations"]["nightly-support"]
    assert (batch["id"], batch["status"], batch["results"]) == (
        "nightly_support_dev-abcde12345",
        "COMPLETED",
        RESULTS,
    )
    assert outputs["gates"]["nightly-support"] == [{"passed": True, "message": "ok"}]
    assert set(outputs["roles"]) == {"online-exec", "batch-caller", "ci-evaluator"}
    assert set(outputs["functions"]) == {"tool-reliability"}


def test_a_bad_spec_stops_the_program_with_located_errors(tmp_path):
    specs = tmp_path / "evaluations"
    copy_examples(specs)
    tone = specs / "evaluators" / "response-tone.yaml"
    tone.write_text(tone.read_text().replace("level: TRACE", "levl: TRACE"))
    batch = specs / "batch" / "nightly-support.yaml"
    batch.write_text(batch.read_text().replace("groundTruth: support-golden", "groundTruth: no-such-truth"))
    with pytest.raises(pulumi.RunError) as exc:
        run_program(ROOT, config(specs), stack=STACK, dynamic=fake_outputs)
    lines = str(exc.value).splitlines()
    assert any("response-tone.yaml:" in line and "levl" in line for line in lines), lines
    assert any("nightly-support.yaml:" in line and "no-such-truth" in line for line in lines), lines
    assert lines[-1].startswith(f"{len(lines) - 1} error(s)")
    assert "Traceback" not in str(exc.value)
