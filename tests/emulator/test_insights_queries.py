"""Logs Insights golden queries (fields, filter, sort, limit, display, functions) over the fixed event set.

Each case is a query and its expected rows, computed from the records in plain Python
(tests/emulator/insights_data.py); the query runs through boto3 against the emulator over HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.emulator.insights_data import (
    LANGGRAPH,
    LANGGRAPH_RUNTIME,
    SPANS,
    STRANDS,
    STRANDS_RUNTIME,
    Rec,
    in_group,
    newest,
    query,
    rows,
    session_of,
    show,
    spans,
    traces_of,
    value,
)

Rows = list[dict[str, str]]


@dataclass(frozen=True)
class Case:
    query: str
    expect: Callable[[], Rows]
    groups: tuple[str, ...] = (SPANS,)


def where(recs: list[Rec], test: Callable[[Rec], bool]) -> list[Rec]:
    return [r for r in recs if test(r)]


def v(rec: Rec, name: str) -> object:
    return value(rec, name)


def ms_of(rec: Rec) -> float:
    return float(v(rec, "durationNano")) / 1_000_000  # type: ignore[arg-type]


SVC = "resource.attributes.service.name"
LG_TRACE = traces_of(LANGGRAPH)[0]


def by_name(recs: list[Rec]) -> list[Rec]:
    return sorted(recs, key=lambda r: str(v(r, "name")))


CASES: dict[str, Case] = {
    "fields-limit": Case(
        "fields @timestamp, @message | limit 5", lambda: rows(spans()[:5], "@timestamp", "@message")
    ),
    "service-langgraph": Case(
        f'fields name | filter {SVC} = "{LANGGRAPH}"', lambda: rows(spans(LANGGRAPH), "name")
    ),
    "service-strands": Case(
        f'filter {SVC} = "{STRANDS}" | fields spanId', lambda: rows(spans(STRANDS), "spanId")
    ),
    "session": Case(
        f'filter attributes.session.id = "{session_of(STRANDS)}" | fields traceId, spanId',
        lambda: rows(
            where(spans(), lambda r: v(r, "attributes.session.id") == session_of(STRANDS)),
            "traceId",
            "spanId",
        ),
    ),
    "session-and-service": Case(
        f'filter attributes.session.id = "{session_of(LANGGRAPH)}" and {SVC} = "{LANGGRAPH}" | fields name',
        lambda: rows(spans(LANGGRAPH), "name"),
    ),
    "trace": Case(
        f'filter traceId = "{LG_TRACE}" | fields spanId, name',
        lambda: rows(where(spans(), lambda r: v(r, "traceId") == LG_TRACE), "spanId", "name"),
    ),
    "like-string": Case(
        'filter name like "chat" | fields name',
        lambda: rows(where(spans(), lambda r: "chat" in str(v(r, "name"))), "name"),
    ),
    "like-regex-anchor": Case(
        "filter name like /^chat/ | fields name",
        lambda: rows(where(spans(), lambda r: str(v(r, "name")).startswith("chat")), "name"),
    ),
    "like-regex-case": Case(
        "filter name like /(?i)CHAT/ | fields name",
        lambda: rows(where(spans(), lambda r: "chat" in str(v(r, "name")).lower()), "name"),
    ),
    "match-operator": Case(
        r"filter name =~ /AgentCore\.(List|Create)Events/ | fields name",
        lambda: rows(
            where(spans(), lambda r: bool(re.search(r"AgentCore\.(List|Create)Events", str(v(r, "name"))))),
            "name",
        ),
    ),
    "not-like": Case(
        'filter name not like "Bedrock" | fields name',
        lambda: rows(where(spans(), lambda r: "Bedrock" not in str(v(r, "name"))), "name"),
    ),
    "in-list": Case(
        'filter kind in ["SERVER", "INTERNAL"] | fields name, kind',
        lambda: rows(where(spans(), lambda r: v(r, "kind") in ("SERVER", "INTERNAL")), "name", "kind"),
    ),
    "not-in-list": Case(
        'filter kind not in ["CLIENT"] | fields kind',
        lambda: rows(where(spans(), lambda r: v(r, "kind") != "CLIENT"), "kind"),
    ),
    "ispresent": Case(
        "filter ispresent(attributes.gen_ai.request.model) | fields attributes.gen_ai.request.model",
        lambda: rows(
            where(spans(), lambda r: v(r, "attributes.gen_ai.request.model") is not None),
            "attributes.gen_ai.request.model",
        ),
    ),
    "not-ispresent": Case(
        "filter not ispresent(attributes.session.id) | fields name",
        lambda: rows(where(spans(), lambda r: v(r, "attributes.session.id") is None), "name"),
    ),
    "isempty": Case(
        "filter isempty(attributes.http.method) | fields name",
        lambda: rows(where(spans(), lambda r: v(r, "attributes.http.method") in (None, "")), "name"),
    ),
    "greater": Case(
        "filter durationNano > 2000000000 | fields name, durationNano",
        lambda: rows(
            where(spans(), lambda r: int(v(r, "durationNano")) > 2_000_000_000), "name", "durationNano"
        ),  # type: ignore[arg-type]
    ),
    "range": Case(
        "filter durationNano >= 1000000 and durationNano <= 100000000 | fields spanId",
        lambda: rows(
            where(spans(), lambda r: 1_000_000 <= int(v(r, "durationNano")) <= 100_000_000), "spanId"
        ),  # type: ignore[arg-type]
    ),
    "less-than-string-number": Case(
        'filter durationNano < "5000000" | fields spanId',
        lambda: rows(where(spans(), lambda r: int(v(r, "durationNano")) < 5_000_000), "spanId"),  # type: ignore[arg-type]
    ),
    "not-equal": Case(
        'filter kind != "CLIENT" and kind != "SERVER" | fields kind',
        lambda: rows(where(spans(), lambda r: v(r, "kind") == "INTERNAL"), "kind"),
    ),
    "or-parentheses": Case(
        f'filter (kind = "SERVER" or kind = "CLIENT") and {SVC} = "{LANGGRAPH}" | fields name',
        lambda: rows(where(spans(LANGGRAPH), lambda r: v(r, "kind") in ("SERVER", "CLIENT")), "name"),
    ),
    "not-parentheses": Case(
        'filter not (kind = "INTERNAL" or kind = "CLIENT") | fields spanId',
        lambda: rows(where(spans(), lambda r: v(r, "kind") == "SERVER"), "spanId"),
    ),
    "nested-status": Case(
        'filter status.code = "OK" | fields name, status.code',
        lambda: rows(where(spans(), lambda r: v(r, "status.code") == "OK"), "name", "status.code"),
    ),
    "array-leaf": Case(
        'filter attributes.gen_ai.response.finish_reasons.0 = "end_turn" | fields spanId',
        lambda: rows(
            where(spans(), lambda r: v(r, "attributes.gen_ai.response.finish_reasons.0") == "end_turn"),
            "spanId",
        ),
    ),
    "missing-field-matches-nothing": Case('filter attributes.no.such.field != "x" | fields name', list),
    "no-match": Case('filter attributes.session.id = "nope" | fields name', list),
    "alias-arith": Case(
        "fields name, durationNano / 1000000 as ms | filter ms > 100 | sort ms desc | limit 5",
        lambda: [
            {"name": str(v(r, "name")), "ms": show(ms_of(r))}
            for r in sorted(where(spans(), lambda r: ms_of(r) > 100), key=lambda r: -ms_of(r))[:5]
        ],
    ),
    "tolower-display": Case(
        "fields tolower(name) as lower | display lower | limit 3",
        lambda: [{"lower": str(v(r, "name")).lower()} for r in spans()[:3]],
    ),
    "toupper": Case(
        f'filter {SVC} = "{LANGGRAPH}" | fields toupper(kind) as k',
        lambda: [{"k": str(v(r, "kind")).upper()} for r in spans(LANGGRAPH)],
    ),
    "strlen-sort": Case(
        "fields strlen(name) as len, kind | sort len desc, kind asc | limit 6",
        lambda: [
            {"len": str(len(str(v(r, "name")))), "kind": str(v(r, "kind"))}
            for r in sorted(spans(), key=lambda r: (-len(str(v(r, "name"))), str(v(r, "kind"))))[:6]
        ],
    ),
    "strcontains": Case(
        'filter strcontains(name, "invoke") | fields name',
        lambda: rows(where(spans(), lambda r: "invoke" in str(v(r, "name"))), "name"),
    ),
    "concat": Case(
        'fields concat(kind, "/", name) as kn | display kn | limit 4',
        lambda: [{"kn": f"{v(r, 'kind')}/{v(r, 'name')}"} for r in spans()[:4]],
    ),
    "coalesce": Case(
        'fields coalesce(attributes.gen_ai.request.model, "none") as model | display model',
        lambda: [{"model": str(v(r, "attributes.gen_ai.request.model") or "none")} for r in spans()],
    ),
    "unaliased-expression-name": Case(
        "fields strlen(spanId) | limit 2",
        lambda: [{"strlen(spanId)": str(len(str(v(r, "spanId"))))} for r in spans()[:2]],
    ),
    "sort-asc": Case(
        "sort @timestamp asc | fields name | limit 3", lambda: rows(list(reversed(spans()))[:3], "name")
    ),
    "sort-two-keys": Case(
        "sort name asc, @timestamp desc | fields name, spanId | limit 10",
        lambda: rows(by_name(spans())[:10], "name", "spanId"),
    ),
    "sort-desc-limit": Case(
        "sort durationNano desc | limit 4 | fields spanId",
        lambda: rows(sorted(spans(), key=lambda r: -int(v(r, "durationNano")))[:4], "spanId"),  # type: ignore[arg-type]
    ),
    "sort-after-limit": Case(
        "fields name | limit 5 | sort name asc", lambda: rows(by_name(spans()[:5]), "name")
    ),
    "display-only": Case("display name, kind | limit 3", lambda: rows(spans()[:3], "name", "kind")),
    "display-narrows-fields": Case(
        "fields name, kind | display kind | limit 2", lambda: rows(spans()[:2], "kind")
    ),
    "backtick-name": Case(
        f'fields `{SVC}` as svc | filter svc = "{STRANDS}" | display svc | limit 2',
        lambda: [{"svc": STRANDS}] * 2,
    ),
    "keywords-any-case": Case(
        'FIELDS name | FILTER kind = "SERVER" | SORT @timestamp ASC',
        lambda: rows(list(reversed(where(spans(), lambda r: v(r, "kind") == "SERVER"))), "name"),
    ),
    "comment": Case("# the two newest\nfields spanId | limit 2", lambda: rows(spans()[:2], "spanId")),
    "log-stream": Case(
        'filter @logStream = "default" | fields @logStream, @log | limit 2',
        lambda: rows(spans()[:2], "@logStream", "@log"),
    ),
    "two-groups": Case(
        'filter traceId = "' + LG_TRACE + '" | fields @log, spanId',
        lambda: rows(
            newest([r for r in in_group(SPANS) + in_group(LANGGRAPH_RUNTIME) if v(r, "traceId") == LG_TRACE]),
            "@log",
            "spanId",
        ),
        (SPANS, LANGGRAPH_RUNTIME),
    ),
    "runtime-logs-body": Case(
        "filter ispresent(body.message.role) | fields body.message.role, attributes.event.name",
        lambda: rows(
            where(in_group(STRANDS_RUNTIME), lambda r: v(r, "body.message.role") is not None),
            "body.message.role",
            "attributes.event.name",
        ),
        (STRANDS_RUNTIME,),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_query(insights, name):
    case = CASES[name]
    expected = case.expect()
    got = query(insights, case.query, list(case.groups))
    assert got == expected
    if expected:
        assert any(expected), "a case must check some values"
