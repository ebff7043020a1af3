"""Pydantic models generated from botocore's shapes, so the spec mirrors the API field for field."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.model import Shape, StructureShape
from pydantic import BaseModel, ConfigDict, Field, create_model


def anchored(pattern: str) -> str:
    """botocore patterns are matched whole (re.fullmatch); JSON Schema patterns search."""
    return f"^(?:{pattern})$"


def describe(shape: Shape) -> str | None:
    """The first sentence of botocore's HTML documentation, as plain text for editor hovers."""
    text = re.sub(r"<[^>]+>", "", getattr(shape, "documentation", "") or "")
    text = " ".join(html.unescape(text).split())
    if not text:
        return None
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return first[:300]


@dataclass
class Tailoring:
    """How a kind departs from the API: members replaced, removed or made optional."""

    replace: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)
    remove: set[tuple[str, str]] = field(default_factory=set)
    optional: set[tuple[str, str]] = field(default_factory=set)
    extra: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    prefix: str = ""


class Generator:
    """Builds pydantic models for a tree of botocore shapes, once per shape name."""

    def __init__(self, tailoring: Tailoring) -> None:
        self.tailoring = tailoring
        self.models: dict[str, type[BaseModel]] = {}

    def annotation(self, shape: Shape) -> Any:
        """The Python type of a member, constraints carried by Field() in `field_info`."""
        kind = shape.type_name
        if getattr(shape, "is_document_type", False):
            return dict[str, Any]
        if kind == "structure":
            return self.model(shape)
        if kind == "list":
            return list[self.annotation(shape.member)]  # type: ignore[misc]
        if kind == "map":
            return dict[str, self.annotation(shape.value)]  # type: ignore[misc]
        if kind == "string" and shape.enum:
            return Literal[tuple(shape.enum)]
        return {"integer": int, "long": int, "double": float, "float": float, "boolean": bool}.get(
            kind, Any if kind == "document" else str
        )

    def field_info(self, shape: Shape, required: bool) -> Any:
        meta = shape.metadata
        extra: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"description": describe(shape)}
        if shape.type_name == "string":
            if "pattern" in meta:
                extra["pattern"] = anchored(meta["pattern"])
            kwargs.update(min_length=meta.get("min"), max_length=meta.get("max"))
        elif shape.type_name == "list":
            kwargs.update(min_length=meta.get("min"), max_length=meta.get("max"))
        elif shape.type_name in ("integer", "long", "double", "float"):
            kwargs.update(ge=meta.get("min"), le=meta.get("max"))
        elif shape.type_name == "timestamp":
            extra["format"] = "date-time"
        elif shape.type_name == "map":
            extra.update(self._map_extra(shape))
        if shape.type_name == "list" and shape.member.type_name == "string":
            extra["items"] = self._string_items(shape.member)
        if extra:
            kwargs["json_schema_extra"] = extra
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return Field(... if required else None, **kwargs)

    def _string_items(self, member: Shape) -> dict[str, Any]:
        meta = member.metadata
        items: dict[str, Any] = {"type": "string"}
        if member.enum:
            items["enum"] = list(member.enum)
        if "pattern" in meta:
            items["pattern"] = anchored(meta["pattern"])
        if "min" in meta:
            items["minLength"] = meta["min"]
        if "max" in meta:
            items["maxLength"] = meta["max"]
        return items

    def _map_extra(self, shape: Shape) -> dict[str, Any]:
        meta, key, value = shape.metadata, shape.key, shape.value
        extra: dict[str, Any] = {}
        if "max" in meta:
            extra["maxProperties"] = meta["max"]
        names = {
            k: v
            for k, v in (
                ("pattern", key.metadata.get("pattern")),
                ("minLength", key.metadata.get("min")),
                ("maxLength", key.metadata.get("max")),
            )
            if v is not None
        }
        if "pattern" in names:
            names["pattern"] = anchored(names["pattern"])
        if names:
            extra["propertyNames"] = names
        if value.type_name == "string":
            extra["additionalProperties"] = self._string_items(value)
        return extra

    def model(self, shape: StructureShape) -> type[BaseModel]:
        name = self.tailoring.prefix + shape.name
        if name in self.models:
            return self.models[name]
        fields: dict[str, Any] = {}
        for member, member_shape in shape.members.items():
            key = (shape.name, member)
            if key in self.tailoring.remove:
                continue
            if key in self.tailoring.replace:
                fields[member] = self.tailoring.replace[key]
                continue
            required = member in shape.required_members and key not in self.tailoring.optional
            fields[member] = (self.annotation(member_shape), self.field_info(member_shape, required))
        fields.update(self.tailoring.extra.get(shape.name, {}))
        extra: dict[str, Any] = (
            {"minProperties": 1, "maxProperties": 1} if shape.metadata.get("union") else {}
        )
        config = ConfigDict(extra="forbid", json_schema_extra=extra or None, title=name)
        model: type[BaseModel] = create_model(name, __config__=config, **fields)
        model.__doc__ = describe(shape)
        self.models[name] = model
        return model
