"""Foundations of a stack: IAM roles, log groups and the Lambda functions of code evaluators.

`managed` (default) registers them as pulumi-aws resources. `external` takes the ARNs of roles and
functions that another stack or team manages from stack config (`roleArns`, `functionArns`) and
leaves log groups to their owners; such a stack also runs without the `aws` resource plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import pulumi

from components.code_function import CodeFunction, CodeFunctionArgs
from components.log_group import LogGroup, LogGroupArgs
from components.role import Role, RoleSpecView, function_spec
from evalctl.spec import names

if TYPE_CHECKING:
    from components.stack import Decl, EvaluationStack

MODES = ("managed", "external")


@dataclass(frozen=True)
class External:
    """A foundation resource that exists outside this stack: only its ARN is known."""

    arn: str


@dataclass
class Foundations:
    """What evaluators and online evaluations refer to, by logical name."""

    log_groups: dict[str, LogGroup] = field(default_factory=dict)
    functions: dict[str, CodeFunction | External] = field(default_factory=dict)
    roles: dict[str, Role | External] = field(default_factory=dict)


def mode_of(value: str | None, stack: str, namespace: str) -> str:
    """`managed` (default) or `external`; anything else stops the program naming the key to fix."""
    mode = value or "managed"
    if mode not in MODES:
        raise pulumi.RunError(
            f"{namespace}:foundations in Pulumi.{stack}.yaml is {mode!r}; use one of {', '.join(MODES)}"
        )
    return mode


def is_resource(thing: object) -> TypeGuard[pulumi.Resource]:
    """Whether a dependency can be waited on (external foundations already exist)."""
    return isinstance(thing, pulumi.Resource)


def managed(stack: EvaluationStack) -> Foundations:
    """Log groups, functions and roles as pulumi-aws resources."""
    built = Foundations()
    for decl in stack.of_kind("LogGroup"):
        built.log_groups[decl.name] = _log_group(stack, decl)
    for decl in stack.of_kind("Evaluator"):
        if function_spec(decl) is not None:
            built.functions[decl.name] = _function(stack, decl)
    view = RoleSpecView(stack.decls, stack.config.stack, stack.config.region)
    for decl in stack.of_kind("Role"):
        built.roles[decl.name] = Role(
            f"role-{decl.name}", view.role_args(decl, stack.account, stack.tags(decl))
        )
    return built


def external(stack: EvaluationStack, namespace: str) -> Foundations:
    """ARNs from stack config; every missing one is named at once."""
    config = stack.config
    wanted = [d.name for d in stack.of_kind("Evaluator") if function_spec(d) is not None]
    functions, missing = _arns(config.function_arns, wanted, f"{namespace}:functionArns", "function of")
    roles = [d.name for d in stack.of_kind("Role")]
    found_roles, missing_roles = _arns(config.role_arns, roles, f"{namespace}:roleArns", "role")
    if missing or missing_roles:
        lines = "\n  ".join([*missing, *missing_roles])
        raise pulumi.RunError(
            f"foundations: external needs these ARNs in Pulumi.{config.stack}.yaml "
            f"(`pulumi config set --path '<key>.<name>' <arn>`):\n  {lines}"
        )
    built = Foundations()
    built.functions.update(functions)
    built.roles.update(found_roles)
    return built


def _arns(
    given: Mapping[str, Any] | None, wanted: Iterable[str], key: str, what: str
) -> tuple[dict[str, External], list[str]]:
    given = given or {}
    found: dict[str, External] = {}
    problems: list[str] = []
    for name in wanted:
        arn = given.get(name)
        if isinstance(arn, str) and arn.startswith("arn:"):
            found[name] = External(arn)
        else:
            problems.append(f"{key}.{name}: the ARN of the {what} {name!r}")
    return found, problems


def _log_group(stack: EvaluationStack, decl: Decl) -> LogGroup:
    spec = decl.spec
    args = LogGroupArgs(
        log_group_name=stack.physical(decl),
        retention_in_days=None if spec.get("retentionInDays") is None else int(spec["retentionInDays"]),
        kms_key_id=spec.get("kmsKeyId"),
        log_group_class=spec.get("logGroupClass"),
        tags={**(spec.get("tags") or {}), **stack.tags(decl)},
    )
    return LogGroup(f"log-group-{decl.name}", args)


def _function(stack: EvaluationStack, decl: Decl) -> CodeFunction:
    fn = function_spec(decl) or {}
    source = Path(str(fn["source"]))
    args = CodeFunctionArgs(
        function_name=names.function_name(decl.name, stack.config.stack),
        source=source if source.is_absolute() else decl.directory / source,
        evaluator_name=stack.physical(decl),
        account=stack.account,
        region=stack.config.region,
        handler=str(fn.get("handler", "handler.handler")),
        runtime=str(fn.get("runtime", "python3.12")),
        timeout=int(fn.get("timeoutSeconds", 60)),
        memory_size=int(fn.get("memoryMb", 256)),
        include=tuple(fn.get("include", ())),
        tags=stack.tags(decl),
    )
    return CodeFunction(f"function-{decl.name}", args)
