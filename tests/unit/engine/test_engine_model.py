"""EvaluatorDef construction (built-ins, API dicts) and result conversion."""

from __future__ import annotations

import pytest

from evalctl.engine.builtins import UnknownEvaluator, builtin_definition, definition_from_api
from evalctl.engine.model import EvaluationResult, SpanContext

LEVELS = {
    "TRACE": [
        "Correctness",
        "Faithfulness",
        "Helpfulness",
        "ResponseRelevance",
        "Conciseness",
        "Coherence",
        "InstructionFollowing",
        "Refusal",
        "Harmfulness",
        "Stereotyping",
    ],
    "SESSION": [
        "GoalSuccessRate",
        "TrajectoryExactOrderMatch",
        "TrajectoryInOrderMatch",
        "TrajectoryAnyOrderMatch",
    ],
    "TOOL_CALL": [
        "ToolSelectionAccuracy",
        "ToolParameterAccuracy",
        "SkillSelectionAccuracy",
        "SkillInstructionFollowing",
    ],
}


@pytest.mark.parametrize(("level", "name"), [(lvl, n) for lvl, names in LEVELS.items() for n in names])
def test_builtin_levels(level, name):
    """Every built-in in the fixtures README has its documented level and a built-in ARN."""
    definition = builtin_definition(f"Builtin.{name}")
    assert (definition.level, definition.kind) == (level, "builtin")
    assert definition.evaluator_arn == f"arn:aws:bedrock-agentcore::: evaluator/Builtin.{name}".replace(
        " ", ""
    )


def test_unknown_builtin():
    """Unknown ids raise UnknownEvaluator listing the known ones."""
    with pytest.raises(UnknownEvaluator, match=r"Builtin\.Correctness"):
        builtin_definition("Builtin.Nope")


JUDGE_CONFIG = {
    "llmAsAJudge": {
        "instructions": "Rate {assistant_turn}",
        "ratingScale": {"categorical": [{"label": "Pass", "definition": "ok"}]},
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
    }
}
ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/tone-abcdefghij"


@pytest.mark.parametrize(
    ("payload", "overrides", "expected", "reason"),
    [
        (
            {
                "evaluatorId": "tone-abcdefghij",
                "evaluatorArn": ARN,
                "evaluatorName": "tone",
                "level": "TRACE",
                "evaluatorConfig": JUDGE_CONFIG,
            },
            {},
            ("tone-abcdefghij", ARN, "llm", "TRACE", "Rate {assistant_turn}"),
            "GetEvaluator response, LLM judge",
        ),
        (
            {"evaluatorName": "tone", "level": "SESSION", "evaluatorConfig": JUDGE_CONFIG},
            {"evaluator_id": "tone-abcdefghij", "evaluator_arn": ARN},
            ("tone-abcdefghij", ARN, "llm", "SESSION", "Rate {assistant_turn}"),
            "CreateEvaluator request + ids",
        ),
        (
            {
                "evaluatorId": "d-abcdefghij",
                "evaluatorName": "d",
                "level": "TRACE",
                "evaluatorArn": ARN,
                "evaluatorConfig": {
                    "derived": {
                        "baseEvaluatorId": "Builtin.GoalSuccessRate",
                        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
                    }
                },
            },
            {},
            (
                "d-abcdefghij",
                ARN,
                "derived",
                "SESSION",
                builtin_definition("Builtin.GoalSuccessRate").instructions,
            ),
            "derived: level and prompt of its base built-in",
        ),
        (
            {"evaluatorId": "Builtin.Helpfulness"},
            {},
            (
                "Builtin.Helpfulness",
                "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness",
                "builtin",
                "TRACE",
                builtin_definition("Builtin.Helpfulness").instructions,
            ),
            "built-in id alone",
        ),
    ],
)
def test_from_api(payload, overrides, expected, reason):
    """from_api reads ids, kind, level and instructions from either API dict."""
    d = definition_from_api(payload, **overrides)
    assert (d.evaluator_id, d.evaluator_arn, d.kind, d.level, d.instructions) == expected, reason


def test_from_api_code_based():
    """Code-based evaluators keep the Lambda ARN and timeout; the code itself is attached later."""
    lam = {"lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "lambdaTimeoutInSeconds": 7}
    d = definition_from_api(
        {
            "evaluatorId": "c-abcdefghij",
            "evaluatorName": "c",
            "level": "TOOL_CALL",
            "evaluatorConfig": {"codeBased": {"lambdaConfig": lam}},
        }
    )
    assert d.kind == "code" and d.code is not None
    assert (d.code.lambda_arn, d.code.timeout_seconds, d.code.runnable) == (lam["lambdaArn"], 7.0, False)


def test_from_api_without_config():
    """A custom evaluator with no known config type is rejected."""
    with pytest.raises(UnknownEvaluator, match="x-abcdefghij"):
        definition_from_api({"evaluatorId": "x-abcdefghij", "evaluatorConfig": {}})


def test_to_api_clips_long_text_and_drops_empty_members():
    """Explanations over 2048 characters are clipped; None members are omitted."""
    result = EvaluationResult("e", "n", "a", SpanContext("s", "t" * 32), label="L", explanation="x" * 5000)
    api = result.to_api()
    assert len(api["explanation"]) == 2048
    assert api["context"] == {"spanContext": {"sessionId": "s", "traceId": "t" * 32}}
    assert set(api) == {"evaluatorArn", "evaluatorId", "evaluatorName", "context", "label", "explanation"}
