"""Evaluator: the dynamic provider for AgentCore custom evaluators and its component, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components._names import aliased, token
from components._provider_update import id_outputs, live_members, update_in_place
from evalctl import aws, awsops
from evalctl.api import shapes

TYPE_TOKEN = token("evaluator", "Evaluator")
CREATE, UPDATE = "CreateEvaluator", "UpdateEvaluator"
NAME = "evaluatorName"
# botocore's UpdateEvaluator takes every Create member except the name and the tags.
IMMUTABLE = frozenset({NAME})
UPDATABLE = frozenset(shapes.input_shape(UPDATE).members) - {"clientToken", "evaluatorId"}
COMPUTED = ("evaluatorId", "evaluatorArn", "physicalName", "status")
# Set by the stack for evaluators its online evaluations use: an online configuration locks them
# ("any" reference under the strict reading), so every change replaces them through the engine
# (new evaluator under the alternate name, online configs updated, old one deleted) instead of an
# UpdateEvaluator that the lock would refuse. Bookkeeping: never sent to AWS.
USED_ONLINE = shared.USED_ONLINE
# The API has no way to clear these once set (description has min length 1): removing them replaces.
UNSETTABLE = frozenset({"description", "kmsKeyArn"})


def identity_key(name: str, spec: Mapping[str, Any], used_online: bool) -> str:
    """What decides whether an evaluator keeps its id, known before `up` (preview included).

    Its id changes only when it is replaced: a new name, a removed member the API cannot clear,
    or (used online, so locked) any change of an updatable member. Dependants compare this key
    when the id itself is unknown in a preview, so preview shows the step `up` will take.
    """
    # "set": [] keeps the key of one with no member kept as earlier releases wrote it.
    parts: dict[str, Any] = {"name": name, "set": []}
    if used_online:
        parts["members"] = {k: spec.get(k) for k in sorted(UPDATABLE)}
    return shared.identity_key(parts, (k for k in UNSETTABLE if spec.get(k)))


def online_references(control: Any) -> list[set[str]]:
    """The evaluator ids each online configuration references (one Get per configuration)."""
    summaries = list(awsops.items(control, "list_online_evaluation_configs", "onlineEvaluationConfigs"))
    refs = []
    for summary in summaries:
        ident = summary["onlineEvaluationConfigId"]
        detail = control.get_online_evaluation_config(onlineEvaluationConfigId=ident)
        refs.append({str(e.get("evaluatorId")) for e in detail.get("evaluators") or []})
    return refs


class EvaluatorLockedError(RuntimeError):
    """An evaluator is locked by an online evaluation this stack does not manage."""


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
    keys = shapes.declared_keys(CREATE)
    immutable = IMMUTABLE
    unsettable = UNSETTABLE
    computed = COMPUTED

    # ---- hooks and steps -------------------------------------------------------------------------

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        fields = shapes.request_fields(props, CREATE)
        return {k: v for k, v in fields.items() if k in UPDATABLE}

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        plan = super().diff(_id, olds, news)
        if not plan.changes and bool(olds.get(USED_ONLINE)) != bool(news.get(USED_ONLINE)):
            # No API call, but state must learn it: the next change of this evaluator depends on it.
            return dyn.DiffResult(
                changes=True, replaces=[], stables=plan.stables, delete_before_replace=False
            )
        locked = bool(olds.get(USED_ONLINE) or news.get(USED_ONLINE))
        if locked and plan.changes and not plan.replaces:
            changed = [
                k for k in UPDATABLE if shared.normalized(olds.get(k)) != shared.normalized(news.get(k))
            ]
            if changed:  # tags alone still update in place: TagResource is not locked
                return dyn.DiffResult(
                    changes=True, replaces=sorted(changed), stables=plan.stables, delete_before_replace=False
                )
        return plan

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Every member the spec can set, as live; both names of the pair are the declared one."""
        return live_members(self, detail, props, skip=("tags",))

    def apply_changes(
        self, control: Any, olds: dict[str, Any], news: dict[str, Any], ident: dict[str, Any]
    ) -> dict[str, Any]:
        """Tags, then fields in one UpdateEvaluator call with a fresh token."""

        def refused(exc: Exception) -> None:
            if aws.error_code(exc) == "ConflictException" and self._locked(
                control, str(ident["evaluatorId"])
            ):
                raise EvaluatorLockedError(
                    f"{news.get(shared.SOURCE)}: Evaluator {news[NAME]}: locked by an online evaluation "
                    "this stack does not manage, so it cannot be updated. To fix: remove it from that "
                    "online evaluation, or declare a new evaluator (another name) and point this spec at it."
                ) from exc

        return update_in_place(self, control, olds, news, ident, members=UPDATABLE, refused=refused)

    def lock_releasing(self, control: Any, ident: str) -> bool:
        """No online configuration references it any more: the lock is being released."""
        return not any(ident in users for users in online_references(control))

    def _locked(self, control: Any, evaluator_id: str) -> bool:
        return bool(API.get(control, evaluator_id).get("lockedForModification"))

    def outputs(self, props: Mapping[str, Any], ident: Mapping[str, Any]) -> dict[str, Any]:
        return id_outputs(self, props, ident)


class EvaluatorResource(dyn.Resource, module="evaluator", name="Evaluator"):
    """The dynamic resource; its props are the CreateEvaluator fields plus our bookkeeping."""

    evaluatorId: pulumi.Output[str]
    evaluatorArn: pulumi.Output[str]
    physicalName: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outs = dict.fromkeys(COMPUTED)
        super().__init__(EvaluatorProvider(), name, {**props, **outs}, opts)


@dataclass
class EvaluatorArgs(shared.SpecArgs):
    """The CreateEvaluator request (camelCase, name set), its spec file and an optional id to adopt."""

    used_online: bool = False


class Evaluator(pulumi.ComponentResource):
    """One custom evaluator, reconciled by `EvaluatorProvider`."""

    evaluator_id: pulumi.Output[str]
    evaluator_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EvaluatorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        props = shared.resource_props(args.spec, args.source, TYPE_TOKEN, name, args.import_id)
        if args.used_online:
            props[USED_ONLINE] = True
        child = shared.child_options(self, opts)
        self.resource = EvaluatorResource(name, props, child)
        self.evaluator_id = self.resource.evaluatorId
        self.evaluator_arn = self.resource.evaluatorArn
        self.register_outputs({"evaluatorId": self.evaluator_id, "evaluatorArn": self.evaluator_arn})
