"""Evaluator: the dynamic provider for AgentCore custom evaluators and its component, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components.online_evaluation import repoint_online_configs
from evalctl import aws, awsops

TYPE_TOKEN = "agentcore-evals:evaluator:Evaluator"
CREATE, UPDATE = "CreateEvaluator", "UpdateEvaluator"
NAME = "evaluatorName"
# botocore's UpdateEvaluator takes every Create member except the name and the tags.
IMMUTABLE = frozenset({NAME})
UPDATABLE = frozenset(awsops.input_shape(UPDATE).members) - {"clientToken", "evaluatorId"}
COMPUTED = ("evaluatorId", "evaluatorArn", "physicalName", "status")
BLUE_GREEN_SUFFIX = "_bg"
LOCK_CODES = ("ConflictException", "ValidationException")


class EvaluatorLockedError(RuntimeError):
    """An evaluator stays locked by an online evaluation we could not switch away from it."""


def alternate_name(declared: str, current: str) -> str:
    """The other name of a blue/green pair: `<declared>` <-> `<declared[:45]>_bg` (fits 48 chars)."""
    return (
        declared if current != declared else f"{declared[: 48 - len(BLUE_GREEN_SUFFIX)]}{BLUE_GREEN_SUFFIX}"
    )


API = base.Api(
    kind="Evaluator",
    noun="evaluator",
    id_key="evaluatorId",
    arn_key="evaluatorArn",
    name_key=NAME,
    list_key="evaluators",
    create_op=CREATE,
    update_op=UPDATE,
)


class EvaluatorProvider(base.AgentCoreProvider):
    """CRUD for one custom evaluator through `bedrock-agentcore-control`."""

    api = API
    keys = awsops.declared_keys(CREATE)
    immutable = IMMUTABLE
    computed = COMPUTED

    # ---- hooks and steps -------------------------------------------------------------------------

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        fields = awsops.request_fields(props, CREATE)
        return {k: v for k, v in fields.items() if k in UPDATABLE}

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        live = {k: detail[k] for k in self.keys if k in detail and (k in props or k == NAME)}
        declared = str(props.get(NAME) or detail[NAME])
        # Both names of a blue/green pair are the declared evaluator.
        if detail[NAME] == alternate_name(declared, declared):
            live[NAME] = declared
        return live

    def apply_changes(
        self, control: Any, olds: dict[str, Any], news: dict[str, Any], ident: dict[str, Any]
    ) -> dict[str, Any]:
        """Tags, then fields; an evaluator locked by an online evaluation goes blue/green."""
        self.sync_declared_tags(control, ident["evaluatorArn"], olds, news)
        if all(shared.normalized(olds.get(k)) == shared.normalized(news.get(k)) for k in UPDATABLE):
            return ident
        request = self.update_request(news)
        evaluator_id = str(ident["evaluatorId"])
        token = awsops.client_token(news.get(shared.OWNER), evaluator_id, request)
        try:
            result = self.when_ready(
                control,
                evaluator_id,
                lambda: control.update_evaluator(evaluatorId=evaluator_id, clientToken=token, **request),
            )
        except Exception as exc:
            if aws.error_code(exc) not in LOCK_CODES:
                raise
            if not API.get(control, evaluator_id).get("lockedForModification"):
                raise
            return self._blue_green(control, news, ident)
        physical = str(ident.get("physicalName") or news[NAME])
        return {**self.await_active(control, result, physical), "evaluatorArn": ident["evaluatorArn"]}

    def _blue_green(self, control: Any, news: dict[str, Any], ident: dict[str, Any]) -> dict[str, Any]:
        """A locked evaluator: create its successor, switch online configs to it, delete the old one."""
        old_id = str(ident["evaluatorId"])
        new_name = alternate_name(str(news[NAME]), str(ident.get("physicalName") or news[NAME]))
        fresh = self.create_or_adopt(control, news, new_name, salt=old_id)
        still_locked = repoint_online_configs(control, old_id, str(fresh["evaluatorId"]))
        if still_locked:
            raise EvaluatorLockedError(
                f"{news.get(shared.SOURCE)}: Evaluator {news[NAME]}: online evaluation(s) "
                f"{', '.join(still_locked)} still use {old_id}; remove it from them, then run again"
            )
        self.delete_quietly(control, old_id)
        return fresh

    def outputs(self, props: Mapping[str, Any], ident: Mapping[str, Any]) -> dict[str, Any]:
        outs = shared.plain_outputs(props, CREATE)
        outs.update(
            evaluatorId=str(ident["evaluatorId"]),
            evaluatorArn=str(ident["evaluatorArn"]),
            physicalName=str(ident.get("physicalName") or ident.get(NAME) or props.get(NAME)),
            status=str(ident.get("status") or "ACTIVE"),
        )
        return outs


class EvaluatorResource(dyn.Resource, module="evaluator", name="Evaluator"):
    """The dynamic resource; its props are the CreateEvaluator fields plus our bookkeeping."""

    evaluatorId: pulumi.Output[str]
    evaluatorArn: pulumi.Output[str]
    physicalName: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outs = dict.fromkeys(COMPUTED)
        super().__init__(EvaluatorProvider(), name, {**props, **outs}, opts)


@dataclass
class EvaluatorArgs:
    """The CreateEvaluator request (camelCase, name set), its spec file and an optional id to adopt."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]
    import_id: pulumi.Input[str] | None = None


class Evaluator(pulumi.ComponentResource):
    """One custom evaluator, reconciled by `EvaluatorProvider`."""

    evaluator_id: pulumi.Output[str]
    evaluator_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EvaluatorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        props: dict[str, Any] = {
            **args.spec,
            shared.SOURCE: args.source,
            shared.OWNER: shared.owner_urn(TYPE_TOKEN, name),
        }
        if args.import_id is not None:
            props[shared.IMPORT_ID] = args.import_id
        # The component's depends_on must hold for the resource that actually calls AWS.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        self.resource = EvaluatorResource(name, props, child)
        self.evaluator_id = self.resource.evaluatorId
        self.evaluator_arn = self.resource.evaluatorArn
        self.register_outputs({"evaluatorId": self.evaluator_id, "evaluatorArn": self.evaluator_arn})
