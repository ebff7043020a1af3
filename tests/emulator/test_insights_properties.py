"""Logs Insights properties over generated filters, and the AWS CLI as a second client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator.insights_data import SPANS, Rec, finish, query, spans, start, value, window

FIELDS = ("kind", "name", "resource.attributes.service.name", "attributes.session.id", "status.code")
VENV_BIN = Path(sys.executable).parent


def _values(name: str) -> list[str]:
    return sorted({str(value(r, name)) for r in spans() if value(r, name) is not None})


Predicate = Callable[[Rec], bool]


@st.composite
def conditions(draw: Any, depth: int = 2) -> tuple[str, Predicate]:
    """A filter expression over real field values, and the same test written in plain Python."""
    if depth > 0 and draw(st.booleans()):
        op = draw(st.sampled_from(["and", "or"]))
        (left, lf), (right, rf) = draw(conditions(depth - 1)), draw(conditions(depth - 1))
        text = f"({left} {op} {right})"
        test: Predicate = (lambda r: lf(r) and rf(r)) if op == "and" else (lambda r: lf(r) or rf(r))
        if draw(st.booleans()):
            return f"not {text}", lambda r: not test(r)
        return text, test
    name = draw(st.sampled_from(FIELDS))
    known = _values(name)
    kind = draw(st.sampled_from(["eq", "ne", "like", "in", "present"]))
    if kind == "present":
        return f"ispresent({name})", lambda r: value(r, name) is not None
    picked = draw(st.sampled_from(known))
    if kind == "like":
        start_at = draw(st.integers(0, max(0, len(picked) - 1)))
        part = picked[start_at : start_at + 4]
        return f'{name} like "{part}"', lambda r: part in str(value(r, name) or "")
    if kind == "in":
        chosen = [picked, *draw(st.lists(st.sampled_from(known), max_size=2))]
        listed = ", ".join(json.dumps(v) for v in chosen)
        return f"{name} in [{listed}]", lambda r: value(r, name) in chosen
    if kind == "eq":
        return f"{name} = {json.dumps(picked)}", lambda r: value(r, name) == picked
    # A missing field matches no comparison, `!=` included (emulator README, Logs Insights).
    return f"{name} != {json.dumps(picked)}", lambda r: value(r, name) not in (None, picked)


PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(condition=conditions())
def test_filter_matches_plain_python_and_stats_counts_it(
    insights: Any, condition: tuple[str, Predicate]
) -> None:
    text, test = condition
    rows = finish(insights, start(insights, f"filter {text} | fields spanId"))
    expected = [str(value(r, "spanId")) for r in spans() if test(r)]
    assert [c["value"] for row in rows["results"] for c in row if c["field"] == "spanId"] == expected
    assert rows["statistics"]["recordsMatched"] == len(expected)
    assert query(insights, f"filter {text} | stats count(*) as n") == [{"n": str(len(expected))}]


@PROPERTY
@given(key=st.sampled_from((*FIELDS, "durationNano", "@timestamp", "spanId")), condition=conditions(depth=1))
def test_sort_is_deterministic_and_desc_reverses_asc_keys(
    insights: Any, key: str, condition: tuple[str, Predicate]
) -> None:
    text = f"filter {condition[0]} | fields {key}, spanId | sort {key} asc"
    first, again = query(insights, text), query(insights, text)
    assert first == again
    descending = query(insights, text.replace(" asc", " desc"))
    present = [row[key] for row in first if key in row]
    assert [row[key] for row in descending if key in row] == present[::-1]
    # Rows without the key come last either way, in the same (newest-first) order.
    assert [r for r in first if key not in r] == [r for r in descending if key not in r]


def _aws(endpoint: str, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_EC2_METADATA_DISABLED="true")
    command = [str(VENV_BIN / "aws"), "logs", *args, "--endpoint-url", endpoint, "--region", "us-east-1"]
    return subprocess.run(
        [*command, "--output", "json"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_aws_cli_runs_insights_queries(insights: Any, emulator: Any) -> None:
    span = window()
    service = "resource.attributes.service.name"
    texts = {
        f"stats count(*) as n by {service}": lambda: sorted(
            ({service: s, "n": str(len(spans(s)))} for s in {str(value(r, service)) for r in spans()}),
            key=lambda row: row[service],
        ),
        f'filter {service} = "agent_lg.DEFAULT" | fields spanId | sort @timestamp asc': lambda: [
            {"spanId": str(value(r, "spanId"))} for r in reversed(spans("agent_lg.DEFAULT"))
        ],
    }
    for text, expect in texts.items():
        started = _aws(
            emulator.endpoint, "start-query", "--log-group-name", SPANS, "--query-string", text,
            "--start-time", str(span["startTime"]), "--end-time", str(span["endTime"]),
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        query_id = json.loads(started.stdout)["queryId"]
        deadline, answer = time.monotonic() + 60, {"status": "Running"}
        while answer["status"] in ("Scheduled", "Running") and time.monotonic() < deadline:
            polled = _aws(emulator.endpoint, "get-query-results", "--query-id", query_id)
            assert polled.returncode == 0, polled.stderr
            answer = json.loads(polled.stdout)
        assert answer["status"] == "Complete"
        got = [{c["field"]: c["value"] for c in row if c["field"] != "@ptr"} for row in answer["results"]]
        if text.startswith("stats"):
            got = sorted(got, key=lambda row: row[service])
        assert got == expect()
    bad = _aws(
        emulator.endpoint, "start-query", "--log-group-name", SPANS, "--query-string", "fields a | nope",
        "--start-time", str(span["startTime"]), "--end-time", str(span["endTime"]),
    )  # fmt: skip
    assert bad.returncode != 0 and "MalformedQueryException" in bad.stderr
