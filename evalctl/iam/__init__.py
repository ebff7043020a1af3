"""Least-privilege IAM policy templates and trust policies, scoped from what the specs declare."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from evalctl.iam.ci import ci_deployer, ci_evaluator
from evalctl.iam.grants import (
    AGENTCORE_PRINCIPAL,
    ID_SUFFIX,
    LAMBDA_PRINCIPAL,
    POLICY_VERSION,
    AwsTarget,
    Document,
    Scope,
    Statement,
    batch_evaluation_caller,
    code_evaluator_execution,
    invoke_evaluator_models,
    online_evaluation_execution,
    statement,
)

__all__ = [
    "AGENTCORE_PRINCIPAL",
    "ID_SUFFIX",
    "LAMBDA_PRINCIPAL",
    "TEMPLATES",
    "AwsTarget",
    "Document",
    "Scope",
    "Statement",
    "UnknownGrantError",
    "policy_document",
    "statement",
    "template_statements",
    "trust_policy",
]

TemplateFn = Callable[[Scope, AwsTarget], list[Statement]]
# Every grant template by name, as roles name them in `grants`.
TEMPLATES: dict[str, TemplateFn] = {
    "batchEvaluationCaller": batch_evaluation_caller,
    "invokeEvaluatorModels": invoke_evaluator_models,
    "onlineEvaluationExecution": online_evaluation_execution,
    "codeEvaluatorExecution": code_evaluator_execution,
    "ciDeployer": ci_deployer,
    "ciEvaluator": ci_evaluator,
}


class UnknownGrantError(ValueError):
    """A role grants a template name that does not exist."""


def template_statements(template: str, scope: Scope, aws: AwsTarget) -> list[Statement]:
    """Statements of one grant template, or UnknownGrantError naming the valid templates."""
    try:
        build = TEMPLATES[template]
    except KeyError:
        valid = ", ".join(sorted(TEMPLATES))
        raise UnknownGrantError(f"unknown grant template {template!r}; use one of: {valid}") from None
    return build(scope, aws)


def policy_document(statements: Iterable[Statement]) -> Document:
    """Merge statements into one document: exact duplicates dropped, clashing Sids numbered."""
    merged: list[Statement] = []
    sids: set[str] = set()
    for original in statements:
        if original in merged:
            continue
        stmt = dict(original)
        sid = stmt.get("Sid")
        if sid is not None:
            n = 2
            while stmt["Sid"] in sids:
                stmt["Sid"] = f"{sid}{n}"
                n += 1
            sids.add(stmt["Sid"])
        merged.append(stmt)
    return {"Version": POLICY_VERSION, "Statement": merged}


def trust_policy(assumed_by: Sequence[str], aws: AwsTarget) -> Document:
    """Trust policy for service principals, account ids or principal ARNs, confused-deputy safe."""
    out: list[Statement] = []
    for who in assumed_by:
        stmt: Statement = {"Effect": "Allow", "Action": "sts:AssumeRole"}
        if re.fullmatch(r"\d{12}", who):
            stmt["Principal"] = {"AWS": f"arn:{aws.partition}:iam::{who}:root"}
        elif who.startswith("arn:"):
            stmt["Principal"] = {"AWS": who}
        else:
            stmt["Principal"] = {"Service": who}
        if who == AGENTCORE_PRINCIPAL:
            stmt["Condition"] = {
                "StringEquals": {"aws:SourceAccount": aws.account},
                "ArnLike": {"aws:SourceArn": aws.arn("bedrock-agentcore", "*")},
            }
        out.append(stmt)
    return {"Version": POLICY_VERSION, "Statement": out}
