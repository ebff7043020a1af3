"""InsightStore: a provider that adopts the Region's service-defined Agent Insight Store, and its component.

The store is a singleton the service makes for every account and Region: it is never created or
deleted. Create reads it (ListAgentInsightStores) and updates it to the spec; delete puts the
service's defaults back (DISABLED, AWS-owned key: the developer guide's "The Store starts with
`enablementStatus` set to `DISABLED`").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components._names import aliased, token
from evalctl import awsops

TYPE_TOKEN = token("insight_store", "InsightStore")
UPDATE = "UpdateAgentInsightStore"
KEYS = ("enablementStatus", "encryptionConfiguration")
DEFAULTS: dict[str, Any] = {
    "enablementStatus": "DISABLED",
    "encryptionConfiguration": {"mode": "AWS_OWNED_KMS_KEY"},
}
COMPUTED = ("agentInsightStoreId", "agentInsightStoreArn", "status")

API = base.Api(
    kind="InsightStore",
    noun="agent_insight_store",
    id_key="agentInsightStoreId",
    arn_key="agentInsightStoreArn",
    name_key="agentInsightStoreId",
    list_key="agentInsightStores",
    create_op=UPDATE,
    update_op=UPDATE,
)


def wanted(props: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a spec asks for: ENABLED and the AWS-owned key unless it says otherwise."""
    encryption = {k: v for k, v in (props.get("encryptionConfiguration") or {}).items() if v is not None}
    return {
        "enablementStatus": props.get("enablementStatus") or "ENABLED",
        "encryptionConfiguration": encryption or dict(DEFAULTS["encryptionConfiguration"]),
    }


def live(detail: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "enablementStatus": detail["enablementStatus"],
        "encryptionConfiguration": detail["encryptionConfiguration"],
    }


def settled_status(settings: Mapping[str, Any]) -> str:
    return "ACTIVE" if settings["enablementStatus"] == "ENABLED" else "INACTIVE"


class InsightStoreProvider(base.AgentCoreProvider):
    """Adopts the singleton store: every step is Get/List plus at most one UpdateAgentInsightStore."""

    api = API
    computed = COMPUTED

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        return dyn.CheckResult({k: v for k, v in news.items() if v is not None}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        changed = [k for k in KEYS if wanted(olds)[k] != wanted(news)[k]]
        # Never a replacement: there is one store, so every change is an update in place.
        return dyn.DiffResult(
            changes=bool(changed), replaces=[], stables=list(COMPUTED), delete_before_replace=False
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        try:
            control = self.control()
            store = awsops.items(control, "list_agent_insight_stores", API.list_key)
            first = next(iter(store), None)
            if first is None:
                raise RuntimeError("ListAgentInsightStores answered no store in this account and Region")
            detail = self.settle_to(control, str(first[API.id_key]), wanted(props))
        except Exception as exc:
            raise self.failure(exc, props) from exc
        return dyn.CreateResult(str(detail[API.id_key]), self.outputs(props, detail))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh: the live settings become the inputs, so the next up shows drift as a change."""
        try:
            detail = API.get(self.control(), id_)
        except Exception as exc:
            raise self.failure(exc, props) from exc
        inputs = {k: v for k, v in props.items() if k in {shared.SOURCE, shared.OWNER}}
        inputs.update(live(detail))
        return dyn.ReadResult(id_, self.outputs(inputs, detail), inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        try:
            detail = self.settle_to(self.control(), _id, wanted(news))
        except Exception as exc:
            raise self.failure(exc, news) from exc
        return dyn.UpdateResult(self.outputs(news, detail))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing is deleted: the store goes back to the service's defaults."""
        try:
            self.settle_to(self.control(), id_, DEFAULTS)
        except Exception as exc:
            raise self.failure(exc, props) from exc

    def settle_to(self, control: Any, ident: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Wait out an update in flight, then one Update when the live settings differ, then settle."""
        detail = API.get(control, ident)
        if detail["status"] == "UPDATING":  # "don't submit another update until it settles"
            detail = self._settled(control, ident, settled_status(live(detail)))
        if live(detail) == dict(settings):
            return detail
        request: dict[str, Any] = {"enablementStatus": settings["enablementStatus"]}
        # An encryption change is only accepted with ENABLED; a disable keeps the key as it is.
        if settings["encryptionConfiguration"] != detail["encryptionConfiguration"]:
            if settings["enablementStatus"] == "ENABLED":
                request["encryptionConfiguration"] = settings["encryptionConfiguration"]
            else:
                # Restoring the default key on the way out: set it while enabled, then disable.
                control.update_agent_insight_store(
                    agentInsightStoreId=ident,
                    clientToken=awsops.fresh_token(),
                    enablementStatus="ENABLED",
                    encryptionConfiguration=settings["encryptionConfiguration"],
                )
                self._settled(control, ident, "ACTIVE")
        control.update_agent_insight_store(
            agentInsightStoreId=ident, clientToken=awsops.fresh_token(), **request
        )
        return self._settled(control, ident, settled_status(settings))

    def _settled(self, control: Any, ident: str, target: str) -> dict[str, Any]:
        what = f"Agent Insight Store {ident}"
        return awsops.wait_for(
            lambda: API.get(control, ident), target, what, self.timing(), "waitTimeoutSeconds"
        )

    def outputs(self, props: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k in {shared.SOURCE, shared.OWNER}}
        outs.update({k: props[k] for k in KEYS if props.get(k) is not None})
        outs.update({k: detail[k] for k in COMPUTED})
        return outs


class InsightStoreResource(dyn.Resource, module="insight_store", name="InsightStore"):
    """The dynamic resource; its props are the spec's settings plus our bookkeeping."""

    agentInsightStoreId: pulumi.Output[str]
    agentInsightStoreArn: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(InsightStoreProvider(), name, {**props, **dict.fromkeys(COMPUTED)}, opts)


@dataclass
class InsightStoreArgs:
    """The InsightStore spec (enablementStatus, encryptionConfiguration) and its file."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]


class InsightStore(pulumi.ComponentResource):
    """The Region's Agent Insight Store, held to the spec by `InsightStoreProvider`."""

    arn: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(self, name: str, args: InsightStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        props: dict[str, Any] = {
            **{k: args.spec[k] for k in KEYS if k in args.spec},
            shared.SOURCE: args.source,
            shared.OWNER: shared.owner_urn(TYPE_TOKEN, name),
        }
        child = shared.child_options(self, opts)
        self.resource = InsightStoreResource(name, props, child)
        self.arn = self.resource.agentInsightStoreArn
        self.status = self.resource.status
        self.register_outputs({"agentInsightStoreArn": self.arn, "status": self.resource.status})


def build_insight_stores(decls: list[Any]) -> dict[str, InsightStore]:
    """One component per InsightStore declaration (the lint allows one), keyed by logical name."""
    return {
        d.name: InsightStore(
            f"insight-store-{d.name}", InsightStoreArgs(spec=dict(d.spec), source=str(d.file))
        )
        for d in decls
    }
