"""Logs Insights golden queries for stats, bin, parse and dedup; expected rows computed in plain Python."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.emulator.insights_data import (
    LANGGRAPH,
    LANGGRAPH_RUNTIME,
    PLAIN,
    SPANS,
    STRANDS,
    STRANDS_RUNTIME,
    Rec,
    in_group,
    query,
    rows,
    session_of,
    show,
    spans,
    stamp,
    value,
)

Rows = list[dict[str, str]]
SVC = "resource.attributes.service.name"


@dataclass(frozen=True)
class Case:
    query: str
    expect: Callable[[], Rows]
    groups: tuple[str, ...] = (SPANS,)
    ordered: bool = False  # stats without sort: AWS promises no group order


def v(rec: Rec, name: str) -> Any:
    return value(rec, name)


def group(recs: list[Rec], key: Callable[[Rec], Any]) -> dict[Any, list[Rec]]:
    out: dict[Any, list[Rec]] = {}
    for rec in recs:
        out.setdefault(key(rec), []).append(rec)
    return out


def per(recs: list[Rec], name: str, label: str, make: Callable[[list[Rec]], Any]) -> Rows:
    """One row per value of `name` (the field left out where a record has none)."""
    out = []
    for key, members in group(recs, lambda r: v(r, name)).items():
        row = {} if key is None else {name: show(key, name)}
        row[label] = show(make(members))
        out.append(row)
    return out


def durations(recs: list[Rec]) -> list[int]:
    return [int(v(r, "durationNano")) for r in recs]


def parsed_plain() -> list[dict[str, str]]:
    """`parse @message "[*] user=* action=* took=*ms"` by hand, newest first."""
    out = []
    for rec in in_group(PLAIN):
        found = re.search(r"\[(.*?)\] user=(.*?) action=(.*?) took=(.*)ms", rec.message)
        if found:
            out.append(dict(zip(("level", "user", "action", "took"), found.groups(), strict=True)))
    return out


def summary(recs: list[Rec]) -> dict[str, str]:
    """The session-summary row of a session's spans (newest first, as the engine adds them up)."""
    http = [v(r, "attributes.http.response.status_code") for r in recs]
    errors = sum(
        v(r, "status.code") == "ERROR" or (h is not None and h >= 400)
        for r, h in zip(recs, http, strict=True)
    )
    return {
        "sid": str(v(recs[0], "attributes.session.id")),
        "spans": str(len(recs)),
        "traces": str(len({v(r, "traceId") for r in recs})),
        "totalMs": show(sum(int(v(r, "durationNano")) / 1_000_000 for r in recs)),
        "errors": str(errors),
        "ok": str(sum(h is not None and 200 <= h < 300 for h in http)),
        "start": str(min(int(v(r, "startTimeUnixNano")) for r in recs)),
    }


def bins(recs: list[Rec], size_ms: int) -> dict[int, list[Rec]]:
    return group(recs, lambda r: r.ts - r.ts % size_ms)


CASES: dict[str, Case] = {
    "count-all": Case("stats count(*)", lambda: [{"count(*)": str(len(spans()))}]),
    "count-by-service": Case(f"stats count(*) by {SVC}", lambda: per(spans(), SVC, "count(*)", len)),
    "count-session-service": Case(
        f'filter attributes.session.id = "{session_of(STRANDS)}" and {SVC} = "{STRANDS}" '
        "| stats count(*) as n",
        lambda: [{"n": str(len(spans(STRANDS)))}],
    ),
    "count-field": Case(
        "stats count(parentSpanId) as children, count(*) as all",
        lambda: [
            {
                "children": str(sum(v(r, "parentSpanId") is not None for r in spans())),
                "all": str(len(spans())),
            }
        ],
    ),
    "count-none-matched": Case('filter name = "nothing" | stats count(*) as n', lambda: [{"n": "0"}]),
    "count-distinct-by-session": Case(
        "stats count(*) as spans, count_distinct(traceId) as traces by attributes.session.id",
        lambda: [
            {
                "attributes.session.id": str(sid),
                "spans": str(len(m)),
                "traces": str(len({v(r, "traceId") for r in m})),
            }
            for sid, m in group(spans(), lambda r: v(r, "attributes.session.id")).items()
        ],
    ),
    "count-by-kind-sorted": Case(
        "stats count(*) as n by kind | sort n desc",
        lambda: sorted(per(spans(), "kind", "n", len), key=lambda row: -int(row["n"])),
        ordered=True,
    ),
    "sum-avg-min-max": Case(
        f"stats sum(durationNano) as total, avg(durationNano) as mean, min(durationNano) as lo, "
        f"max(durationNano) as hi by {SVC}",
        lambda: [
            {
                SVC: svc,
                "total": show(sum(durations(spans(svc)))),
                "mean": show(sum(durations(spans(svc))) / len(spans(svc))),
                "lo": show(min(durations(spans(svc)))),
                "hi": show(max(durations(spans(svc)))),
            }
            for svc in (STRANDS, LANGGRAPH)
        ],
    ),
    "stddev": Case(
        f'filter {SVC} = "{LANGGRAPH}" | stats stddev(durationNano) as sd',
        lambda: [{"sd": show(statistics.stdev(durations(spans(LANGGRAPH))))}],
    ),
    "pct": Case(
        "stats pct(durationNano, 50) as median",
        lambda: [{"median": show(sorted(durations(spans()))[(len(spans()) + 1) // 2 - 1])}],
    ),
    "earliest-latest": Case(
        "stats earliest(name) as first, latest(name) as last by traceId",
        lambda: [
            {
                "traceId": t,
                "first": str(v(min(m, key=lambda r: r.ts), "name")),
                "last": str(v(max(m, key=lambda r: r.ts), "name")),
            }
            for t, m in group(spans(), lambda r: v(r, "traceId")).items()
        ],
    ),
    "bin-5m": Case(
        "stats count(*) by bin(5m)",
        lambda: [{"bin(5m)": stamp(b), "count(*)": str(len(m))} for b, m in bins(spans(), 300_000).items()],
    ),
    "bin-alias-service": Case(
        f"stats count(*) as n by bin(1h) as hour, {SVC}",
        lambda: [
            {"hour": stamp(key[0]), SVC: key[1], "n": str(len(m))}
            for key, m in group(spans(), lambda r: (r.ts - r.ts % 3_600_000, v(r, SVC))).items()
        ],
    ),
    "stats-expression": Case(
        "stats sum(durationNano) / count(*) as mean",
        lambda: [{"mean": show(sum(durations(spans())) / len(spans()))}],
    ),
    "filter-after-stats": Case(
        "stats avg(durationNano) as a by kind | filter a > 1000000000",
        lambda: [
            row
            for row in per(spans(), "kind", "a", lambda m: sum(durations(m)) / len(m))
            if float(row["a"]) > 1e9
        ],
    ),
    "stats-of-stats": Case(
        "stats count(*) as n by traceId | stats count(*) as traces, sum(n) as spans",
        lambda: [{"traces": str(len({v(r, "traceId") for r in spans()})), "spans": str(len(spans()))}],
    ),
    "stats-by-computed": Case(
        "fields toupper(kind) as k | stats count(*) as n by k",
        lambda: [
            {"k": str(k).upper(), "n": str(len(m))} for k, m in group(spans(), lambda r: v(r, "kind")).items()
        ],
    ),
    "stats-missing-group-field": Case(
        "stats count(*) as n by attributes.gen_ai.request.model",
        lambda: per(spans(), "attributes.gen_ai.request.model", "n", len),
    ),
    "ratio-same-duration": Case(
        "fields (endTimeUnixNano - startTimeUnixNano) as d | filter d != durationNano | stats count(*) as n",
        lambda: [
            {
                "n": str(
                    sum(
                        v(r, "endTimeUnixNano") - v(r, "startTimeUnixNano") != v(r, "durationNano")
                        for r in spans()
                    )
                )
            }
        ],
    ),
    "message-like": Case(
        'filter @message like "gen_ai.usage" | stats count(*) as n',
        lambda: [{"n": str(sum("gen_ai.usage" in r.message for r in spans()))}],
    ),
    "two-agents-in": Case(
        f'filter attributes.session.id in ["{session_of(STRANDS)}", "{session_of(LANGGRAPH)}"] '
        f"| stats count(*) as n by {SVC}",
        lambda: per(spans(), SVC, "n", len),
    ),
    "count-by-log": Case(
        "stats count(*) as n by @log",
        lambda: per(in_group(SPANS) + in_group(STRANDS_RUNTIME), "@log", "n", len),
        (SPANS, STRANDS_RUNTIME),
    ),
    "runtime-events-by-name": Case(
        "filter ispresent(attributes.event.name) | stats count(*) as n by attributes.event.name",
        lambda: per(
            [r for r in in_group(LANGGRAPH_RUNTIME) if v(r, "attributes.event.name") is not None],
            "attributes.event.name",
            "n",
            len,
        ),
        (LANGGRAPH_RUNTIME,),
    ),
    "parse-glob": Case(
        'parse @message "[*] user=* action=* took=*ms" as level, user, action, took | filter ispresent(user) '
        "| fields level, user, action, took",
        parsed_plain,
        (PLAIN,),
        ordered=True,
    ),
    "parse-glob-stats": Case(
        'parse @message "[*] *" as level, rest | filter level = "ERROR" | stats count(*) as errors',
        lambda: [{"errors": str(sum(r.message.startswith("[ERROR]") for r in in_group(PLAIN)))}],
        (PLAIN,),
    ),
    "parse-regex": Case(
        r"parse @message /user=(?<user>\w+) action=(?<action>\w+)/ | filter ispresent(action) "
        "| stats count(*) as n by user",
        lambda: [
            {"user": u, "n": str(len(m))}
            for u, m in group(parsed_plain(), lambda p: p["user"]).items()  # type: ignore[arg-type]
        ],
        (PLAIN,),
    ),
    "parse-then-arith": Case(
        'parse @message "took=*ms" as took | filter took > 50 | fields took | sort took desc',
        lambda: [
            {"took": t}
            for t in sorted((p["took"] for p in parsed_plain() if int(p["took"]) > 50), key=int, reverse=True)
        ],
        (PLAIN,),
        ordered=True,
    ),
    "parse-json-field": Case(
        'parse name "Bedrock AgentCore.*" as op | filter ispresent(op) | stats count(*) as n by op',
        lambda: [
            {"op": str(k)[len("Bedrock AgentCore.") :], "n": str(len(m))}
            for k, m in group(
                [r for r in spans() if str(v(r, "name")).startswith("Bedrock AgentCore.")],
                lambda r: v(r, "name"),
            ).items()
        ],
    ),
    "latest-session-of-an-agent": Case(
        'filter resource.attributes.aws.service.type = "gen_ai_agent" '
        '| parse resource.attributes.cloud.resource_id "runtime/*/" as agentId '
        "| filter agentId = 'agent_lg-EVQuBO6Q0n' "
        "| stats max(endTimeUnixNano) as lastEnd by attributes.session.id | sort lastEnd desc | limit 1",
        lambda: [
            {
                "attributes.session.id": session_of(LANGGRAPH),
                "lastEnd": str(max(int(v(r, "endTimeUnixNano")) for r in spans(LANGGRAPH))),
            }
        ],
        ordered=True,
    ),
    "session-summary": Case(
        "fields attributes.session.id as sid, durationNano / 1000000 as ms, status.code as code, "
        "attributes.http.response.status_code as http "
        f"| filter sid = '{session_of(STRANDS)}' "
        "| stats count(spanId) as spans, count_distinct(traceId) as traces, sum(ms) as totalMs, "
        "sum(code = 'ERROR' or http >= 400) as errors, sum(http >= 200 and http < 300) as ok, "
        "min(startTimeUnixNano) as start by sid",
        lambda: [summary(spans(STRANDS))],
    ),
    "dedup-name": Case(
        "fields name | dedup name",
        lambda: rows(list({str(v(r, "name")): r for r in reversed(spans())}.values())[::-1], "name"),
        ordered=False,
    ),
    "dedup-after-sort": Case(
        "fields traceId, name | sort @timestamp asc | dedup traceId",
        lambda: rows([m[-1] for m in group(spans(), lambda r: v(r, "traceId")).values()], "traceId", "name"),
        ordered=False,
    ),
    "dedup-two-fields-limit": Case(
        f"fields kind, {SVC} | dedup kind, {SVC} | limit 3",
        lambda: rows(
            [m[0] for m in group(spans(), lambda r: (v(r, "kind"), v(r, SVC))).values()][:3], "kind", SVC
        ),
        ordered=True,
    ),
}


def canonical(table: Rows) -> list[str]:
    return sorted(repr(sorted(row.items())) for row in table)


@pytest.mark.parametrize("name", list(CASES))
def test_query(insights, name):
    case = CASES[name]
    expected = case.expect()
    got = query(insights, case.query, list(case.groups))
    assert expected, "every stats case expects at least one row"
    if case.ordered:
        assert got == expected
    else:
        assert canonical(got) == canonical(expected)
