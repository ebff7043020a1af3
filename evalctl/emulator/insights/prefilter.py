"""Skip events whose raw text cannot pass the query's leading filters, before parsing their JSON.

`field = "text"` can only hold when "text" occurs in the message, so events without it are
dropped unread. This only removes rows the filters would drop anyway: it looks at the filters
that come before any command changing which rows exist (stats, sort, limit, dedup), on JSON
fields no earlier command redefines, and at plain texts that JSON writes unescaped.
"""

from __future__ import annotations

import re
from typing import Any

from evalctl.emulator.insights import nodes as n
from evalctl.emulator.insights.rows import Event
from evalctl.emulator.insights.values import number

_PLAIN = re.compile(r"[A-Za-z0-9_.:@ \-]+")
Needs = list[frozenset[str]]  # every set must have one member in the message


def needs(commands: list[n.Command]) -> Needs:
    """What every message must contain for the leading filters to pass."""
    defined: set[str] = set()
    out: Needs = []
    for command in commands:
        if isinstance(command, n.Fields):
            defined.update(i.name for i in command.items if i.expr != n.Field(i.name))
        elif isinstance(command, n.Parse):
            defined.update(command.names)
        elif isinstance(command, n.Filter):
            out.extend(_needs(command.expr, defined))
        elif not isinstance(command, n.Display):
            break
    return out


def _needs(expr: Any, defined: set[str]) -> Needs:
    if isinstance(expr, n.Bool) and expr.op == "and":
        return [need for operand in expr.operands for need in _needs(operand, defined)]
    if isinstance(expr, n.Bool):  # or: one of the operands' texts, if every operand has exactly one
        parts = [_needs(operand, defined) for operand in expr.operands]
        if all(len(p) == 1 for p in parts):
            return [frozenset().union(*(p[0] for p in parts))]
        return []
    texts: tuple[Any, ...] = ()
    if isinstance(expr, n.Compare) and expr.op == "=" and isinstance(expr.right, n.Lit):
        subject, texts = expr.left, (expr.right.value,)
    elif isinstance(expr, n.In) and not expr.negate and expr.values:
        subject, texts = expr.operand, expr.values
    else:
        return []
    if not _raw_field(subject, defined) or not all(_plain(t) for t in texts):
        return []
    return [frozenset(texts)]


def _raw_field(expr: Any, defined: set[str]) -> bool:
    return isinstance(expr, n.Field) and not expr.name.startswith("@") and expr.name not in defined


def _plain(value: Any) -> bool:
    # Numbers compare by value ("5" equals 5.0), so only non-numeric plain text qualifies.
    return isinstance(value, str) and bool(_PLAIN.fullmatch(value)) and number(value) is None


def keep(events: list[Event], required: Needs) -> list[Event]:
    if not required:
        return events
    return [e for e in events if all(any(t in e.message for t in alternatives) for alternatives in required)]
