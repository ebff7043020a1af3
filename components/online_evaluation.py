"""OnlineEvaluation: the dynamic provider for online evaluation configs and its component, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components._names import aliased, token
from components._provider_update import id_outputs, live_members, update_in_place
from evalctl.api import shapes

TYPE_TOKEN = token("online_evaluation", "OnlineEvaluation")
CREATE, UPDATE = "CreateOnlineEvaluationConfig", "UpdateOnlineEvaluationConfig"
NAME, ID, ARN = "onlineEvaluationConfigName", "onlineEvaluationConfigId", "onlineEvaluationConfigArn"
ENABLE = "enableOnCreate"
# botocore's Update has no name and no tags; `enableOnCreate` maps to its `executionStatus`.
IMMUTABLE = frozenset({NAME})
UPDATABLE = frozenset(shapes.input_shape(UPDATE).members) - {"clientToken", ID, "executionStatus"}
COMPUTED = (ID, ARN, "physicalName", "status", "executionStatus")
# Removed from a spec, these are sent as the explicit empty value the model accepts (min 0 lists).
CLEARED: dict[str, Any] = {"insights": [], "clusteringConfig": {"frequencies": []}}
# The API cannot clear these (description min length 1; outputConfig needs cloudWatchConfig, and its
# absence means the service's default log group): removing them replaces the configuration.
UNSETTABLE = frozenset({"description", "outputConfig"})
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


def identity_key(name: str, spec: Mapping[str, Any]) -> str:
    """What decides whether a configuration keeps its ARN, known before `up` (preview included): it is
    replaced only for a new name or a removed member the API cannot clear (adding one updates it in
    place). Dependants compare keys with `_props.same_identity` when the ARN is unknown in a preview:
    the engine keeps no output of an updated dynamic resource there (components.evaluator does the same)."""
    return shared.identity_key({"name": name, "set": []}, (k for k in UNSETTABLE if spec.get(k)))


class OnlineEvaluationProvider(base.AgentCoreProvider):
    """CRUD for one online evaluation config through `bedrock-agentcore-control`."""

    api = API
    keys = shapes.declared_keys(CREATE)
    immutable = IMMUTABLE
    unsettable = UNSETTABLE
    computed = COMPUTED

    # ---- hooks and steps -------------------------------------------------------------------------

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        fields = shapes.request_fields(props, CREATE)
        request = {k: v for k, v in fields.items() if k in UPDATABLE}
        request.update({k: v for k, v in CLEARED.items() if k not in request})
        if ENABLE in fields:
            request["executionStatus"] = "ENABLED" if fields[ENABLE] else "DISABLED"
        return request

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Every member the spec can set, as live (`enableOnCreate` is the execution status)."""
        live = live_members(self, detail, props, skip=("tags", ENABLE))
        live.update({k: None for k, empty in CLEARED.items() if live.get(k) == empty})
        if "outputConfig" not in props:  # the service's default destination is not drift
            live["outputConfig"] = None
        if "executionStatus" in detail:
            live["executionStatus"] = detail["executionStatus"]
            live[ENABLE] = detail["executionStatus"] == "ENABLED"
        return live

    def apply_changes(
        self, control: Any, olds: dict[str, Any], news: dict[str, Any], ident: dict[str, Any]
    ) -> dict[str, Any]:
        """Tags, then every changed member in one UpdateOnlineEvaluationConfig call."""
        return update_in_place(self, control, olds, news, ident, members=(*UPDATABLE, ENABLE))

    def outputs(self, props: Mapping[str, Any], ident: Mapping[str, Any]) -> dict[str, Any]:
        outs = id_outputs(self, props, ident)
        outs["executionStatus"] = str(ident.get("executionStatus") or "")
        return outs


class OnlineEvaluationResource(dyn.Resource, module="online_evaluation", name="OnlineEvaluation"):
    """The dynamic resource; its props are the CreateOnlineEvaluationConfig fields plus our bookkeeping."""

    onlineEvaluationConfigId: pulumi.Output[str]
    onlineEvaluationConfigArn: pulumi.Output[str]
    physicalName: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(OnlineEvaluationProvider(), name, {**props, **dict.fromkeys(COMPUTED)}, opts)


class OnlineEvaluationArgs(shared.SpecArgs):
    """The CreateOnlineEvaluationConfig request (evaluators as ids), its spec file, an id to adopt."""


class OnlineEvaluation(pulumi.ComponentResource):
    """One online evaluation config, reconciled by `OnlineEvaluationProvider`."""

    online_evaluation_config_id: pulumi.Output[str]
    online_evaluation_config_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: OnlineEvaluationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        props = shared.resource_props(args.spec, args.source, TYPE_TOKEN, name, args.import_id)
        child = shared.child_options(self, opts)
        self.resource = OnlineEvaluationResource(name, props, child)
        self.online_evaluation_config_id = self.resource.onlineEvaluationConfigId
        self.online_evaluation_config_arn = self.resource.onlineEvaluationConfigArn
        self.register_outputs(
            {
                "onlineEvaluationConfigId": self.online_evaluation_config_id,
                "onlineEvaluationConfigArn": self.online_evaluation_config_arn,
            }
        )
