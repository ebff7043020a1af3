"""The seam to evalctl.engine: evaluator definitions (with Lambda code from moto) and the judge."""

from __future__ import annotations

import dataclasses
from typing import Any

from evalctl.emulator import cwlogs
from evalctl.emulator.core import Core
from evalctl.emulator.evaluators import lookup
from evalctl.engine.builtins import builtin_definition, definition_from_api
from evalctl.engine.judge import Judge
from evalctl.engine.llm_judges import judge_from_env
from evalctl.engine.model import CodeSource, EvaluatorDef


class _JudgeHolder:
    """The process-wide judge: EVALCTL_JUDGE (offline by default), chosen on first use."""

    judge: Judge | None = None


def judge() -> Judge:
    """The configured judge; the default offline judge is deterministic and says it is emulated."""
    if _JudgeHolder.judge is None:
        _JudgeHolder.judge = judge_from_env()
    return _JudgeHolder.judge


def set_judge(value: Judge | None) -> None:
    """Swap the judge (tests, or a real model); None goes back to EVALCTL_JUDGE."""
    _JudgeHolder.judge = value


def definition(core: Core, evaluator_id: str, region: str) -> EvaluatorDef:
    """The engine's view of an evaluator; raises NotFoundError for unknown ids."""
    view = lookup(core, evaluator_id, region)
    if view["evaluatorType"] == "Builtin":
        return dataclasses.replace(builtin_definition(evaluator_id), evaluator_arn=view["evaluatorArn"])
    found = definition_from_api(view)
    if found.kind == "code":
        return dataclasses.replace(found, code=_lambda_code(view["evaluatorConfig"], region))
    return found


def _lambda_code(config: dict[str, Any], region: str) -> CodeSource:
    """The zip create_function uploaded to the emulated Lambda; absent code fails each evaluation."""
    lam = config["codeBased"]["lambdaConfig"]
    arn = lam["lambdaArn"]
    timeout = lam.get("lambdaTimeoutInSeconds")
    try:
        zip_bytes, handler, fn_timeout, memory, name = cwlogs.function_zip(region, arn)
    except Exception:  # moto raises its own not-found types; the engine reports CodeUnavailable
        return CodeSource(lambda_arn=arn, timeout_seconds=float(timeout or 60))
    return CodeSource(
        zip_bytes=zip_bytes,
        handler=handler,
        timeout_seconds=float(timeout or fn_timeout),
        lambda_arn=arn,
        memory_mb=memory,
        function_name=name,
        region=region,
    )
