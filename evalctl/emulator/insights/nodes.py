"""The parsed form of a query: expression nodes and one dataclass per command."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class MalformedQuery(Exception):
    """A query the service refuses to compile, with the character offsets of the culprit."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Star:
    """The `*` of `count(*)`."""


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class Bool:
    op: str  # "and" | "or"
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Like:
    operand: Any
    pattern: re.Pattern[str]
    negate: bool


@dataclass(frozen=True)
class In:
    operand: Any
    values: tuple[Any, ...]
    negate: bool


@dataclass(frozen=True)
class Arith:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Neg:
    operand: Any


@dataclass(frozen=True)
class Item:
    """An expression and the column it makes: its alias, or its text in the query."""

    expr: Any
    name: str


@dataclass
class Fields:
    items: list[Item]


@dataclass
class Display:
    names: list[str]


@dataclass
class Filter:
    expr: Any


@dataclass
class Stats:
    aggregates: list[Item]
    groups: list[Item] = field(default_factory=list)


@dataclass
class SortKey:
    expr: Any
    descending: bool


@dataclass
class Sort:
    keys: list[SortKey]


@dataclass
class Limit:
    count: int


@dataclass
class Dedup:
    names: list[str]


@dataclass
class Parse:
    source: str
    pattern: re.Pattern[str]
    names: list[str]


Command = Fields | Display | Filter | Stats | Sort | Limit | Dedup | Parse


def walk(expr: Any) -> list[Any]:
    """The node and every node below it."""
    out = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


def children(expr: Any) -> tuple[Any, ...]:
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Bool):
        return expr.operands
    if isinstance(expr, Compare | Arith):
        return (expr.left, expr.right)
    if isinstance(expr, Not | Neg | Like | In):
        return (expr.operand,)
    return ()
