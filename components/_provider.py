"""The AgentCore dynamic providers' shared ResourceProvider methods: check, diff, create, read,
update, delete. Configuration lives in `_provider_config`, the create/adopt/wait steps in
`_provider_adopt`; the names below stay importable here (stored state refers to this module)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components._props import (
    BOOKKEEPING,
    IMPORT_ID,
    OWNER,
    check_failures,
    diff_members,
    normalized,
    plain_outputs,
    project,
    with_secrets,
)
from components._provider_adopt import AdoptingProvider
from components._provider_config import Api, _stack_config
from evalctl import aws, awsops
from evalctl.api.shapes import request_fields, sensitive_paths
from evalctl.awsops import is_not_found, owner_tags
from evalctl.spec.names import alternate_name


class AgentCoreProvider(AdoptingProvider):
    """Base of our providers: stack config from Configure, clients per call, create/adopt/delete."""

    # ---- the ResourceProvider methods shared by evaluators and online evaluations ----------------

    keys: frozenset[str] = frozenset()
    immutable: frozenset[str] = frozenset()
    computed: tuple[str, ...] = ()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: v for k, v in news.items() if v is not None}
        fields = request_fields(inputs, self.api.create_op)
        inputs.update(fields)
        return CheckResult(inputs, check_failures(self.api.create_op, fields))

    unsettable: frozenset[str] = frozenset()

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_members(olds, news, self.keys, self.immutable, self.unsettable)

    def create(self, props: dict[str, Any]) -> CreateResult:
        try:
            control = self.control()
            if props.get(IMPORT_ID):
                detail = self.converge(control, props, str(props[IMPORT_ID]))
            else:
                detail = self.create_or_adopt(control, props, str(props[self.api.name_key]))
                self.confirm_created(control, str(detail[self.api.arn_key]))
        except Exception as exc:
            raise self.failure(exc, props) from exc
        return CreateResult(str(detail[self.api.id_key]), self.secret(self.outputs(props, detail)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: declared members as live; gone or being deleted -> no id (never outs=None)."""
        try:
            control = self.control()
            detail = self.api.get(control, str(props.get(self.api.id_key) or id_))
            if detail.get("status") == "DELETING":
                return ReadResult(None, {})
            tags = self.declared_live_tags(control, str(detail[self.api.arn_key]), props)
        except Exception as exc:
            if is_not_found(exc):
                return ReadResult(None, {})
            raise self.failure(exc, props) from exc
        live = self.live_fields(detail, props)
        inputs = {k: v for k, v in props.items() if k in BOOKKEEPING - {"__provider"}}
        inputs.update({k: project(live[k], props.get(k)) for k in live})
        if tags:
            inputs["tags"] = tags
        outs, kept = self.outputs(inputs, detail), plain_outputs(inputs, self.api.create_op)
        return ReadResult(id_, self.secret(outs), self.secret(kept))

    def secret(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Members botocore marks sensitive (judge instructions, rating scales, descriptions) as secrets."""
        return with_secrets(props, sensitive_paths(aws.CONTROL, self.api.create_op))

    def declared_live_tags(self, control: Any, arn: str, props: Mapping[str, Any]) -> dict[str, str]:
        """Live tags as the spec would declare them; wrong or missing ownership tags show as drift."""
        live = awsops.live_tags(control, arn)
        owner = str(props.get(OWNER, ""))
        ours = owner_tags(owner)
        if awsops.owned_by(live, owner):  # the digest of the name an earlier release used is ours too
            ours[aws.OWNER_TAG] = live[aws.OWNER_TAG]
        declared = props.get("tags") or {}
        # The stack tag is both ownership and declared (every spec's tags carry it): keep what the spec says.
        tags = {k: v for k, v in live.items() if k not in ours or declared.get(k) == v}
        # A lost owner tag must show as a change, or crash adoption silently stops working.
        tags.update({k: live.get(k, "") for k, v in ours.items() if live.get(k) != v})
        return tags

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ident = {k: olds[k] for k in self.computed if k in olds}
        try:
            ident = self.apply_changes(self.control(), olds, news, ident)
        except Exception as exc:
            raise self.failure(exc, news) from exc
        return UpdateResult(self.secret(self.outputs(news, ident)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.delete_quietly(self.control(), str(props.get(self.api.id_key) or id_))
        except Exception as exc:
            raise self.failure(exc, props) from exc

    # ---- hooks ---------------------------------------------------------------------------------

    def outputs(self, props: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
        """Declared members, bookkeeping, ids and status: what the program and the next diff see."""
        raise NotImplementedError

    def apply_changes(
        self, control: Any, olds: dict[str, Any], news: dict[str, Any], ident: dict[str, Any]
    ) -> dict[str, Any]:
        """Update in place; returns the computed ids and status (subclasses)."""
        raise NotImplementedError

    def sync_declared_tags(
        self, control: Any, arn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> None:
        """Make the live tags the declared ones plus ownership; reads them only if tags changed."""
        if normalized(olds.get("tags")) == normalized(news.get("tags")):
            return
        wanted = awsops.with_owner_tags(news.get("tags"), str(news.get(OWNER, "")))
        awsops.sync_tags(control, arn, awsops.live_tags(control, arn), wanted)


# Re-exported: the batch and gate providers use these through this module.
__all__ = ["AgentCoreProvider", "Api", "_stack_config", "alternate_name", "is_not_found", "owner_tags"]
