"""OnlineEvaluation: the dynamic provider for online evaluation configs and its component, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from evalctl import awsops

TYPE_TOKEN = "agentcore-evals:online_evaluation:OnlineEvaluation"
CREATE, UPDATE = "CreateOnlineEvaluationConfig", "UpdateOnlineEvaluationConfig"
NAME, ID, ARN = "onlineEvaluationConfigName", "onlineEvaluationConfigId", "onlineEvaluationConfigArn"
ENABLE = "enableOnCreate"
# botocore's Update has no name and no tags; `enableOnCreate` maps to its `executionStatus`.
IMMUTABLE = frozenset({NAME})
UPDATABLE = frozenset(awsops.input_shape(UPDATE).members) - {"clientToken", ID, "executionStatus"}
COMPUTED = (ID, ARN, "physicalName", "status", "executionStatus")
API = base.Api(
    kind="OnlineEvaluation",
    noun="online_evaluation_config",
    id_key=ID,
    arn_key=ARN,
    name_key=NAME,
    list_key="onlineEvaluationConfigs",
    create_op=CREATE,
    update_op=UPDATE,
)


def _pages(control: Any) -> list[dict[str, Any]]:
    summaries: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = control.list_online_evaluation_configs(**({"nextToken": token} if token else {}))
        summaries += page.get("onlineEvaluationConfigs", [])
        token = page.get("nextToken")
        if not token:
            return summaries


def repoint_online_configs(control: Any, old_id: str, new_id: str) -> list[str]:
    """Switch every online config from one evaluator to another; return the ids that still use it."""
    left: list[str] = []
    for summary in _pages(control):
        ident = str(summary[ID])
        detail = API.get(control, ident)
        refs = detail.get("evaluators") or []
        if not any(r.get("evaluatorId") == old_id for r in refs):
            continue
        moved = [
            {"evaluatorId": new_id if r.get("evaluatorId") == old_id else r.get("evaluatorId")} for r in refs
        ]
        token = awsops.client_token("repoint", ident, old_id, new_id)
        try:
            control.update_online_evaluation_config(
                onlineEvaluationConfigId=ident, evaluators=moved, clientToken=token
            )
        except Exception as exc:
            if awsops.is_not_found(exc):
                continue
            left.append(ident)
    return left


class OnlineEvaluationProvider(base.AgentCoreProvider):
    """CRUD for one online evaluation config through `bedrock-agentcore-control`."""

    api = API
    keys = awsops.declared_keys(CREATE)
    immutable = IMMUTABLE
    computed = COMPUTED

    # ---- hooks and steps -------------------------------------------------------------------------

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        fields = awsops.request_fields(props, CREATE)
        request = {k: v for k, v in fields.items() if k in UPDATABLE}
        if ENABLE in fields:
            request["executionStatus"] = "ENABLED" if fields[ENABLE] else "DISABLED"
        return request

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        live = {k: detail[k] for k in self.keys if k in detail and (k in props or k == NAME)}
        if "executionStatus" in detail:
            live["executionStatus"] = detail["executionStatus"]
            if ENABLE in props:
                live[ENABLE] = detail["executionStatus"] == "ENABLED"
        return live

    def apply_changes(
        self, control: Any, olds: dict[str, Any], news: dict[str, Any], ident: dict[str, Any]
    ) -> dict[str, Any]:
        """Tags, then every changed member in one UpdateOnlineEvaluationConfig call."""
        self.sync_declared_tags(control, ident[ARN], olds, news)
        if all(
            shared.normalized(olds.get(k)) == shared.normalized(news.get(k)) for k in (*UPDATABLE, ENABLE)
        ):
            return ident
        request = self.update_request(news)
        token = awsops.client_token(news.get(shared.OWNER), ident[ID], request)
        params = {ID: ident[ID], "clientToken": token, **request}
        result = self.when_ready(
            control, ident[ID], lambda: control.update_online_evaluation_config(**params)
        )
        physical = str(ident.get("physicalName") or news[NAME])
        return {**self.await_active(control, result, physical), ARN: ident[ARN]}

    def outputs(self, props: Mapping[str, Any], ident: Mapping[str, Any]) -> dict[str, Any]:
        outs = shared.plain_outputs(props, CREATE)
        outs.update(
            {
                ID: str(ident[ID]),
                ARN: str(ident[ARN]),
                "physicalName": str(ident.get("physicalName") or ident.get(NAME) or props.get(NAME)),
                "status": str(ident.get("status") or "ACTIVE"),
                "executionStatus": str(ident.get("executionStatus") or ""),
            }
        )
        return outs


class OnlineEvaluationResource(dyn.Resource, module="online_evaluation", name="OnlineEvaluation"):
    """The dynamic resource; its props are the CreateOnlineEvaluationConfig fields plus our bookkeeping."""

    onlineEvaluationConfigId: pulumi.Output[str]
    onlineEvaluationConfigArn: pulumi.Output[str]
    physicalName: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(OnlineEvaluationProvider(), name, {**props, **dict.fromkeys(COMPUTED)}, opts)


@dataclass
class OnlineEvaluationArgs:
    """The CreateOnlineEvaluationConfig request (evaluators as ids), its spec file, an id to adopt."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]
    import_id: pulumi.Input[str] | None = None


class OnlineEvaluation(pulumi.ComponentResource):
    """One online evaluation config, reconciled by `OnlineEvaluationProvider`."""

    online_evaluation_config_id: pulumi.Output[str]
    online_evaluation_config_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: OnlineEvaluationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
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
        self.resource = OnlineEvaluationResource(name, props, child)
        self.online_evaluation_config_id = self.resource.onlineEvaluationConfigId
        self.online_evaluation_config_arn = self.resource.onlineEvaluationConfigArn
        self.register_outputs(
            {
                "onlineEvaluationConfigId": self.online_evaluation_config_id,
                "onlineEvaluationConfigArn": self.online_evaluation_config_arn,
            }
        )
