"""Steps the AgentCore providers that update in place share: live members, one Update call, outputs."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from components._props import normalized, plain_outputs
from components._provider import AgentCoreProvider
from evalctl import awsops
from evalctl.spec.names import alternate_name


def live_members(
    provider: AgentCoreProvider, detail: Mapping[str, Any], props: Mapping[str, Any], skip: Collection[str]
) -> dict[str, Any]:
    """Every member the spec can set (but `skip`), as live; both names of the pair are the declared one."""
    name_key = provider.api.name_key
    live = {k: detail.get(k) for k in provider.keys if k not in skip}
    declared = str(props.get(name_key) or detail[name_key])
    if detail[name_key] == alternate_name(declared):
        live[name_key] = declared
    return live


def update_in_place(
    provider: AgentCoreProvider,
    control: Any,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    ident: dict[str, Any],
    *,
    members: Collection[str],
    refused: Callable[[Exception], None] | None = None,
) -> dict[str, Any]:
    """Tags, then, if one of `members` changed, one Update call with a fresh token; the settled ids.

    `refused` sees a failed Update first and may raise a clearer error in its place.
    """
    api = provider.api
    provider.sync_declared_tags(control, ident[api.arn_key], olds, news)
    if all(normalized(olds.get(k)) == normalized(news.get(k)) for k in members):
        return ident
    request = provider.update_request(news)
    params = {api.id_key: ident[api.id_key], "clientToken": awsops.fresh_token(), **request}
    try:
        result = provider.when_ready(
            control, ident[api.id_key], lambda: api.call(control, "update", **params)
        )
    except Exception as exc:
        if refused is not None:
            refused(exc)
        raise
    physical = str(ident.get("physicalName") or news[api.name_key])
    return {**provider.await_active(control, result, physical), api.arn_key: ident[api.arn_key]}


def id_outputs(
    provider: AgentCoreProvider, props: Mapping[str, Any], ident: Mapping[str, Any]
) -> dict[str, Any]:
    """Declared members and bookkeeping, then the id, ARN, physical name and status."""
    api = provider.api
    name = ident.get("physicalName") or ident.get(api.name_key) or props.get(api.name_key)
    outs = plain_outputs(props, api.create_op)
    outs.update(
        {
            api.id_key: str(ident[api.id_key]),
            api.arn_key: str(ident[api.arn_key]),
            "physicalName": str(name),
            "status": str(ident.get("status") or "ACTIVE"),
        }
    )
    return outs
