"""Physical AWS names derived from metadata.name and the stack, fitted to each API's pattern."""

from __future__ import annotations

import re

AGENTCORE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
EXPLICIT_FIELD = {
    "Evaluator": "evaluatorName",
    "OnlineEvaluation": "onlineEvaluationConfigName",
    "BatchEvaluation": "batchEvaluationName",
    "Role": "roleName",
    "LogGroup": "logGroupName",
}


def agentcore_name(name: str, stack: str) -> str:
    """`response-tone` in stack `dev` -> `response_tone_dev` (AgentCore names allow no '-')."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", f"{name}_{stack}")


def role_name(name: str, stack: str) -> str:
    return re.sub(r"[^\w+=,.@-]", "-", f"{name}-{stack}")


def function_name(name: str, stack: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", f"{name}-{stack}")


def log_group_name(name: str, stack: str) -> str:
    return f"/evalctl/{stack}/{name}"


def physical_name(kind: str, name: str, spec: dict[str, object], stack: str) -> str | None:
    """The name the resource gets in AWS: the spec's explicit one, else the derived one."""
    explicit = spec.get(EXPLICIT_FIELD.get(kind, ""))
    if isinstance(explicit, str) and explicit:
        return explicit
    if kind in ("Evaluator", "OnlineEvaluation", "BatchEvaluation"):
        return agentcore_name(name, stack)
    if kind == "Role":
        return role_name(name, stack)
    if kind == "LogGroup":
        return log_group_name(name, stack)
    return None


def name_problem(kind: str, physical: str) -> str | None:
    """Why a physical name does not fit its API's pattern, or None."""
    if kind in ("Evaluator", "OnlineEvaluation", "BatchEvaluation") and not AGENTCORE_NAME.fullmatch(
        physical
    ):
        return (
            f"'{physical}' does not fit [a-zA-Z][a-zA-Z0-9_]{{0,47}} ({len(physical)} characters, at most 48)"
        )
    if kind == "Role" and not ROLE_NAME.fullmatch(physical):
        return f"'{physical}' is longer than IAM's 64 characters ({len(physical)})"
    return None
