"""Time Logs Insights queries over many span events, side by side with a bare Python list comprehension.

The events are the captured Strands and LangGraph spans, copied with `BENCH_SERVICES` service names and
`BENCH_SESSIONS` session ids, stored in `aws/spans` of a running emulator. Each query runs through
boto3 over HTTP (StartQuery + GetQueryResults); the baseline does the same filtering (and counting)
with `json.loads` and a comprehension over the stored messages. Figures are medians of `BENCH_REPEAT`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalctl.emulator import cwlogs  # noqa: E402
from evalctl.emulator.testing import running_emulator  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
SERVICES = int(os.environ.get("BENCH_SERVICES", "20"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "500"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SPANS = ROOT / "tests" / "data" / "spans"
GROUP = "aws/spans"
SVC, SID = "resource.attributes.service.name", "attributes.session.id"
Work = Callable[[list[dict[str, Any]]], int]


def messages() -> list[str]:
    """EVENTS span documents (JSON): the captures over and over, each copy with its service and session."""
    base = [
        row["raw_otel_json"]
        for name in ("raw_otel_strands_bedrock_spans.json", "raw_otel_langchain_spans.json")
        for row in json.loads((SPANS / name).read_text())
    ]
    out = []
    for index in range(EVENTS):
        doc = json.loads(json.dumps(base[index % len(base)]))
        doc["resource"]["attributes"]["service.name"] = f"agent{index % SERVICES}.DEFAULT"
        doc.setdefault("attributes", {})["session.id"] = f"session-{index % SESSIONS:04d}"
        out.append(json.dumps(doc))
    return out


def run(logs: Any, text: str) -> tuple[float, int]:
    """Seconds from StartQuery to the complete results, and the number of rows."""
    began = time.perf_counter()
    query_id = logs.start_query(logGroupName=GROUP, queryString=text, startTime=0, endTime=2**31)["queryId"]
    while (answer := logs.get_query_results(queryId=query_id))["status"] != "Complete":
        pass
    return time.perf_counter() - began, len(answer["results"])


def baseline(messages: list[str], work: Work) -> tuple[float, int]:
    began = time.perf_counter()
    rows = work([json.loads(m) for m in messages])
    return time.perf_counter() - began, rows


def svc(doc: dict[str, Any]) -> str:
    return str(doc["resource"]["attributes"]["service.name"])


def main() -> None:
    texts = messages()
    start_ms = int(time.time() * 1000) - EVENTS
    events = [(start_ms + i, m) for i, m in enumerate(texts)]
    one_svc, one_sid = "agent3.DEFAULT", "session-0003"
    queries: list[tuple[str, Work]] = [
        (
            f'filter {SID} = "{one_sid}" and {SVC} = "{one_svc}" | fields traceId, spanId, name',
            lambda ds: len(
                [d for d in ds if d["attributes"].get("session.id") == one_sid and svc(d) == one_svc]
            ),
        ),
        (
            f'filter {SVC} = "{one_svc}" | stats count(*) by {SID}',
            lambda ds: len(Counter(d["attributes"]["session.id"] for d in ds if svc(d) == one_svc)),
        ),
        (
            f"stats count(*), avg(durationNano) by {SVC}",
            lambda ds: len({svc(d): 0 for d in ds if "durationNano" in d}),
        ),
        (
            "filter name like /chat/ | stats count(*) as n",
            lambda ds: 1 if [d for d in ds if "chat" in str(d.get("name", ""))] else 0,
        ),
    ]
    with running_emulator() as emu:
        emu.admin.configure(insights_running_polls=0)
        logs = emu.client("logs")
        loaded = time.perf_counter()
        cwlogs.put_events("us-east-1", GROUP, "default", events)
        print(f"{EVENTS} span events stored in {time.perf_counter() - loaded:.1f} s "
              f"({sum(len(m) for m in texts) / 1e6:.0f} MB)")  # fmt: skip
        print(f"{'query':<98} {'engine':>8} {'listcomp':>9} {'ratio':>6} {'rows':>6}")
        for text, work in queries:
            ours = [run(logs, text) for _ in range(REPEAT)]
            bare = [baseline(texts, work) for _ in range(REPEAT)]
            assert ours[0][1] == bare[0][1], f"{text}: {ours[0][1]} rows, the comprehension {bare[0][1]}"
            engine_s = statistics.median(t for t, _ in ours)
            bare_s = statistics.median(t for t, _ in bare)
            ratio = engine_s / bare_s
            print(f"{text[:98]:<98} {engine_s:>7.2f}s {bare_s:>8.2f}s {ratio:>5.1f}x {ours[0][1]:>6}")


if __name__ == "__main__":
    main()
