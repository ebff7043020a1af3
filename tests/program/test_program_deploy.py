"""Tier 3: the whole program, pulumi-aws from mocks and dynamic resources through the real provider server
into the emulator: deploy the examples, a gate that fails then passes, change specs, destroy.

After every step the emulator must hold exactly what the specs say: nothing duplicated, nothing orphaned.
Sessions are the real Strands capture from aws/bedrock-agentcore-starter-toolkit (tests/data/spans).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.examples import copy_examples
from tests.program.deploy import FAST, Deployment, LambdaInMoto, UpFailed, provider_config
from tests.program.mockrun import ACCOUNT

ROOT = Path(__file__).resolve().parents[2]
STACK = "dev"
SERVICE = "support_agent.DEFAULT"
SPANS = ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")
BATCH = "pulumi-python:dynamic/batch_evaluation:BatchEvaluation"
EXAMPLE_GATE = "- {evaluator: Builtin.Helpfulness, minAverageScore: 0.5}"
FAILING_GATE = "- {evaluator: Builtin.Helpfulness, minAverageScore: 1}"  # reachable, not reached
PASSING_GATE = "- {evaluator: Builtin.Helpfulness, minAverageScore: 0}"
CONFIGS = "onlineEvaluationConfigs"
GOING = "DELETING"


@pytest.fixture
def specs(tmp_path):
    """A copy of the examples whose batch starts with a gate the sessions do not reach."""
    folder = tmp_path / "evaluations"
    copy_examples(folder)
    # The dataset batch invokes a running agent (tests/emulator/test_dataset_batch.py, tests/agent).
    (folder / "batch" / "support-regression.yaml").unlink()
    edit(folder / "batch" / "nightly-support.yaml", EXAMPLE_GATE, FAILING_GATE)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def deployment(emulator, specs, span_fixtures, provider_server):
    emulator.admin.configure(**FAST)  # emulated lifecycles in tenths of a second
    emulator.admin.seed([span_fixtures / name for name in SPANS], SERVICE)
    program = {**provider_config(emulator), "evalctl:specDir": str(specs),
               "evalctl:accountId": ACCOUNT,
               "evalctl:reportDir": str(specs.parent / "reports")}  # fmt: skip
    return Deployment(provider_server, ROOT, program, STACK, aws=LambdaInMoto(emulator))


def live(emulator):
    """Names of the custom evaluators and online configs, and the batch job ids, the emulator holds."""
    control = emulator.client("bedrock-agentcore-control")
    data = emulator.client("bedrock-agentcore")
    evaluators = [e["evaluatorName"] for e in control.list_evaluators()["evaluators"]
                  if not e["evaluatorId"].startswith("Builtin.") and e.get("status") != GOING]  # fmt: skip
    online = [c["onlineEvaluationConfigName"] for c in control.list_online_evaluation_configs()[CONFIGS]
              if c.get("status") != GOING]  # fmt: skip
    jobs = [j["batchEvaluationId"] for j in data.list_batch_evaluations()["batchEvaluations"]
            if j["status"] != GOING]  # fmt: skip
    return sorted(evaluators), sorted(online), sorted(jobs)


def uses(emulator):
    """Evaluator ids the live online evaluation scores with."""
    control = emulator.client("bedrock-agentcore-control")
    (summary,) = control.list_online_evaluation_configs()[CONFIGS]
    config = control.get_online_evaluation_config(
        onlineEvaluationConfigId=summary["onlineEvaluationConfigId"]
    )
    return {e["evaluatorId"] for e in config["evaluators"]}


def recommendations(emulator):
    rows = emulator.client("bedrock-agentcore").list_recommendations()["recommendationSummaries"]
    return [r["recommendationId"] for r in rows if r["status"] != GOING]


def start_calls(emulator):
    return emulator.admin.call_counts().get("StartBatchEvaluation", 0)


def test_deploy_gate_change_and_destroy(deployment, emulator, specs):
    with pytest.raises(UpFailed) as failed:
        deployment.up()
    (job,) = deployment.of_type(BATCH).values()
    assert re.search(
        rf"Builtin\.Helpfulness average [0-9.]+ < 1\.0+ in batch evaluation {job.id}", str(failed.value)
    )
    expected = ["response_tone_dev", "support_quality_dev", "tool_reliability_dev"]
    assert live(emulator) == (expected, ["support_live_dev"], [job.id]), "the job stays; nothing else is made"

    edit(
        specs / "batch" / "nightly-support.yaml",
        FAILING_GATE,
        "- {evaluator: Builtin.Helpfulness, minAverageScore: 0}",
    )
    emulator.admin.clear_call_counts()
    run = deployment.up()
    assert start_calls(emulator) == 0, "gates changed, the job did not: no new job"
    assert run.outputs["batchEvaluations"]["nightly-support"]["id"] == job.id
    assert all(v["passed"] for v in run.outputs["gates"]["nightly-support"])
    assert live(emulator) == (expected, ["support_live_dev"], [job.id])
    recommended = run.outputs["recommendations"]["support-prompt"]
    assert recommended["status"] == "COMPLETED" and recommendations(emulator) == [recommended["id"]]
    report = Path(recommended["report"])
    assert report == specs.parent / "reports" / "recommendations" / "support-prompt.md"
    assert "+## Lessons from" in report.read_text(), "the report shows the recommended lines as a diff"

    emulator.admin.clear_call_counts()
    deployment.up()
    assert sum(emulator.admin.call_counts().values()) == 0, "an unchanged stack makes no API call"

    edit(specs / "evaluators" / "response-tone.yaml", "Rate the tone:", "Rate the tone strictly:")
    (specs / "evaluators" / "support-quality.yaml").unlink()
    run = deployment.up()
    evaluators, online, jobs = live(emulator)
    tone = run.outputs["evaluators"]["response-tone"]["id"]
    assert evaluators == sorted([tone.rsplit("-", 1)[0], "tool_reliability_dev"]), "one tone, no quality"
    assert online == ["support_live_dev"]
    assert uses(emulator) == {
        tone,
        run.outputs["evaluators"]["tool-reliability"]["id"],
        "Builtin.Helpfulness",
    }
    new_job = run.outputs["batchEvaluations"]["nightly-support"]["id"]
    assert jobs == [new_job], "a new evaluator id is a new job; the old job is gone"

    deployment.destroy()
    assert live(emulator) == ([], [], [])
    assert recommendations(emulator) == []
