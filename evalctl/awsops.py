"""AgentCore resources through boto3: client tokens, owner tags, waits and lookups."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from evalctl import naming
from evalctl.aws import (
    OWNER_TAG,
    PENDING_TAG,
    STACK_TAG,
    ResourceFailedError,
    WaitTimeoutError,
    error_code,
)

# ---- lifecycle helpers: tokens, owner tags, waits, lookups ------------------------------------------


def fresh_token() -> str:
    """A new idempotency token for one logical call (36 chars fit the ClientToken pattern, min 33).

    Never derived from the request: AWS silently ignores a repeated token, so a token computed from
    the contents would turn a revert (A -> B -> A) into a no-op. botocore's retries of the same call
    resend the same parameters, token included, which is the only reuse idempotency is for.
    """
    return str(uuid.uuid4())


def stack_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::...` -> stack (empty when not a URN)."""
    head = urn.split("::", 1)[0]
    return head.split(":")[2] if head.count(":") >= 2 else ""


def _owner_digest(owner_urn: str) -> str:
    return hashlib.sha256(owner_urn.encode("utf-8")).hexdigest()[:40]


def owner_tags(owner_urn: str) -> dict[str, str]:
    """Who owns a resource: a hash of the URN (URNs do not fit the TagValue pattern) and the stack."""
    tags = {OWNER_TAG: _owner_digest(owner_urn)}
    stack = stack_of(owner_urn)
    if stack:
        tags[STACK_TAG] = stack
    return tags


def owned_by(tags: Mapping[str, str], owner_urn: str) -> bool:
    """Whether `tags` say `owner_urn` owns the resource, under its current name or the one an earlier
    release gave it (resources created before the rename to `evalctl` carry that digest)."""
    return tags.get(OWNER_TAG) in {_owner_digest(urn) for urn in naming.owner_names(owner_urn)}


def pending(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags of a create call: the resource is not the engine's until `confirm_created`."""
    return {**tags, PENDING_TAG: "true"}


def is_pending(tags: Mapping[str, str]) -> bool:
    """Whether a resource was left by a create that never reached the engine (a crash)."""
    return PENDING_TAG in tags


def confirm_created(control: Any, arn: str) -> None:
    """The last act of a Create: from here on the engine holds the resource in its state."""
    control.untag_resource(resourceArn=arn, tagKeys=[PENDING_TAG])


def with_owner_tags(tags: Mapping[str, str] | None, owner_urn: str) -> dict[str, str]:
    """Declared tags plus the ownership tags; ours win, since adoption decides on them."""
    return {**(tags or {}), **owner_tags(owner_urn)}


@dataclass(frozen=True)
class Timing:
    """How long and how often to poll a resource for its status."""

    timeout: float = 600.0
    first_delay: float = 0.25
    max_delay: float = 10.0


def wait_for(
    fetch: Callable[[], dict[str, Any]], target: str, what: str, timing: Timing, hint: str = "timeout"
) -> dict[str, Any]:
    """Poll until `status == target`, backing off; a *_FAILED status or the timeout raises."""
    deadline = time.monotonic() + timing.timeout
    delay = timing.first_delay
    while True:
        # Callers were just told "not yet", so wait before asking again.
        time.sleep(delay)
        detail = fetch()
        status = str(detail.get("status", ""))
        if status == target:
            return detail
        if status.endswith("FAILED") or status == "ERROR":
            reason = detail.get("failureReason") or "no reason given"
            raise ResourceFailedError(f"{what} is {status}: {reason}")
        if time.monotonic() + delay > deadline:
            raise WaitTimeoutError(
                f"{what} is still {status} after {timing.timeout:.0f}s; raise "
                f"the wait timeout ({hint}) or check the service console"
            )
        delay = min(delay * 2, timing.max_delay)


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) == "ResourceNotFoundException"


def items(client: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item under `key` on every page of a List call (botocore's paginator follows the tokens)."""
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


MAX_PAGES = 1000  # a guard against a service that keeps answering with a next token


def token_items(call: Callable[..., Mapping[str, Any]], key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item under `key` of a call that pages by `nextToken`, page by page.

    Unlike botocore's paginator, a token that comes back unchanged ends the listing instead of raising.
    """
    kwargs = dict(params)
    for _ in range(MAX_PAGES):
        page = call(**kwargs)
        yield from page.get(key) or []
        token = page.get("nextToken")
        if not token or token == kwargs.get("nextToken"):
            return
        kwargs["nextToken"] = token


def find_named(client: Any, operation: str, key: str, name_key: str, name: str) -> dict[str, Any] | None:
    """The summary of the resource called `name`, reading pages of a List call until it is found."""
    return next((dict(item) for item in items(client, operation, key) if item.get(name_key) == name), None)


def live_tags(control: Any, arn: str) -> dict[str, str]:
    return dict(control.list_tags_for_resource(resourceArn=arn).get("tags") or {})


def sync_tags(control: Any, arn: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Make the declared tags (ours included) match: tag what changed, untag what went away."""
    gone = sorted(set(old) - set(new))
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    if gone:
        control.untag_resource(resourceArn=arn, tagKeys=gone)
    if changed:
        control.tag_resource(resourceArn=arn, tags=changed)
