"""Shared pieces of the AgentCore dynamic providers: config, shapes, check, diff, tokens, tags, waits."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from components import _identity
from components._props import (
    BOOKKEEPING,
    BUSY,
    CONFIG_KEYS,
    HAS_STATE,
    IMPORT_ID,
    NAMESPACE,
    OWNER,
    SOURCE,
    WAIT_HINT,
    check_failures,
    diff_members,
    normalized,
    plain_outputs,
    project,
    with_secrets,
)
from evalctl import aws, awsops
from evalctl.api.shapes import request_fields, sensitive_paths
from evalctl.awsops import is_not_found, owner_tags
from evalctl.spec.names import alternate_name


def _stack_config() -> dict[str, Any]:
    """The stack config the engine hands the provider process (PULUMI_CONFIG), parsed."""
    parsed = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    return dict(parsed) if isinstance(parsed, dict) else {}


@dataclass(frozen=True)
class Api:
    """How one resource kind is called: boto3 method noun, key names, operations."""

    kind: str
    noun: str
    id_key: str
    arn_key: str
    name_key: str
    list_key: str
    create_op: str
    update_op: str

    @property
    def list_op(self) -> str:
        """The boto3 name of the List operation, for its paginator."""
        return f"list_{self.noun}s"

    def call(self, control: Any, verb: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = getattr(control, f"{verb}_{self.noun}")(**params)
        return result

    def get(self, control: Any, ident: str) -> dict[str, Any]:
        return self.call(control, "get", **{self.id_key: ident})


class AgentCoreProvider(ResourceProvider):
    """Base of our providers: stack config from Configure, clients per call, create/adopt/delete."""

    api: Api
    # Plain strings only: the provider is pickled into state, clients never are.
    _config: dict[str, str] | None = None
    _aws: dict[str, str] | None = None  # the stack's aws:* identity settings (components._identity)
    _aws_error: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        found = {k: req.config.get(f"{NAMESPACE}:{k}") for k in CONFIG_KEYS}
        found["awsRegion"] = req.config.get("aws:region")
        self._config = {k: str(v) for k, v in found.items() if v is not None}
        try:
            self._aws = _identity.aws_config(req.config.get)
        except _identity.IdentityError as exc:
            self._aws_error = str(exc)  # raised by the first call, where the engine shows it

    def identity(self) -> dict[str, str]:
        if self._aws_error:
            raise _identity.IdentityError(self._aws_error)
        if self._aws is None:  # not configured (tests calling the provider directly): the env's config
            self._aws = _identity.aws_config(_stack_config().get)
        return self._aws

    def _setting(self, key: str) -> str | None:
        if self._config and key in self._config:
            return self._config[key]
        if key == "awsRegion":
            return pulumi.Config("aws").get("region")
        return pulumi.Config(NAMESPACE).get(key)

    def client_settings(self) -> aws.ClientSettings:
        attempts = self._setting("maxAttempts")
        base = self._setting("retryBaseSeconds")
        return aws.ClientSettings(
            backoff_base=float(base) if base else None,
            endpoint=self._setting("endpoint"),
            region=self._setting("region") or self._setting("awsRegion"),
            profile=self._setting("profile") or self.identity().get("profile"),
            retry_mode=self._setting("retryMode") or "standard",
            max_attempts=int(float(attempts)) if attempts else 8,
        )

    def timing(self) -> awsops.Timing:
        timeout, poll = self._setting("waitTimeoutSeconds"), self._setting("pollSeconds")
        default = awsops.Timing()
        return awsops.Timing(
            timeout=float(timeout) if timeout else default.timeout,
            first_delay=float(poll) if poll else default.first_delay,
        )

    def control(self) -> Any:
        return _identity.client(aws.CONTROL, self.client_settings(), self.identity())

    def failure(self, exc: BaseException, props: Mapping[str, Any]) -> aws.AwsError:
        """Any exception as an AwsError naming the spec file and resource."""
        if isinstance(exc, aws.AwsError):
            return exc
        resource = f"{self.api.kind} {props.get(self.api.name_key, '?')}"
        return aws.AwsError(
            aws.describe_error(exc, resource, str(props.get(SOURCE, "?"))), aws.error_code(exc)
        )

    # ---- the ResourceProvider methods shared by evaluators and online evaluations ----------------

    keys: frozenset[str] = frozenset()
    immutable: frozenset[str] = frozenset()
    computed: tuple[str, ...] = ()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: v for k, v in news.items() if v is not None}
        fields = request_fields(inputs, self.api.create_op)
        inputs.update(fields)
        inputs[HAS_STATE] = bool(olds)
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
                awsops.confirm_created(control, str(detail[self.api.arn_key]))
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
        ours = owner_tags(str(props.get(OWNER, "")))
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

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The Update fields for the declared props (subclasses map what differs)."""
        raise NotImplementedError

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Declared members as the service reports them (subclasses map what differs)."""
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

    # ---- shared steps --------------------------------------------------------------------------

    def create_request(self, props: Mapping[str, Any], name: str) -> dict[str, Any]:
        request = request_fields(props, self.api.create_op)
        request[self.api.name_key] = name
        request["tags"] = awsops.with_owner_tags(request.get("tags"), str(props.get(OWNER, "")))
        return request

    def create_or_adopt(self, control: Any, props: Mapping[str, Any], name: str) -> dict[str, Any]:
        """Create with a fresh token under the declared name, else under its alternate.

        A name held by a resource this URN owns is the copy being replaced or a crashed create's
        leftover. Check's old inputs can't tell them apart: the engine checks a replacement without
        them (`--replace`, and the second Check of every replacement: pkg/resource/deploy/
        step_generator.go). The pending tag can: a create carries it until its provider call returns.
        So the leftover is adopted, and a replacement takes the other name (create-before-delete).
        """
        names = (name, alternate_name(name))
        for candidate in names:
            created, leftover = self._create_named(control, props, candidate)
            if created is not None:
                return self.await_active(control, created, candidate)
            if leftover is not None:
                return self.converge(control, props, str(leftover[self.api.id_key]))
        raise aws.AwsError(
            f"{props.get(SOURCE)}: {self.api.kind} {name}: both {names[0]} and {names[1]} are taken, so "
            "the replacement has no free name. To fix: run `pulumi refresh`, then delete the one that "
            "is not in the stack's state (or rename it).",
            "ConflictException",
        )

    def _create_named(
        self, control: Any, props: Mapping[str, Any], name: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the create answer, None), or (None, a crashed create's leftover to adopt), or (None, None)
        when the name is held by a resource this URN owns that the engine holds (take the other)."""
        for _ in range(2):
            request = self.create_request(props, name)
            request["tags"] = awsops.pending(request["tags"])
            try:
                return self.api.call(control, "create", clientToken=awsops.fresh_token(), **request), None
            except Exception as exc:
                if aws.error_code(exc) != "ConflictException":
                    raise
                holder, tags = self.owned_holder(control, props, name, exc)
                if holder.get("status") != "DELETING":
                    return None, (holder if awsops.is_pending(tags) else None)
                self.wait_gone(control, str(holder[self.api.id_key]))  # its name frees when gone
        return None, None

    def owned_holder(
        self, control: Any, props: Mapping[str, Any], name: str, exc: Exception
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The summary and tags of the resource holding `name`; refuse when this stack does not own it."""
        api = self.api
        existing = awsops.find_named(control, api.list_op, api.list_key, api.name_key, name)
        if existing is None:
            raise exc
        ident = str(existing[api.id_key])
        owner = owner_tags(str(props.get(OWNER, "")))[aws.OWNER_TAG]
        tags = awsops.live_tags(control, existing[api.arn_key])
        if tags.get(aws.OWNER_TAG) != owner:
            source = props.get(SOURCE)
            raise aws.AwsError(
                f"{source}: {api.kind} {name}: one with this name already exists (id {ident}) and this "
                f"stack does not own it. To fix: adopt it by adding `importId: {ident}` under `metadata` "
                f"in {source}, or choose another name; if it is this stack's own copy that lost its "
                f"{aws.OWNER_TAG} tag, run `pulumi refresh` and `pulumi up` (which restore it) first.",
                "ConflictException",
            )
        return existing, tags

    def converge(self, control: Any, props: Mapping[str, Any], ident: str) -> dict[str, Any]:
        """Adopt an existing resource: tag it as ours and update it to the spec where it differs."""
        api = self.api
        detail = api.get(control, ident)
        arn = str(detail[api.arn_key])
        awsops.sync_tags(control, arn, awsops.live_tags(control, arn), self.create_request(props, "")["tags"])
        wanted = self.update_request(props)
        live = self.live_fields(detail, props)
        if any(normalized(project(live.get(k), v)) != normalized(v) for k, v in wanted.items()):
            params = {api.id_key: ident, "clientToken": awsops.fresh_token(), **wanted}
            updated = self.when_ready(control, ident, lambda: api.call(control, "update", **params))
            detail = {**detail, **self.await_active(control, updated, str(detail[api.name_key]))}
        return {**detail, "physicalName": detail[api.name_key]}

    def when_ready(self, control: Any, ident: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run a change; if the resource was busy (CREATING/UPDATING), wait until ACTIVE and run it again."""
        try:
            return call()
        except Exception as exc:
            if aws.error_code(exc) != "ConflictException":
                raise
            detail = self._detail(control, ident)
            # ACTIVE and unlocked: it was busy a moment ago. Gone, or locked by a user: it stands.
            locked = bool(detail.get("lockedForModification"))
            settled = detail.get("status") == "ACTIVE" and not locked
            releasing = locked and detail.get("status") == "ACTIVE" and self.lock_releasing(control, ident)
            if detail.get("status") not in BUSY and not settled and not releasing:
                raise
        if releasing:
            self.await_unlocked(control, ident)
        else:
            self.await_active(control, {self.api.id_key: ident, "status": detail["status"]}, ident)
        return call()

    def lock_releasing(self, control: Any, ident: str) -> bool:
        """Whether a lock on this resource is on its way out (nothing uses it any more)."""
        return False

    def await_unlocked(self, control: Any, ident: str) -> None:
        def fetch() -> dict[str, Any]:
            locked = self.api.get(control, ident).get("lockedForModification")
            return {"status": "LOCKED" if locked else "UNLOCKED"}

        awsops.wait_for(fetch, "UNLOCKED", f"{self.api.kind} {ident} (lock)", self.timing(), WAIT_HINT)

    def _detail(self, control: Any, ident: str) -> dict[str, Any]:
        try:
            return self.api.get(control, ident)
        except Exception as exc:
            if is_not_found(exc):
                return {"status": "GONE"}
            raise

    def await_active(self, control: Any, answer: Mapping[str, Any], name: str) -> dict[str, Any]:
        ident = str(answer[self.api.id_key])
        detail = dict(answer)
        if answer.get("status") != "ACTIVE":
            what = f"{self.api.kind} {name} ({ident})"
            detail = awsops.wait_for(
                lambda: self.api.get(control, ident), "ACTIVE", what, self.timing(), WAIT_HINT
            )
        return {**detail, "physicalName": name}

    def delete_quietly(self, control: Any, ident: str) -> None:
        """Delete and wait until gone (its name is taken until then); "already gone" is success."""
        try:
            self.when_ready(
                control, ident, lambda: self.api.call(control, "delete", **{self.api.id_key: ident})
            )
        except Exception as exc:
            if is_not_found(exc):
                return
            if aws.error_code(exc) != "ConflictException" or not self._deleting(control, ident):
                raise
        self.wait_gone(control, ident)

    def wait_gone(self, control: Any, ident: str) -> None:
        def fetch() -> dict[str, Any]:
            try:
                return self.api.get(control, ident)
            except Exception as exc:
                if is_not_found(exc):
                    return {"status": "GONE"}
                raise

        awsops.wait_for(fetch, "GONE", f"{self.api.kind} {ident} (deleting)", self.timing(), WAIT_HINT)

    def _deleting(self, control: Any, ident: str) -> bool:
        return self._detail(control, ident).get("status") in ("DELETING", "GONE")


# Re-exported: the batch and gate providers use these through this module.
__all__ = ["AgentCoreProvider", "Api", "alternate_name", "is_not_found", "owner_tags"]
