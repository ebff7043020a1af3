"""Shared request bodies and helpers of the emulator tests."""

from __future__ import annotations

from typing import Any

JUDGE_CONFIG: dict[str, Any] = {
    "llmAsAJudge": {
        "instructions": "Rate the answer. {context} {assistant_turn}",
        "ratingScale": {
            "numerical": [
                {"definition": "Bad", "value": 0.0, "label": "Bad"},
                {"definition": "Good", "value": 1.0, "label": "Good"},
            ]
        },
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "anthropic.claude-3-5-haiku"}},
    }
}
ROLE_ARN = "arn:aws:iam::123456789012:role/evaluation"


def make_evaluator(control: Any, name: str = "tone", **extra: Any) -> dict[str, Any]:
    params = {"evaluatorName": name, "evaluatorConfig": JUDGE_CONFIG, "level": "TRACE", **extra}
    result: dict[str, Any] = control.create_evaluator(**params)
    return result


def make_online(
    control: Any, evaluator_ids: list[str], name: str = "live", enable: bool = True
) -> dict[str, Any]:
    result: dict[str, Any] = control.create_online_evaluation_config(
        onlineEvaluationConfigName=name,
        rule={"samplingConfig": {"samplingPercentage": 10.0}},
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"], "logGroupNames": ["/aws/x"]}},
        evaluators=[{"evaluatorId": i} for i in evaluator_ids],
        evaluationExecutionRoleArn=ROLE_ARN,
        enableOnCreate=enable,
    )
    return result


def error_code(exc: Any) -> str:
    """The AWS error code of a `pytest.raises(ClientError)` result."""
    return str(exc.value.response["Error"]["Code"])


# A declared Dataset `cases` with one scenario (the dataset generate and IAM workflow tests).
DATASET_SPEC = """apiVersion: evalctl/v1alpha1
kind: Dataset
metadata:
  name: cases
spec:
  scenarios:
    - scenario_id: seed
      turns:
        - input: Hi
"""
