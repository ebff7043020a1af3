"""rule.filters on one trace's documents: operators, value types, absent keys (README 'Online evaluation')."""

from __future__ import annotations

from typing import Any

import pytest

from evalctl.emulator.live_filters import included_traces, trace_passes

SPAN = {"session.id": "s1", "tokens": 120, "tags": ["vip", "eu"]}
TOOL = {"tool": "lookup_order", "ok": True}
DOCS = [
    {"traceId": "t1", "name": "chat", "attributes": SPAN},
    {"traceId": "t1", "attributes": TOOL, "resource": {"attributes": {"env": "prod"}}},
]


def _filter(key: str, operator: str, value: Any) -> dict[str, Any]:
    member = {str: "stringValue", bool: "booleanValue", float: "doubleValue"}[type(value)]
    return {"key": key, "operator": operator, "value": {member: value}}


CASES = [
    ("tokens", "GreaterThan", 100.0, True),
    ("tokens", "LessThanOrEqual", 100.0, False),
    ("tokens", "Equals", 120.0, True),
    ("tokens", "Equals", "120", False),  # a string never equals a number
    ("ok", "Equals", True, True),
    ("ok", "Equals", 1.0, False),  # nor a boolean a number
    ("tool", "Contains", "order", True),
    ("tool", "NotContains", "order", False),
    ("tags", "Contains", "vip", True),
    ("env", "Equals", "prod", True),  # resource attributes count
    ("name", "Equals", "chat", True),  # and the document's own fields
    ("tool", "GreaterThan", 1.0, False),  # orderings are numeric only
    ("missing", "NotEquals", "x", True),  # an absent key passes the negations
    ("missing", "Equals", "x", False),
]


@pytest.mark.parametrize(("key", "operator", "value", "passes"), CASES)
def test_one_filter(key: str, operator: str, value: Any, passes: bool) -> None:
    assert trace_passes(DOCS, [_filter(key, operator, value)]) is passes


def test_all_filters_must_hold_and_traces_are_grouped_by_session() -> None:
    both = [_filter("tokens", "GreaterThan", 100.0), _filter("env", "Equals", "prod")]
    assert included_traces(DOCS, both) == {"s1": {"t1"}}
    assert included_traces(DOCS, [*both, _filter("ok", "Equals", False)]) == {}
