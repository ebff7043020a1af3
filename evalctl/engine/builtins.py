"""The built-in evaluators the engine knows, and EvaluatorDef construction from API dicts."""

from __future__ import annotations

from typing import Any

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_SCALE
from evalctl.engine.model import CodeSource, EvaluatorDef

BUILTIN_ARN_PREFIX = "arn:aws:bedrock-agentcore:::evaluator/"

# Placeholder -> reference field it consumes; how custom judges declare the ground truth they use.
PLACEHOLDER_FIELDS = {
    "{expected_response}": "expectedResponse",
    "{assertions}": "assertions",
    "{expected_tool_trajectory}": "expectedTrajectory",
}

# The real built-ins' prompts are not public; these local stand-ins name what is judged.
_LEVEL_INSTRUCTIONS = {
    "TRACE": "Judge the assistant turn for {aspect}.\nContext:\n{context}\nAssistant turn:\n{assistant_turn}",
    "SESSION": "Judge the whole session for {aspect}.\nContext:\n{context}\nTools:\n{available_tools}",
    "TOOL_CALL": "Judge this tool call for {aspect}.\nContext:\n{context}\nTool call:\n{tool_turn}\n"
    "Tools:\n{available_tools}",
}


class UnknownEvaluator(ValueError):
    """An evaluator id the engine cannot resolve."""


def builtin_fields(evaluator_id: str) -> tuple[str, ...]:
    """Reference-input fields a built-in uses."""
    return BUILTIN_EVALUATORS[evaluator_id][1]


def is_builtin(evaluator_id: str) -> bool:
    """True for the built-in evaluators listed in the fixtures README."""
    return evaluator_id in BUILTIN_EVALUATORS


def builtin_definition(evaluator_id: str) -> EvaluatorDef:
    """The EvaluatorDef of one built-in evaluator."""
    if evaluator_id not in BUILTIN_EVALUATORS:
        known = ", ".join(sorted(BUILTIN_EVALUATORS))
        raise UnknownEvaluator(f"unknown built-in evaluator {evaluator_id!r}; known: {known}")
    level, fields = BUILTIN_EVALUATORS[evaluator_id]
    aspect = evaluator_id.removeprefix("Builtin.")
    instructions = _LEVEL_INSTRUCTIONS[level].replace("{aspect}", aspect)
    if "expectedResponse" in fields:
        instructions += "\nExpected response:\n{expected_response}"
    if "assertions" in fields:
        instructions += "\nAssertions:\n{assertions}"
    return EvaluatorDef(
        evaluator_id=evaluator_id,
        evaluator_name=evaluator_id,
        evaluator_arn=BUILTIN_ARN_PREFIX + evaluator_id,
        level=level,
        kind="builtin",
        instructions=instructions,
        rating_scale=BUILTIN_SCALE,
    )


def definition_from_api(
    response: dict[str, Any], *, evaluator_id: str | None = None, evaluator_arn: str | None = None
) -> EvaluatorDef:
    """EvaluatorDef from a GetEvaluator response or a CreateEvaluator request (ids then given apart)."""
    ident = evaluator_id or response.get("evaluatorId") or response.get("evaluatorName", "")
    if is_builtin(ident) and "evaluatorConfig" not in response:
        return builtin_definition(ident)
    config = response.get("evaluatorConfig") or {}
    common: dict[str, Any] = {
        "evaluator_id": ident,
        "evaluator_name": response.get("evaluatorName", ident),
        "evaluator_arn": evaluator_arn or response.get("evaluatorArn", ""),
        "level": response.get("level", "TRACE"),
    }
    if "llmAsAJudge" in config:
        judge = config["llmAsAJudge"]
        return EvaluatorDef(
            kind="llm",
            instructions=judge.get("instructions", ""),
            rating_scale=judge.get("ratingScale", {}),
            model_config=judge.get("modelConfig", {}),
            **common,
        )
    if "codeBased" in config:
        lam = config["codeBased"].get("lambdaConfig", {})
        source = CodeSource(
            lambda_arn=lam.get("lambdaArn"), timeout_seconds=float(lam.get("lambdaTimeoutInSeconds", 60))
        )
        return EvaluatorDef(kind="code", code=source, **common)
    if "derived" in config:
        return _derived(config["derived"], common)
    raise UnknownEvaluator(f"evaluator {ident!r} has no llmAsAJudge, codeBased or derived config")


def _derived(derived: dict[str, Any], common: dict[str, Any]) -> EvaluatorDef:
    base_id = derived.get("baseEvaluatorId", "")
    base = builtin_definition(base_id) if is_builtin(base_id) else None
    return EvaluatorDef(
        kind="derived",
        instructions=base.instructions if base else "",
        rating_scale=base.rating_scale if base else BUILTIN_SCALE,
        base_evaluator_id=base_id,
        model_config=derived.get("modelConfig", {}),
        **{**common, "level": common["level"] if base is None else base.level},
    )


def used_reference_fields(evaluator: EvaluatorDef) -> tuple[str, ...] | None:
    """Reference fields an evaluator reads; None means it receives all of them (code-based)."""
    if evaluator.kind == "code":
        return None
    ident = evaluator.base_evaluator_id if evaluator.kind == "derived" else evaluator.evaluator_id
    if ident and is_builtin(ident):
        return builtin_fields(ident)
    return tuple(field for ph, field in PLACEHOLDER_FIELDS.items() if ph in evaluator.instructions)
