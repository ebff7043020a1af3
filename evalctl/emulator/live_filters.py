"""`rule.filters` of an online configuration: which traces of a session are evaluated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Relation = Callable[[Any, Any], bool]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ordered(compare: Callable[[float, float], bool]) -> Relation:
    def relation(found: Any, expected: Any) -> bool:
        left, right = _number(found), _number(expected)
        return left is not None and right is not None and compare(left, right)

    return relation


def _equals(found: Any, expected: Any) -> bool:
    # Types must agree: a string never equals a number, and True is not 1.
    if isinstance(expected, bool) or isinstance(found, bool):
        return isinstance(found, bool) and isinstance(expected, bool) and found == expected
    if isinstance(expected, str):
        return isinstance(found, str) and found == expected
    return _number(found) is not None and _number(found) == _number(expected)


def _contains(found: Any, expected: Any) -> bool:
    if isinstance(found, str) and isinstance(expected, str):
        return expected in found
    return isinstance(found, list) and any(_equals(item, expected) for item in found)


RELATIONS: dict[str, Relation] = {
    "Equals": _equals,
    "GreaterThan": _ordered(lambda a, b: a > b),
    "LessThan": _ordered(lambda a, b: a < b),
    "GreaterThanOrEqual": _ordered(lambda a, b: a >= b),
    "LessThanOrEqual": _ordered(lambda a, b: a <= b),
    "Contains": _contains,
}
NEGATED = {"NotEquals": "Equals", "NotContains": "Contains"}


def _values(doc: dict[str, Any], key: str) -> list[Any]:
    """The key's value in a document: its attributes, its resource's, then the document itself."""
    holders = [doc.get("attributes") or {}, (doc.get("resource") or {}).get("attributes") or {}, doc]
    return [holder[key] for holder in holders if isinstance(holder, dict) and key in holder][:1]


def _expected(value: dict[str, Any]) -> Any:
    for member in ("stringValue", "doubleValue", "booleanValue"):
        if member in value:
            return value[member]
    return None


def trace_passes(docs: list[dict[str, Any]], filters: list[dict[str, Any]]) -> bool:
    """All filters hold for the trace's documents: a positive operator when some document's value
    satisfies it, NotEquals/NotContains when none satisfies Equals/Contains (an absent key passes)."""
    for item in filters:
        operator, key, expected = item["operator"], item["key"], _expected(item.get("value") or {})
        found = [v for doc in docs for v in _values(doc, key)]
        relation = RELATIONS[NEGATED.get(operator, operator)]
        hit = any(relation(v, expected) for v in found)
        if hit == (operator in NEGATED):
            return False
    return True


def included_traces(docs: list[dict[str, Any]], filters: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Session id -> ids of its traces that pass every filter (sessions with none are left out)."""
    traces: dict[str, list[dict[str, Any]]] = {}
    session_of: dict[str, str] = {}
    for doc in docs:
        trace = doc.get("traceId") or doc.get("trace_id")
        if not isinstance(trace, str) or not trace:
            continue
        traces.setdefault(trace, []).append(doc)
        session = (doc.get("attributes") or {}).get("session.id") or doc.get("sessionId")
        if isinstance(session, str) and session:
            session_of.setdefault(trace, session)
    out: dict[str, set[str]] = {}
    for trace, found in traces.items():
        if trace in session_of and trace_passes(found, filters):
            out.setdefault(session_of[trace], set()).add(trace)
    return out
