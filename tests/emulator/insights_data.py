"""A fixed event set for the Logs Insights tests, and a plain-Python reading of it to compute expectations.

Two agents' spans (the Strands and LangGraph captures) share `aws/spans`; their runtime logs go to
their runtime groups; a few plain-text lines exercise `parse`. Expected rows are computed from these
records with list comprehensions, independently of the emulator's engine.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Copies of ../shared/fixtures/spans (see tests/data/spans/SOURCE.md).
SHARED_SPANS = Path(__file__).resolve().parents[1] / "data" / "spans"
SPANS = "aws/spans"
STRANDS_RUNTIME = "/aws/bedrock-agentcore/runtimes/test_eval_1-Ux9OE986P4-DEFAULT"
LANGGRAPH_RUNTIME = "/aws/bedrock-agentcore/runtimes/agent_lg-EVQuBO6Q0n-DEFAULT"
PLAIN = "/app/plain"
STRANDS = "test_eval_1.DEFAULT"
LANGGRAPH = "agent_lg.DEFAULT"
ACCOUNT = "123456789012"
# Events sit in the last hour, well inside PutLogEvents' 14-day window, at fixed whole seconds.
BASE_MS = (int(time.time()) - 3600) * 1000
PLAIN_LINES = [
    "[INFO] user=alice action=login took=12ms",
    "[ERROR] user=bob action=pay took=340ms",
    "[WARN] user=alice action=search took=55ms",
    "[ERROR] user=carol action=pay took=1200ms",
    "[INFO] user=bob action=logout took=3ms",
    "healthcheck ok",
    "[DEBUG] cache warm",
    "[INFO] user=carol action=login took=20ms",
]


@dataclass(frozen=True)
class Rec:
    """One stored event as the tests know it."""

    ts: int
    group: str
    stream: str
    message: str

    @property
    def doc(self) -> dict[str, Any]:
        try:
            found = json.loads(self.message)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}


def _fixture_time(text: str) -> int:
    when = datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _load(name: str, group: str, stream: str) -> list[tuple[int, str, str, str]]:
    rows = json.loads((SHARED_SPANS / name).read_text())
    return [(_fixture_time(r["timestamp"]), group, stream, json.dumps(r["raw_otel_json"])) for r in rows]


def build() -> list[Rec]:
    """Every record, re-timed so the earliest capture lands at BASE_MS; timestamps are unique."""
    raw = (
        _load("raw_otel_strands_bedrock_spans.json", SPANS, "default")
        + _load("raw_otel_langchain_spans.json", SPANS, "default")
        + _load("raw_otel_strands_bedrock_runtime_logs.json", STRANDS_RUNTIME, "otel-rt-logs")
        + _load("raw_otel_langchain_runtime_logs.json", LANGGRAPH_RUNTIME, "otel-rt-logs")
    )
    first = min(t for t, *_ in raw)
    taken: set[int] = set()
    out: list[Rec] = []
    for when, group, stream, message in raw:
        ts = BASE_MS + (when - first)
        while ts in taken:  # distinct timestamps keep the newest-first order free of ties
            ts += 1
        taken.add(ts)
        out.append(Rec(ts, group, stream, message))
    for index, line in enumerate(PLAIN_LINES):
        ts = BASE_MS + 7 * 60_000 + index * 1000
        out.append(Rec(ts, PLAIN, f"web-{index % 2 + 1}", line))
    return out


RECORDS = build()


def load(logs: Any) -> None:
    """Store every record through PutLogEvents."""
    streams: dict[tuple[str, str], list[Rec]] = {}
    for rec in RECORDS:
        streams.setdefault((rec.group, rec.stream), []).append(rec)
    for group in sorted({g for g, _ in streams}):
        logs.create_log_group(logGroupName=group)
    for (group, stream), recs in sorted(streams.items()):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        events = [{"timestamp": r.ts, "message": r.message} for r in sorted(recs, key=lambda r: r.ts)]
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


# --- a plain reading of the records -----------------------------------------------------------


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """JSON leaves by dotted path (arrays by index), nulls left out."""
    if isinstance(value, dict):
        pairs: Any = value.items()
    elif isinstance(value, list):
        pairs = enumerate(value)
    else:
        return {} if value is None else {prefix[:-1]: value}
    out: dict[str, Any] = {}
    for key, child in pairs:
        out.update(leaves(child, f"{prefix}{key}."))
    return out


def stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def value(rec: Rec, name: str) -> Any:
    """A field of a record: system fields, else the JSON leaf of that dotted name."""
    system = {"@timestamp": rec.ts, "@message": rec.message, "@logStream": rec.stream}
    system["@log"] = f"{ACCOUNT}:{rec.group}"
    if name in system:
        return system[name]
    return leaves(rec.doc).get(name)


def show(v: Any, name: str = "") -> str:
    """How a value reads in results."""
    if name in ("@timestamp",) or name.startswith("bin("):
        return stamp(int(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def newest(recs: list[Rec]) -> list[Rec]:
    return sorted(recs, key=lambda r: -r.ts)


def in_group(group: str) -> list[Rec]:
    return newest([r for r in RECORDS if r.group == group])


def spans(service: str | None = None) -> list[Rec]:
    found = in_group(SPANS)
    if service is None:
        return found
    return [r for r in found if value(r, "resource.attributes.service.name") == service]


def rows(recs: list[Rec], *names: str) -> list[dict[str, str]]:
    """Result rows of `fields <names>` (fields without a value are left out of a row)."""
    return [{n: show(value(r, n), n) for n in names if value(r, n) is not None} for r in recs]


def session_of(service: str) -> str:
    return str(value(spans(service)[0], "attributes.session.id"))


def traces_of(service: str) -> list[str]:
    return sorted({str(value(r, "traceId")) for r in spans(service)})


# --- running queries ----------------------------------------------------------------------------


def window() -> dict[str, int]:
    """A StartQuery time range holding every record."""
    return {"startTime": BASE_MS // 1000 - 60, "endTime": int(time.time()) + 3600}


def start(logs: Any, query: str, groups: list[str] | None = None, **extra: Any) -> str:
    params: dict[str, Any] = {"logGroupNames": groups or [SPANS], "queryString": query, **window(), **extra}
    query_id: str = logs.start_query(**params)["queryId"]
    return query_id


def finish(logs: Any, query_id: str, **extra: Any) -> dict[str, Any]:
    """GetQueryResults until the query is no longer Scheduled or Running (deadline, no sleeping)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer: dict[str, Any] = logs.get_query_results(queryId=query_id, **extra)
        if answer["status"] not in ("Scheduled", "Running"):
            return answer
    raise AssertionError(f"query {query_id} still running after 30 s")


def table(answer: dict[str, Any]) -> list[dict[str, str]]:
    """Result rows as {field: value}, without the @ptr column."""
    return [{c["field"]: c["value"] for c in row if c["field"] != "@ptr"} for row in answer["results"]]


def query(logs: Any, text: str, groups: list[str] | None = None, **extra: Any) -> list[dict[str, str]]:
    return table(finish(logs, start(logs, text, groups, **extra)))
