"""Spec builders shared by the provider tests: what components/stack.py passes to the components."""

from __future__ import annotations

import copy
from typing import Any

from tests.providers.harness import ResourceState, provider_input, urn

ROLE_ARN = "arn:aws:iam::123456789012:role/online-exec"
EVALUATOR_TYPE = "dynamic/evaluator:Evaluator"
ONLINE_TYPE = "dynamic/online_evaluation:OnlineEvaluation"
JUDGE: dict[str, Any] = {
    "llmAsAJudge": {
        "instructions": "Rate the tone of {assistant_turn} given {context}.",
        "ratingScale": {
            "numerical": [
                {"value": 0, "label": "bad", "definition": "rude"},
                {"value": 1, "label": "good", "definition": "polite"},
            ]
        },
        "modelConfig": {
            "bedrockEvaluatorModelConfig": {
                "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                "inferenceConfig": {"maxTokens": 256, "temperature": 0.0},
            }
        },
    }
}


def evaluator_props(name: str = "tone", **changes: Any) -> dict[str, Any]:
    """Inputs of an Evaluator's dynamic resource, with `__provider` as the program registers it."""
    from components.evaluator import TYPE_TOKEN, EvaluatorProvider

    props: dict[str, Any] = {
        "evaluatorName": f"{name}_test",
        "level": "TRACE",
        "description": "tone of voice",
        "evaluatorConfig": copy.deepcopy(JUDGE),
        "source": f"evaluations/{name}.yaml",
        "ownerUrn": urn(f"evaluator-{name}", TYPE_TOKEN.replace("evalctl:", "x/")),
        "__provider": provider_input(EvaluatorProvider()),
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def online_props(name: str, evaluator_ids: list[str], **changes: Any) -> dict[str, Any]:
    from components.online_evaluation import OnlineEvaluationProvider

    props: dict[str, Any] = {
        "onlineEvaluationConfigName": f"{name}_test",
        "rule": {"samplingConfig": {"samplingPercentage": 10}},
        "dataSourceConfig": {
            "cloudWatchLogs": {"logGroupNames": ["/aws/agents/support"], "serviceNames": ["support.DEFAULT"]}
        },
        "evaluators": [{"evaluatorId": i} for i in evaluator_ids],
        "evaluationExecutionRoleArn": ROLE_ARN,
        "enableOnCreate": True,
        "source": f"evaluations/{name}.yaml",
        "ownerUrn": urn(f"online-{name}", "x/online"),
        "__provider": provider_input(OnlineEvaluationProvider()),
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def evaluator_urn(name: str = "tone") -> str:
    return urn(f"evaluator-{name}", EVALUATOR_TYPE)


def online_urn(name: str) -> str:
    return urn(f"online-{name}", ONLINE_TYPE)


def custom_evaluators(control: Any) -> list[dict[str, Any]]:
    """Every custom evaluator the emulator holds (built-ins left out)."""
    found = control.list_evaluators(maxResults=100)["evaluators"]
    return [e for e in found if not e["evaluatorId"].startswith("Builtin.")]


def live_ids(state: ResourceState) -> str:
    return str(state.outputs.get("evaluatorId") or state.outputs.get("onlineEvaluationConfigId"))
