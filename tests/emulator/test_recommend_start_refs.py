"""`evalctl recommend NAME --start` with references to what the stack deployed: a declared evaluator
(with an explicit AWS name) and a declared batch evaluation, found by the AWS names the stack gives them;
against the emulator over HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalctl.cli.main import main
from evalctl.spec.names import alternate_name
from tests.emulator.helpers import make_online

SERVICE = "support_agent.DEFAULT"
JUDGE_NAME = "tone_judge_explicit"  # the Evaluator spec's own evaluatorName wins over the derived name
BATCH_NAME = "nightly_dev"  # BatchEvaluation `nightly` in stack `dev`
EVALUATOR = f"""apiVersion: evalctl/v1alpha1
kind: Evaluator
metadata:
  name: tone
spec:
  evaluatorName: {JUDGE_NAME}
  level: TRACE
  evaluatorConfig:
    llmAsAJudge:
      instructions: "Reply to judge: {{assistant_turn}}. Rate its tone."
      ratingScale:
        categorical:
          - {{label: Good, definition: Polite and clear.}}
          - {{label: Poor, definition: Rude or unclear.}}
      modelConfig:
        bedrockEvaluatorModelConfig:
          modelId: us.anthropic.claude-3-5-haiku-20241022-v1:0
"""
BATCH = f"""apiVersion: evalctl/v1alpha1
kind: BatchEvaluation
metadata:
  name: nightly
spec:
  evaluators: [Builtin.Helpfulness]
  dataSourceConfig:
    cloudWatchLogs:
      serviceNames: [{SERVICE}]
      logGroupNamePrefixes: [/aws/bedrock-agentcore/runtimes/]
"""
RECOMMENDATION = """apiVersion: evalctl/v1alpha1
kind: Recommendation
metadata:
  name: assistant-prompt
spec:
  type: SYSTEM_PROMPT_RECOMMENDATION
  systemPrompt: You are a helpful support assistant.
  evaluator: tone
  agentTraces:
    batchEvaluation: nightly
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    specs = tmp_path / "evaluations"
    specs.mkdir()
    for name, text in (("tone", EVALUATOR), ("nightly", BATCH), ("assistant-prompt", RECOMMENDATION)):
        (specs / f"{name}.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _evaluator(emulator: Any, name: str) -> str:
    """CreateEvaluator as the stack would: the spec's members under `name`; its ARN."""
    spec = yaml.safe_load(EVALUATOR)["spec"]
    control = emulator.client("bedrock-agentcore-control")
    made = control.create_evaluator(
        evaluatorName=name, level=spec["level"], evaluatorConfig=spec["evaluatorConfig"]
    )
    return str(made["evaluatorArn"])


def _finished_batch(emulator: Any, span_fixtures: Path) -> str:
    """A COMPLETED run of `nightly` under its AWS name over seeded sessions; its ARN."""
    emulator.admin.seed(sorted(str(p) for p in span_fixtures.glob("raw_otel_*")), SERVICE)
    groups = [g["logGroupName"] for g in emulator.client("logs").describe_log_groups()["logGroups"]]
    data = emulator.client("bedrock-agentcore")
    started = data.start_batch_evaluation(
        batchEvaluationName=BATCH_NAME, evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": groups}},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = data.get_batch_evaluation(batchEvaluationId=started["batchEvaluationId"])
        if job["status"] not in ("PENDING", "IN_PROGRESS"):
            assert job["status"] == "COMPLETED", job
            return str(job["batchEvaluationArn"])
        emulator.admin.advance_clock(60)  # emulated minutes: the job's duration follows the emulator clock
    pytest.fail("the batch evaluation did not finish")


def _started_config(emulator: Any) -> dict[str, Any]:
    """The recommendationConfig of the only recommendation started."""
    data = emulator.client("bedrock-agentcore")
    (row,) = data.list_recommendations()["recommendationSummaries"]
    done = data.get_recommendation(recommendationId=row["recommendationId"])
    assert done["status"] == "COMPLETED", done
    config: dict[str, Any] = done["recommendationConfig"]["systemPromptRecommendationConfig"]
    return config


def command(emulator: Any) -> list[str]:
    return ["recommend", "assistant-prompt", "--start", "--stack", "dev", "--endpoint", emulator.endpoint,
            "--poll", "0.05", "--json"]  # fmt: skip


def test_start_resolves_a_declared_evaluator_and_batch_to_what_the_stack_deployed(
    emulator: Any, project: Path, span_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    assert main(command(emulator)) == 2
    assert f"Evaluator 'tone' has no deployed {JUDGE_NAME}" in capsys.readouterr().err
    # A replaced evaluator lives under the alternate name until the next replacement.
    judge = _evaluator(emulator, alternate_name(JUDGE_NAME))
    assert main(command(emulator)) == 2
    assert f"BatchEvaluation 'nightly' has no completed run of {BATCH_NAME}" in capsys.readouterr().err
    assert emulator.admin.call_counts().get("StartRecommendation", 0) == 0

    batch = _finished_batch(emulator, span_fixtures)
    assert main(command(emulator)) == 0, capsys.readouterr().err
    config = _started_config(emulator)
    assert config["evaluationConfig"]["evaluators"] == [{"evaluatorArn": judge}]
    assert config["agentTraces"] == {"batchEvaluation": {"batchEvaluationArn": batch}}


ONLINE = """apiVersion: evalctl/v1alpha1
kind: OnlineEvaluation
metadata:
  name: live
spec:
  rule:
    samplingConfig: {samplingPercentage: 10}
  dataSourceConfig:
    cloudWatchLogs:
      serviceNames: [agent.DEFAULT]
      logGroupNames: [/aws/x]
  evaluators: [Builtin.Helpfulness]
  evaluationExecutionRoleArn: arn:aws:iam::123456789012:role/evaluation
"""


def test_start_resolves_a_declared_online_evaluation_by_its_aws_name(
    emulator: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    (project / "evaluations" / "live.yaml").write_text(ONLINE)
    spec = project / "evaluations" / "assistant-prompt.yaml"
    spec.write_text(RECOMMENDATION.replace("evaluator: tone", "evaluator: Builtin.Helpfulness").replace(
        "batchEvaluation: nightly", "onlineEvaluation: {config: live, lookback: 1h}"))  # fmt: skip
    assert main(command(emulator)) == 2
    assert "OnlineEvaluation 'live' has no deployed live_dev" in capsys.readouterr().err
    online = make_online(emulator.client("bedrock-agentcore-control"), ["Builtin.Helpfulness"], "live_dev")
    # Started over that configuration: the service read its data source (a log group never created).
    assert main(command(emulator)) == 2
    assert (
        "FAILED: TracesUnavailable: Could not read agent traces: log group /aws/x" in capsys.readouterr().err
    )
    data = emulator.client("bedrock-agentcore")
    (row,) = data.list_recommendations()["recommendationSummaries"]
    config = data.get_recommendation(recommendationId=row["recommendationId"])["recommendationConfig"]
    traces = config["systemPromptRecommendationConfig"]["agentTraces"]["onlineEvaluation"]
    assert traces["onlineEvaluationConfigArn"] == online["onlineEvaluationConfigArn"]
