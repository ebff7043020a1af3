"""Create, adopt and delete steps of our providers: names, ownership, waits for settled states."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from components._props import BUSY, OWNER, SOURCE, WAIT_HINT, normalized, project
from components._provider_config import ConfiguredProvider
from evalctl import aws, awsops
from evalctl.api.shapes import request_fields
from evalctl.awsops import is_not_found
from evalctl.spec.names import alternate_name


class AdoptingProvider(ConfiguredProvider):
    """Creates under a free name (adopting a crashed create's leftover), converges, waits, deletes."""

    def update_request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The Update fields for the declared props (subclasses map what differs)."""
        raise NotImplementedError

    def live_fields(self, detail: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Declared members as the service reports them (subclasses map what differs)."""
        raise NotImplementedError

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
        tags = awsops.live_tags(control, existing[api.arn_key])
        if not awsops.owned_by(tags, str(props.get(OWNER, ""))):
            source = props.get(SOURCE)
            # An untagged holder may be this stack's own copy (its tag removed outside Pulumi) or a
            # stranger's: only the user can tell. `pulumi up` restores a lost tag by an update, but
            # not when the same up replaces the resource (the replacement is created first), so the
            # message gives the one command that puts the tag back.
            digest = awsops.owner_tags(str(props.get(OWNER, "")))[aws.OWNER_TAG]
            restore = (
                f"aws bedrock-agentcore-control tag-resource --resource-arn {existing[api.arn_key]} "
                f"--tags {aws.OWNER_TAG}={digest}"
            )
            raise aws.AwsError(
                f"{source}: {api.kind} {name}: one with this name already exists (id {ident}) and this "
                f"stack does not own it. To fix: adopt it by adding `importId: {ident}` under `metadata` "
                f"in {source}, or choose another name; if it is this stack's own copy that lost its "
                f"{aws.OWNER_TAG} tag outside Pulumi, put the tag back (`{restore}`) and run "
                "`pulumi up` again.",
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
        """The resource's detail, or status GONE once it is deleted."""
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
            return self._detail(control, ident)

        awsops.wait_for(fetch, "GONE", f"{self.api.kind} {ident} (deleting)", self.timing(), WAIT_HINT)

    def _deleting(self, control: Any, ident: str) -> bool:
        return self._detail(control, ident).get("status") in ("DELETING", "GONE")
