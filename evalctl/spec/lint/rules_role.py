"""Whether a declared Role can serve as an online evaluation's execution role."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from evalctl.iam import AGENTCORE_PRINCIPAL, TEMPLATES, AwsTarget, Scope
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import problem
from evalctl.spec.project import Document, Project

POINTER = "/spec/evaluationExecutionRoleArn"
TEMPLATE = "onlineEvaluationExecution"
# What the service does with the role (evalctl.iam.online_evaluation_execution): query the agent's
# telemetry and write the results; without these every evaluation of the configuration fails.
NEEDED = ("logs:StartQuery", "logs:GetQueryResults", "logs:PutLogEvents")


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def allows(statements: list[dict[str, Any]], action: str) -> bool:
    """Some Allow statement names the action (IAM wildcards, case-insensitive) and none denies it."""

    def names(stmt: dict[str, Any]) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(stmt.get("Action")))

    allowed = any(s.get("Effect") == "Allow" and names(s) for s in statements)
    return allowed and not any(s.get("Effect") == "Deny" and names(s) for s in statements)


def _templates(role: Document) -> set[str]:
    return {g if isinstance(g, str) else g["template"] for g in role.spec.get("grants") or []}


def role_statements(role: Document) -> list[dict[str, Any]]:
    """The role's raw statements and those of its grant templates (unscoped: actions are what count)."""
    known = TEMPLATES
    out = list(role.spec.get("statements") or [])
    target = AwsTarget("123456789012", "us-east-1")
    for name in sorted(_templates(role) & set(known)):
        out += known[name](Scope(model_ids=("model",), function_names=("f",)), target)
    return out


def online_role(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """A declared execution role is assumable by AgentCore and grants what online evaluation does."""
    ref = doc.spec["evaluationExecutionRoleArn"]
    role = project.valid("Role", ref)
    if role is None:
        return
    where = f"{role.file}:{role.at('/metadata/name')[0]}"
    if AGENTCORE_PRINCIPAL not in role.spec["assumedBy"]:
        yield problem(
            doc,
            POINTER,
            f"Role '{ref}' ({where}) cannot be assumed by {AGENTCORE_PRINCIPAL}, so the service cannot "
            f"run this online evaluation with it; add {AGENTCORE_PRINCIPAL} to its assumedBy",
            "execution-role-trust",
        )
    if TEMPLATE in _templates(role):
        return
    statements = role_statements(role)
    lacking = [a for a in NEEDED if not allows(statements, a)]
    if lacking:
        yield problem(
            doc,
            POINTER,
            f"Role '{ref}' ({where}) does not grant what an online evaluation needs "
            f"({', '.join(lacking)}); add `{TEMPLATE}` to its grants",
            "execution-role-grants",
        )
