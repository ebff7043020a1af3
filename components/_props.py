"""Provider inputs and outputs: bookkeeping keys, preview unknowns, checks against botocore, exact diffs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, DiffResult
from pulumi.runtime import rpc

# Re-exported (the `as` form is mypy's explicit re-export): a component module that imports `_props as
# shared` names its type `shared.token(...)` and registers with `shared.aliased(...)`.
from components._names import aliased as aliased  # noqa: PLC0414
from components._names import token as token  # noqa: PLC0414
from evalctl import aws, naming
from evalctl.api.shapes import request_fields
from evalctl.api.validation import validate_params

NAMESPACE = naming.PROJECT
# Inputs that are ours, not the API's: never sent, never diffed.
SOURCE, IMPORT_ID, OWNER = "source", "importId", "ownerUrn"
USED_ONLINE = "usedOnline"  # see components.evaluator
# State written by earlier releases also holds `hasState` (whether Check saw old inputs), which nothing
# reads any more: every Diff compares named members only, so it never shows as a change, and Read
# keeps only the keys below, so a refresh drops it (tests/providers/test_retired_state.py).
BOOKKEEPING = frozenset({"__provider", SOURCE, IMPORT_ID, OWNER, USED_ONLINE})
CONFIG_KEYS = (
    "endpoint",
    "region",
    "profile",
    "retryMode",
    "maxAttempts",
    "retryBaseSeconds",
    "waitTimeoutSeconds",
    "pollSeconds",
)
WAIT_HINT = f"`{NAMESPACE}:waitTimeoutSeconds`"
BUSY = ("CREATING", "UPDATING")
UNKNOWN_TEXT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the SDK's Unknown object or its wire sentinel."""
    return isinstance(value, pulumi.output.Unknown) or value == UNKNOWN_TEXT


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


@dataclass
class SpecArgs:
    """A component's arguments: its request fields (camelCase, name set), spec file, an id to adopt."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]
    import_id: pulumi.Input[str] | None = None


def resource_props(
    spec: dict[str, Any], source: Any, type_token: str, name: str, import_id: Any | None
) -> dict[str, Any]:
    """The inputs a component hands its dynamic resource: the spec plus source, owner and import id."""
    props: dict[str, Any] = {**spec, SOURCE: source, OWNER: owner_urn(type_token, name)}
    if import_id is not None:
        props[IMPORT_ID] = import_id
    return props


def child_options(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, aliases: list[pulumi.Alias] | None = None
) -> pulumi.ResourceOptions:
    """Options of a component's resource: parented, and the component's depends_on holds for it,
    since it is the resource that actually calls AWS; `aliases` name where its state was before."""
    depends_on = opts.depends_on if opts else None
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on, aliases=list(aliases or []) or None)


def owner_urn(type_token: str, name: str) -> str:
    """The URN a top-level component gets, known before registration.

    The component's own `self.urn` cannot be a child's input: Pulumi reports that as a cycle.
    """
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_token}::{name}"


def _path_parts(path: Any) -> list[str]:
    text = str(path).replace("[", ".").replace("]", "").replace("/", ".")
    return [p for p in text.split(".") if p and p not in ("member", "key", "value")]


def _has_unknown_on_path(params: Any, parts: list[str]) -> bool:
    """Whether a problem's path runs through a value unknown in a preview (lists are judged whole)."""
    node = params
    for part in parts:
        if is_unknown(node) or isinstance(node, list):
            break
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return contains_unknown(node)


def check_failures(operation: str, params: dict[str, Any]) -> list[CheckFailure]:
    """Problems botocore's model finds in a request; values unknown in a preview are not judged."""
    found = validate_params(aws.CONTROL, operation, params)
    failures = []
    for problem in found:
        if _has_unknown_on_path(params, _path_parts(problem.path)):
            continue
        failures.append(CheckFailure(problem.path or operation, problem.message))
    return failures


def with_secrets(props: Mapping[str, Any], paths: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    """Props with the values at `paths` wrapped as Pulumi secrets, so state keeps them encrypted."""
    result = dict(props)
    for path in paths:
        node: Any = result
        for key in path[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(key), Mapping):
                node = None
                break
            node[key] = dict(node[key])
            node = node[key]
        if isinstance(node, dict) and node.get(path[-1]) is not None:
            node[path[-1]] = rpc.wrap_rpc_secret(node[path[-1]])
    return result


def normalized(value: Any) -> Any:
    """Absent, None, {}, [] and a structure of only such members (the explicit empty values sent to
    clear a member) all mean "not declared" for a top-level member."""
    if isinstance(value, Mapping) and all(normalized(v) is None for v in value.values()):
        return None
    return None if value in (None, {}, []) else value


def diff_members(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    keys: frozenset[str],
    immutable: frozenset[str],
    unsettable: frozenset[str] = frozenset(),
) -> DiffResult:
    """Exact local diff: changed members update in place; immutable ones, and removals of members
    the API cannot clear (`unsettable`), replace.

    Replacements are create-before-delete: a Create that finds the name held by the resource being
    replaced takes the alternate name (see AgentCoreProvider.create_or_adopt), so both may coexist.
    """
    changed = sorted(
        k for k in keys if contains_unknown(news.get(k)) or normalized(olds.get(k)) != normalized(news.get(k))
    )
    removed = [k for k in changed if k in unsettable and normalized(news.get(k)) is None]
    replaces = sorted({k for k in changed if k in immutable} | set(removed))
    # pulumi.dynamic's server does not send `stables` and the engine's preview of an update keeps no
    # output of a dynamic resource anyway: dependants compare identity keys (docs/engine.md).
    stables = sorted(immutable - set(changed))
    return DiffResult(changes=bool(changed), replaces=replaces, stables=stables, delete_before_replace=False)


def plain_outputs(props: Mapping[str, Any], operation: str) -> dict[str, Any]:
    """API fields plus bookkeeping (not the serialized provider), JSON-able."""
    outs = request_fields(props, operation)
    outs.update({k: props[k] for k in (SOURCE, IMPORT_ID, OWNER, USED_ONLINE) if props.get(k) is not None})
    return outs


def project(live: Any, declared: Any) -> Any:
    """Live values seen through the declared shape: keys the spec never set are not drift."""
    if isinstance(live, Mapping) and isinstance(declared, Mapping):
        return {k: project(live[k], declared[k]) for k in declared if k in live}
    return live


def identity_digest(parts: Mapping[str, Any]) -> str:
    """A short stable digest of what decides a resource's identity (see components.evaluator.identity_key)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def identity_key(parts: Mapping[str, Any], kept: Iterable[str] = ()) -> str:
    """`<digest of parts>+<member>...`: a resource keeps its id while `parts` stay equal and none of
    the `kept` members (set members the API cannot clear) goes; adding one updates it in place."""
    return "+".join([identity_digest(parts), *sorted(set(kept))])


def key_parts(key: str) -> tuple[str, set[str]]:
    """An identity key's digest and its kept members."""
    digest, *kept = key.split("+")
    return digest, set(kept)


def same_identity(old: Any, new: Any) -> bool:
    """Whether a resource whose identity key was `old` keeps its id and ARN when its key becomes `new`:
    the same digest, and every member kept before still set. Unknown (None) keys never match."""
    if not isinstance(old, str) or not isinstance(new, str) or not old or not new:
        return False
    (old_digest, old_kept), (new_digest, new_kept) = key_parts(old), key_parts(new)
    return old_digest == new_digest and old_kept <= new_kept


def key_learned(old: Any, new: Any, same_target: bool) -> bool:
    """Whether a dependant's state must take key `new` for `old` (an update without an API call): the
    same identity with a member kept now, whose removal must preview a replace, or any new key of a
    reference whose id or ARN is known to be the one in state (`same_target`), such as the key an
    earlier release stored for a resource with a kept member, written the way this release writes it."""
    return bool(new) and old != new and (same_target or same_identity(old, new))
