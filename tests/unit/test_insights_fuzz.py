"""Any query either compiles or is MalformedQuery with offsets inside it; compiled queries never crash."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from evalctl.emulator.insights import engine
from evalctl.emulator.insights.nodes import MalformedQuery
from evalctl.emulator.insights.rows import Event
from evalctl.emulator.insights.syntax import parse

TOKENS = [
    "fields", "filter", "stats", "sort", "limit", "parse", "display", "dedup", "by", "as", "asc", "desc",
    "and", "or", "not", "like", "in", "|", ",", "(", ")", "[", "]", "=", "!=", "<", "<=", ">", ">=", "=~",
    "+", "-", "*", "/", "%", "^", "count(*)", "count", "sum", "avg", "min", "max", "pct", "bin(5m)",
    "ispresent", "tolower", "strlen", "concat", "coalesce", "earliest", "count_distinct", "datefloor",
    "name", "kind", "attributes.session.id", "durationNano", "@timestamp", "@message", "`a b`", "x",
    '"chat"', "'x'", '"[*] *"', "/ch.t/", "/(?<w>\\w+)/", "5", "1.5", "0", "10001", "1h", "2mo", "#c\n",
]  # fmt: skip
EVENTS = [
    Event(1_700_000_000_000 + i, 0, message, "123456789012", "g", "s", i)
    for i, message in enumerate(
        [
            json.dumps(
                {"name": "chat", "kind": "CLIENT", "durationNano": 5, "attributes": {"session.id": "a"}}
            ),
            json.dumps({"name": "tool", "kind": "INTERNAL", "durationNano": 2.5, "attributes": {}}),
            json.dumps({"name": None, "kind": ["x", {"y": True}], "durationNano": "7"}),
            "[INFO] plain text line",
            "",
        ]
    )
]


FIELD = st.sampled_from(
    ["name", "kind", "durationNano", "attributes.session.id", "@timestamp", "@message", "a"]
)
LITERAL = st.sampled_from(['"chat"', "'CLIENT'", "5", "2.5", '"7"', "0", "-1"])
EXPR = st.recursive(
    FIELD | LITERAL,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "^"]), inner).map(" ".join),
        st.tuples(st.sampled_from(["tolower", "strlen", "abs", "ispresent", "isempty", "floor"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(inner, inner).map(lambda t: f"concat({t[0]}, {t[1]})"),
        inner.map(lambda e: f"({e})"),
    ),
    max_leaves=4,
)
CONDITION = st.recursive(
    st.one_of(
        st.tuples(EXPR, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), EXPR).map(" ".join),
        st.tuples(
            FIELD, st.sampled_from(["like", "not like"]), st.sampled_from(['"ch"', "/^t/", "/(?i)C/"])
        ).map(" ".join),
        st.tuples(FIELD, st.sampled_from(["in", "not in"])).map(lambda t: f'{t[0]} {t[1]} ["chat", 5]'),
        FIELD.map(lambda f: f"ispresent({f})"),
    ),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda c: f"not {c}"),
    ),
    max_leaves=4,
)
AGGREGATE = st.one_of(
    st.just("count(*)"),
    st.tuples(
        st.sampled_from(
            ["count", "sum", "avg", "min", "max", "stddev", "earliest", "latest", "count_distinct"]
        ),
        EXPR,
    ).map(lambda t: f"{t[0]}({t[1]})"),
    EXPR.map(lambda e: f"pct({e}, 90)"),
)
COMMAND = st.one_of(
    st.lists(
        st.tuples(EXPR, st.sampled_from(["", " as f1", " as f2"])).map("".join), min_size=1, max_size=3
    ).map(lambda items: "fields " + ", ".join(items)),
    CONDITION.map(lambda c: f"filter {c}"),
    st.tuples(
        AGGREGATE, st.sampled_from(["", " by kind", " by bin(1m)", " by name, f1", " by strlen(name)"])
    ).map(lambda t: f"stats {t[0]} as n{t[1]}"),
    st.tuples(EXPR, st.sampled_from(["", " asc", " desc"])).map(lambda t: f"sort {t[0]}{t[1]}"),
    st.integers(1, 5).map(lambda n: f"limit {n}"),
    st.sampled_from(['parse @message "[*] *" as lvl, txt', "parse name /(?<p>c)(?<q>h)/", "display n, name"]),
    st.sampled_from(["dedup kind", "dedup name, f1"]),
)


def _check(text: str) -> None:
    try:
        commands = parse(text)
    except MalformedQuery as exc:
        assert 0 <= exc.start <= exc.end <= len(text), (exc.start, exc.end, len(text))
        assert exc.message
        return
    outcome = engine.run(commands, EVENTS)
    for row in outcome.rows:
        assert all(isinstance(c["field"], str) and isinstance(c["value"], str) for c in row)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join))
def test_token_soup_compiles_or_is_refused_with_a_location(text: str) -> None:
    _check(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(COMMAND, min_size=1, max_size=5).map(" | ".join))
def test_generated_queries_compile_or_are_refused_and_run(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_compiles_or_is_refused_with_a_location(text: str) -> None:
    _check(text)


def test_a_tower_of_powers_has_no_value_instead_of_hanging() -> None:
    (row,) = engine.run(parse("fields 5 ^ (5 ^ (5 ^ 5)) as tower, 2 ^ 10 as small | limit 1"), EVENTS).rows
    assert {c["field"]: c["value"] for c in row if c["field"] != "@ptr"} == {"small": "1024"}
