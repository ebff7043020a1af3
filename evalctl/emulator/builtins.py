"""The built-in evaluators the service lists, with their levels (shared/fixtures/README.md)."""

from __future__ import annotations

from typing import Any

from evalctl.catalog import BUILTIN_EVALUATORS

BUILTIN_CREATED_AT = 1735689600.0  # 2025-01-01: fixed so Get/List answers are reproducible

BUILTIN_LEVELS: dict[str, str] = {ident: level for ident, (level, _) in BUILTIN_EVALUATORS.items()}

# The scale every LLM-scored built-in is described with; trajectory matchers are binary.
_SCALE = [
    {"definition": "Does not meet the criterion.", "value": 0.0, "label": "No"},
    {"definition": "Partially meets the criterion.", "value": 0.5, "label": "Partially"},
    {"definition": "Fully meets the criterion.", "value": 1.0, "label": "Yes"},
]
_BINARY = [
    {"definition": "The trajectory does not match.", "value": 0.0, "label": "No"},
    {"definition": "The trajectory matches.", "value": 1.0, "label": "Yes"},
]


def builtin_arn(evaluator_id: str, region: str) -> str:
    """Built-in evaluator ARNs carry no account: `arn:aws:bedrock-agentcore:::evaluator/<id>`."""
    del region  # the model's pattern for built-ins has empty region and account fields
    return f"arn:aws:bedrock-agentcore:::evaluator/{evaluator_id}"


def builtin_record(evaluator_id: str, region: str) -> dict[str, Any]:
    """The GetEvaluator answer for a built-in evaluator."""
    name = evaluator_id.removeprefix("Builtin.")
    scale = _BINARY if name.startswith("Trajectory") else _SCALE
    config = {
        "llmAsAJudge": {
            "instructions": f"Built-in {name} evaluator (instructions managed by the service).",
            "ratingScale": {"numerical": scale},
            "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "service-managed"}},
        }
    }
    return {
        "evaluatorArn": builtin_arn(evaluator_id, region),
        "evaluatorId": evaluator_id,
        "evaluatorName": evaluator_id,
        "description": f"Built-in {name} evaluator.",
        "evaluatorConfig": config,
        "evaluatorType": "Builtin",
        "provider": "AWS",
        "level": BUILTIN_LEVELS[evaluator_id],
        "status": "ACTIVE",
        "createdAt": BUILTIN_CREATED_AT,
        "updatedAt": BUILTIN_CREATED_AT,
        "lockedForModification": False,
    }
