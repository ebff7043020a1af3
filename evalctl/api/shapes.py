"""Requests shaped by botocore's model: the members a spec declares, wire values conformed, secrets."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.model import StructureShape

from evalctl import service_models
from evalctl.service_models import CONTROL


def input_shape(operation: str) -> StructureShape:
    """botocore's input shape of a control-plane operation."""
    return service_models.input_shape(CONTROL, operation)


def declared_keys(operation: str) -> frozenset[str]:
    """The members a spec may declare for a Create operation (the client token is ours)."""
    return frozenset(k for k in input_shape(operation).members if k != "clientToken")


def conform(value: Any, shape: Any) -> Any:
    """Undo what the wire did: doubles back to ints where the model says integer, Nones dropped."""
    # Values unknown in a preview are neither floats nor containers, so they pass through untouched.
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "structure" and isinstance(value, Mapping):
        members = shape.members
        return {k: conform(v, members.get(k)) for k, v in value.items() if v is not None}
    if kind == "map" and isinstance(value, Mapping):
        return {k: conform(v, shape.value) for k, v in value.items() if v is not None}
    if kind == "list" and isinstance(value, list):
        return [conform(v, shape.member) for v in value]
    return value


def request_fields(props: Mapping[str, Any], operation: str) -> dict[str, Any]:
    """The API fields of a props bag, conformed to the operation's shape; bookkeeping left out."""
    shape = input_shape(operation)
    keys = declared_keys(operation)
    fields = {k: v for k, v in props.items() if k in keys and v is not None}
    return dict(conform(fields, shape))


@functools.cache
def sensitive_paths(service: str, operation: str) -> tuple[tuple[str, ...], ...]:
    """Member paths botocore marks `sensitive` in an operation's input (structures, not lists)."""
    found: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...], depth: int) -> None:
        for name, member in node.members.items():
            if member.metadata.get("sensitive"):
                found.append((*path, name))
            elif member.type_name == "structure" and depth < 6:
                walk(member, (*path, name), depth + 1)

    walk(service_models.input_shape(service, operation), (), 0)
    return tuple(found)
