"""Role component: an IAM role, its trust policy and one inline least-privilege policy built from specs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components._names import aliased, token
from evalctl import iam
from evalctl.spec import names

TYPE_TOKEN = token("role", "Role")


@dataclass
class RoleArgs:
    """Inputs of a Role: physical name, trust policy JSON and (optionally) inline policy JSON."""

    role_name: pulumi.Input[str]
    assume_role_policy: pulumi.Input[str]
    policy: pulumi.Input[str] | None = None
    description: pulumi.Input[str] | None = None
    max_session_duration: int | None = None
    permissions_boundary: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class Role(pulumi.ComponentResource):
    """An `aws.iam.Role` plus an `aws.iam.RolePolicy` holding the generated grants."""

    arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(self, name: str, args: RoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            name,
            name=args.role_name,
            assume_role_policy=args.assume_role_policy,
            description=args.description,
            max_session_duration=args.max_session_duration,
            permissions_boundary=args.permissions_boundary,
            tags=args.tags or None,
            opts=child,
        )
        self.policy: aws.iam.RolePolicy | None = None
        if args.policy is not None:
            self.policy = aws.iam.RolePolicy(
                f"{name}-grants",
                role=self.role.name,
                name="evalctl-grants",
                policy=args.policy,
                opts=child,
            )
        self.arn = self.role.arn
        self.role_name = self.role.name
        self.register_outputs({"arn": self.arn, "roleName": self.role_name})


class SpecLike(Protocol):
    """A declaration as the program holds it (components.stack.Decl)."""

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> dict[str, Any]: ...


def function_spec(decl: SpecLike) -> dict[str, Any] | None:
    """`evaluatorConfig.codeBased.function` of a code-based evaluator we build from source, if any."""
    code = (decl.spec.get("evaluatorConfig") or {}).get("codeBased") or {}
    fn = code.get("function")
    return fn if isinstance(fn, dict) and fn.get("source") else None


def evaluator_refs(decl: SpecLike) -> list[str]:
    """Evaluator references of an online or batch evaluation: logical names, `Builtin.*` ids, ids, ARNs."""
    entries = decl.spec.get("evaluators") or []
    return [str(e.get("evaluatorId")) if isinstance(e, dict) else str(e) for e in entries]


def model_ids(spec: dict[str, Any]) -> list[str]:
    """Judge model ids of an LLM-as-a-judge or derived evaluator."""
    config = spec.get("evaluatorConfig") or {}
    found = []
    for kind in ("llmAsAJudge", "derived"):
        models = (config.get(kind) or {}).get("modelConfig") or {}
        found += [str(m["modelId"]) for m in models.values() if isinstance(m, dict) and m.get("modelId")]
    return found


def _grants(spec: dict[str, Any]) -> list[tuple[str, tuple[str, ...] | None]]:
    """`grants` entries as (template, narrowed-to names or None)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for grant in spec.get("grants") or []:
        if isinstance(grant, str):
            out.append((grant, None))
        else:
            out.append((str(grant["template"]), tuple(str(r) for r in grant.get("resources") or ())))
    return out


class RoleSpecView:
    """Turns Role specs into RoleArgs: trust policy and grants scoped to the stack's physical names."""

    def __init__(self, decls: Sequence[SpecLike], stack: str, region: str) -> None:
        self.decls, self.stack, self.region = list(decls), stack, region

    def _name(self, decl: SpecLike) -> str:
        return str(names.physical_name(decl.kind, decl.name, decl.spec, self.stack))

    def scope(self, narrowed: tuple[str, ...] | None) -> iam.Scope:
        """Names a grant may touch: the whole stack, or only the named specs and what they use."""
        chosen = [d for d in self.decls if narrowed is None or d.name in narrowed]
        refs = {
            r for d in chosen if d.kind in ("OnlineEvaluation", "BatchEvaluation") for r in evaluator_refs(d)
        }
        evaluators = [d for d in self.decls if d.kind == "Evaluator" and (d in chosen or d.name in refs)]
        online = [d for d in chosen if d.kind == "OnlineEvaluation"]
        sources = [(d.spec.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {} for d in online]
        outputs = [(d.spec.get("outputConfig") or {}).get("cloudWatchConfig") or {} for d in online]
        lambdas = [((d.spec.get("evaluatorConfig") or {}).get("codeBased") or {}).get("lambdaConfig") or {}
                   for d in evaluators]  # fmt: skip
        built = [names.function_name(d.name, self.stack) for d in evaluators if function_spec(d)]
        return iam.Scope(
            # An evaluator replaced blue/green lives on under its alternate name: grant both.
            evaluator_names=tuple(n for d in evaluators for n in (self._name(d), _successor(self._name(d)))),
            builtin_evaluator_ids=tuple(sorted(r for r in refs if r.startswith("Builtin."))),
            online_evaluation_names=tuple(self._name(d) for d in online),
            model_ids=tuple(sorted({m for d in evaluators for m in model_ids(d.spec)})),
            source_log_groups=tuple(g for s in sources for g in s.get("logGroupNames") or ()),
            source_log_group_prefixes=tuple(g for s in sources for g in s.get("logGroupNamePrefixes") or ()),
            output_log_groups=tuple(o["logGroupName"] for o in outputs if o.get("logGroupName")),
            log_group_names=tuple(self._name(d) for d in chosen if d.kind == "LogGroup"),
            function_names=tuple(built),
            function_arns=tuple(str(c["lambdaArn"]) for c in lambdas if c.get("lambdaArn")),
            role_names=tuple(
                [self._name(d) for d in chosen if d.kind == "Role"] + [f"{f}_exec"[:64] for f in built]
            ),
            insight_store=any(d.kind == "InsightStore" for d in chosen),
            datasets=any(d.kind == "Dataset" for d in chosen),
            dataset_objects=tuple(
                sorted({str(d.spec["s3Source"]["s3Uri"]) for d in chosen if _s3_source(d)})
            ),
        )

    def role_args(self, decl: SpecLike, account: pulumi.Output[str], tags: dict[str, str]) -> RoleArgs:
        """Trust policy from `assumedBy`, inline policy from `grants` plus raw `statements`."""
        spec = decl.spec
        grants, statements = _grants(spec), list(spec.get("statements") or [])
        assumed = spec.get("assumedBy") or []
        assumed = [assumed] if isinstance(assumed, str) else [str(a) for a in assumed]

        def documents(account_id: str) -> tuple[str, str]:
            target = iam.AwsTarget(account=account_id, region=self.region)
            body: list[iam.Statement] = []
            for template, narrowed in grants:
                body += iam.template_statements(template, self.scope(narrowed), target)
            policy = iam.policy_document([*body, *statements])
            return _json(iam.trust_policy(assumed, target)), _json(policy)

        docs = account.apply(documents)
        return RoleArgs(
            role_name=self._name(decl),
            assume_role_policy=docs.apply(lambda d: d[0]),
            policy=docs.apply(lambda d: d[1]) if grants or statements else None,
            description=spec.get("description"),
            max_session_duration=_int_or_none(spec.get("maxSessionDuration")),
            permissions_boundary=spec.get("permissionsBoundary"),
            tags={**(spec.get("tags") or {}), **tags},
        )


def _s3_source(decl: SpecLike) -> bool:
    return decl.kind == "Dataset" and bool(decl.spec.get("s3Source"))


def _json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _successor(evaluator_name: str) -> str:
    """The alternate name a replacement of this evaluator may take."""
    return names.alternate_name(evaluator_name)
