"""YAML files to plain data plus a position index (line and column for every JSON pointer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.yaml_errors import decode, yaml_error

# A real spec has a few thousand nodes at most; an alias bomb has billions. Counting node visits
# while we build plain data bounds both time and memory.
MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_FILE_BYTES = 10 * 1024 * 1024
# A spec file holds a handful of documents; past this the rest is not parsed (bounded time and memory).
MAX_DOCUMENTS = 1000
TOO_MANY = f"more than {MAX_DOCUMENTS} documents in one file; the rest was not read: split the file"
BOMB = f"document expands to more than {MAX_NODES} nodes (alias bomb?); remove the aliases"
EMPTY = "file holds no spec document; add one or delete the file"
TOO_DEEP = f"document nests deeper than {MAX_DEPTH} levels; specs are shallow, check the indentation"
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
PLAIN_TAGS = SCALAR_TAGS | {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Positions:
    """1-based (line, column) of each pointer's value, and of its key when it is a mapping member."""

    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, pointer: str) -> tuple[int, int]:
        """Where the value is; falls back to the nearest enclosing value that we know."""
        while pointer not in self.values and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.values.get(pointer, (1, 1))

    def of_key(self, pointer: str) -> tuple[int, int]:
        return self.keys.get(pointer) or self.of_value(pointer)


@dataclass
class RawDocument:
    """One YAML document of a file: its data and where each part of it sits."""

    file: str
    index: int
    data: Any
    positions: Positions
    # Values the loader refused (a tag): reported with the document's schema errors, which stay
    # quiet at those pointers, so that the document counts as invalid and is said to be once.
    refused: tuple[Diagnostic, ...] = ()


class _Limit(Exception):
    """The document expands past MAX_NODES or nests past MAX_DEPTH."""


class _Builder:
    """Turns a composed node tree into plain data while recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions = Positions()
        self.problems: list[Diagnostic] = []
        self.refused: list[Diagnostic] = []
        self.visits = 0
        self.scalars = yaml.constructor.SafeConstructor()

    def problem(self, node: Node, message: str, pointer: str, code: str) -> None:
        mark = node.start_mark
        self.problems.append(
            Diagnostic(self.file, mark.line + 1, mark.column + 1, message, pointer, code=code)
        )

    def build(self, node: Node, pointer: str, depth: int = 0) -> Any:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise _Limit(BOMB)
        if depth > MAX_DEPTH:
            raise _Limit(TOO_DEEP)
        self.positions.values.setdefault(pointer, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in PLAIN_TAGS:
            return self._refuse(node, pointer)
        if isinstance(node, MappingNode):
            return self._mapping(node, pointer, depth + 1)
        if isinstance(node, SequenceNode):
            return [self.build(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, pointer)

    def _mapping(self, node: MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        explicit: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, pointer, depth)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        out.update({k: v for k, v in part.items() if k not in out})
                continue
            key = self._key(key_node, pointer)
            child = f"{pointer}/{escape(key)}"
            if key in explicit:
                first = self.positions.keys[child][0]
                self.problem(
                    key_node,
                    f"duplicate key '{key}' (first at line {first}); YAML keeps only this later one, "
                    "remove one of them",
                    child,
                    "yaml-duplicate-key",
                )
            # An explicit key overrides a merged one, and a later duplicate the earlier one.
            if child in self.positions.values:
                self._forget(child)
            explicit.add(key)
            self.positions.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child, depth)
        return out

    def _key(self, node: Node, pointer: str) -> str:
        key = self._scalar(node, pointer) if isinstance(node, ScalarNode) else None
        if isinstance(key, str):
            return key
        text = node.value if isinstance(node, ScalarNode) else "?"
        self.problem(node, f"mapping key {text} is not a string; quote it ('{text}')", pointer, "yaml-key")
        return str(text)

    def _forget(self, pointer: str) -> None:
        """Drop the positions of a value that a later duplicate key replaces."""
        for table in (self.positions.values, self.positions.keys):
            for known in [p for p in table if p == pointer or p.startswith(pointer + "/")]:
                del table[known]

    def _refuse(self, node: Node, pointer: str) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        text = f"tag '{tag}' is not allowed; specs hold plain data only, remove it"
        mark = node.start_mark
        self.refused.append(
            Diagnostic(self.file, mark.line + 1, mark.column + 1, text, pointer, code="yaml-tag")
        )

    def _scalar(self, node: Node, pointer: str) -> Any:
        if node.tag not in SCALAR_TAGS:
            return self._refuse(node, pointer)
        try:
            value = self.scalars.construct_object(node)
        except (ValueError, OverflowError):
            # Looks like a date but is not one (2026-13-45): keep the text, the schema will judge it.
            return node.value
        if isinstance(value, dt.datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return aware.isoformat().replace("+00:00", "Z")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


def _blank(node: Node) -> bool:
    """A document with nothing after its `---` marker."""
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null" and node.value == ""


def _expanded_size(node: Node, memo: dict[int, int]) -> int:
    """How many nodes the document has once aliases are expanded, counted on the shared graph."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a recursive alias counts once instead of looping
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = node.value
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    size = 1 + sum(_expanded_size(child, memo) for child in children)
    memo[id(node)] = size
    return size


def _document(file: str, index: int, node: Node) -> tuple[RawDocument | None, list[Diagnostic]]:
    builder = _Builder(file)
    try:
        if _expanded_size(node, {}) > MAX_NODES:
            # Refuse a bomb before building it: counting is linear in the text, building is not.
            raise _Limit(BOMB)
        data = builder.build(node, "")
    except _Limit as limit:
        mark = node.start_mark
        return None, [Diagnostic(file, mark.line + 1, mark.column + 1, str(limit), code="yaml-too-large")]
    return RawDocument(file, index, data, builder.positions, tuple(builder.refused)), builder.problems


def load_text(file: str, text: str) -> tuple[list[RawDocument], list[Diagnostic]]:
    """Every document of a YAML text, or located problems."""
    docs: list[RawDocument] = []
    problems: list[Diagnostic] = []
    seen = 0
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=SafeLoader)):
            if index >= MAX_DOCUMENTS:
                line = node.start_mark.line + 1 if node is not None else 1
                problems.append(Diagnostic(file, line, 1, TOO_MANY, code="too-many-documents"))
                break
            if node is None or _blank(node):
                continue
            seen += 1
            doc, found = _document(file, index, node)
            problems += found
            if doc is not None:
                docs.append(doc)
    except yaml.YAMLError as exc:
        problems.append(yaml_error(file, text, exc))
    except RecursionError:
        problems.append(Diagnostic(file, 1, 1, TOO_DEEP, code="yaml-too-large"))
    if not seen and not problems:
        problems.append(Diagnostic(file, 1, 1, EMPTY, severity="warning", code="empty-file"))
    return docs, problems


def load_file(path: Path, display: str | None = None) -> tuple[list[RawDocument], list[Diagnostic]]:
    """Read, decode and parse one file."""
    name = display or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [], [Diagnostic(name, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes", code="io")]
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Diagnostic(name, 1, 1, f"cannot read file: {exc.strerror}", code="io")]
    text, problems = decode(name, raw)
    if text is None:
        return [], problems
    return load_text(name, text)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Spec files under the given paths (`*.yaml`, `*.yml`), sorted; and paths that do not exist."""
    found: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml")
                and not p.name.endswith((".scenarios.yaml", ".scenarios.yml"))  # Dataset scenario files
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            missing.append(str(path))
    return found, missing
