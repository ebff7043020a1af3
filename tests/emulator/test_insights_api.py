"""Logs Insights operations: lifecycle, statistics, errors, limits, pagination, Stop/Describe/GetLogRecord."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import error_code
from tests.emulator.insights_data import (
    ACCOUNT,
    PLAIN,
    PLAIN_LINES,
    SPANS,
    finish,
    in_group,
    query,
    spans,
    start,
    table,
    window,
)


def test_a_query_runs_then_completes_with_rows_of_field_value_strings(insights: Any) -> None:
    query_id = start(insights, "fields @timestamp, name, durationNano | limit 3")
    first = insights.get_query_results(queryId=query_id)
    assert first["status"] == "Running" and first["results"] == []
    done = finish(insights, query_id)
    assert done["status"] == "Complete"
    assert len(done["results"]) == 3
    for row in done["results"]:
        assert [c["field"] for c in row] == ["@timestamp", "name", "durationNano", "@ptr"]
        assert all(isinstance(c["value"], str) for c in row)


def test_statistics_count_scanned_and_matched_events_and_bytes(insights: Any) -> None:
    done = finish(insights, start(insights, 'filter kind = "SERVER" | fields name'))
    stats = done["statistics"]
    assert stats["recordsScanned"] == len(spans())
    assert stats["bytesScanned"] == sum(len(r.message.encode()) for r in spans())
    assert stats["recordsMatched"] == len(done["results"]) == sum(r.doc["kind"] == "SERVER" for r in spans())


def test_a_query_without_fields_returns_every_discovered_field(insights: Any) -> None:
    done = finish(insights, start(insights, "limit 1"))
    (row,) = done["results"]
    fields = {c["field"]: c["value"] for c in row}
    newest = spans()[0]
    assert fields["@message"] == newest.message
    assert fields["@log"] == f"{ACCOUNT}:{SPANS}"
    assert fields["resource.attributes.service.name"] == newest.doc["resource"]["attributes"]["service.name"]
    assert fields["traceId"] == newest.doc["traceId"] and "@ptr" in fields


def test_zero_running_polls_completes_at_once(insights: Any, emulator: Any) -> None:
    emulator.admin.configure(insights_running_polls=0)
    answer = insights.get_query_results(queryId=start(insights, "stats count(*)"))
    assert answer["status"] == "Complete"
    assert table(answer) == [{"count(*)": str(len(spans()))}]


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ("fields name | frobnicate x", "frobnicate"),
        ("fields name | filter kind = ", ""),
        ("filter nosuch(name) = 1", "nosuch(name)"),
        ("filter count(*) > 2", "count(*)"),
        ("parse @message /(unclosed/", "/(unclosed/"),
        ("fields name | dedup name | sort name", None),
    ],
)
def test_a_malformed_query_is_refused_naming_where(insights: Any, text: str, culprit: str | None) -> None:
    with pytest.raises(ClientError) as caught:
        start(insights, text)
    assert error_code(caught) == "MalformedQueryException"
    location = caught.value.response["queryCompileError"]["location"]
    if culprit is not None:
        at = text.index(culprit) if culprit else len(text)
        assert location["startCharOffset"] == at
        assert location["endCharOffset"] == at + len(culprit)


def test_unknown_log_group_is_not_found(insights: Any) -> None:
    with pytest.raises(ClientError) as caught:
        start(insights, "fields @message", ["/no/such/group"])
    assert error_code(caught) == "ResourceNotFoundException"


def test_exactly_one_way_of_naming_log_groups(insights: Any) -> None:
    both = {"logGroupName": SPANS, "logGroupNames": [SPANS], "queryString": "fields name", **window()}
    with pytest.raises(ClientError) as caught:
        insights.start_query(**both)
    assert error_code(caught) == "InvalidParameterException"
    with pytest.raises(ClientError) as caught:
        insights.start_query(queryString="fields name", **window())
    assert error_code(caught) == "InvalidParameterException"


def test_log_group_arns_and_reversed_windows(insights: Any) -> None:
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{PLAIN}:*"
    query_id = insights.start_query(logGroupIdentifiers=[arn], queryString="stats count(*) as n", **window())
    assert table(finish(insights, query_id["queryId"])) == [{"n": str(len(PLAIN_LINES))}]
    span = window()
    with pytest.raises(ClientError) as caught:
        insights.start_query(
            logGroupName=SPANS,
            queryString="fields name",
            startTime=span["endTime"],
            endTime=span["startTime"],
        )
    assert error_code(caught) == "InvalidParameterException"


def test_only_events_inside_the_window_are_scanned(insights: Any) -> None:
    plain = sorted(in_group(PLAIN), key=lambda r: r.ts)
    # Whole seconds, both ends inclusive: the window holds exactly the 2nd to the 4th line.
    start_s, end_s = plain[1].ts // 1000, plain[3].ts // 1000
    query_id = insights.start_query(
        logGroupName=PLAIN, queryString="fields @message", startTime=start_s, endTime=end_s
    )["queryId"]
    done = finish(insights, query_id)
    assert [r["@message"] for r in table(done)] == [r.message for r in reversed(plain[1:4])]
    assert done["statistics"]["recordsScanned"] == 3


def test_limit_parameter_and_pages(insights: Any) -> None:
    assert len(query(insights, "fields name", limit=7)) == 7
    query_id = start(insights, "fields spanId")
    pages, token = [], None
    while True:
        answer = finish(insights, query_id, maxItems=20, **({"nextToken": token} if token else {}))
        pages.append(table(answer))
        token = answer.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [20, 20, 20, len(spans()) - 60]
    assert [row for page in pages for row in page] == query(insights, "fields spanId")


def test_results_stop_at_ten_thousand_rows_by_default(insights: Any) -> None:
    now = int(time.time() * 1000)
    insights.create_log_group(logGroupName="/big")
    insights.create_log_stream(logGroupName="/big", logStreamName="s")
    for chunk in range(2):
        events = [{"timestamp": now - 5000 + i % 1000, "message": f"line {chunk}-{i}"} for i in range(5050)]
        events.sort(key=lambda e: e["timestamp"])
        insights.put_log_events(logGroupName="/big", logStreamName="s", logEvents=events)
    done = finish(insights, start(insights, "fields @message", ["/big"]))
    assert len(done["results"]) == 10_000
    assert done["statistics"]["recordsMatched"] == 10_100


def test_stop_cancels_a_running_query_and_refuses_a_finished_one(insights: Any) -> None:
    running = start(insights, "fields name")
    assert insights.stop_query(queryId=running)["success"] is True
    assert insights.get_query_results(queryId=running)["status"] == "Cancelled"
    done = start(insights, "fields name")
    finish(insights, done)
    with pytest.raises(ClientError) as caught:
        insights.stop_query(queryId=done)
    assert error_code(caught) == "InvalidParameterException"
    with pytest.raises(ClientError) as caught:
        insights.get_query_results(queryId="no-such-query")
    assert error_code(caught) == "ResourceNotFoundException"


def test_describe_queries_lists_recent_queries_by_group_and_status(insights: Any) -> None:
    spans_query = start(insights, "fields name")
    plain_query = start(insights, "fields @message", [PLAIN])
    finish(insights, plain_query)
    listed = insights.describe_queries()["queries"]
    assert {q["queryId"] for q in listed} == {spans_query, plain_query}
    by_group = insights.describe_queries(logGroupName=PLAIN)["queries"]
    assert [(q["queryId"], q["status"], q["queryString"]) for q in by_group] == [
        (plain_query, "Complete", "fields @message")
    ]
    running = insights.describe_queries(status="Running")["queries"]
    assert [q["queryId"] for q in running] == [spans_query]


def test_get_log_record_reads_the_event_behind_a_pointer(insights: Any) -> None:
    done = finish(insights, start(insights, "fields spanId | limit 1"))
    pointer = next(c["value"] for c in done["results"][0] if c["field"] == "@ptr")
    record = insights.get_log_record(logRecordPointer=pointer)["logRecord"]
    assert record["@message"] == spans()[0].message
    assert record["spanId"] == spans()[0].doc["spanId"]
    with pytest.raises(ClientError) as caught:
        insights.get_log_record(logRecordPointer="not-a-pointer")
    assert error_code(caught) == "InvalidParameterException"


def test_other_query_languages_are_refused(insights: Any) -> None:
    with pytest.raises(ClientError) as caught:
        start(insights, "SELECT * FROM `aws/spans`", queryLanguage="SQL")
    assert error_code(caught) == "InvalidParameterException"


def test_sort_follows_the_natural_order_of_the_aws_sort_page(insights: Any) -> None:
    # The ascending example of CWL_QuerySyntax-Sort: symbols by code point, digit runs by length,
    # then letters, and every number after every non-number.
    documented = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh"]
    documented += ["0", "1", "2", "3"]
    now = int(time.time() * 1000)
    insights.create_log_group(logGroupName="/sorting")
    insights.create_log_stream(logGroupName="/sorting", logStreamName="s")
    shuffled = documented[7:] + documented[:7]
    events = [{"timestamp": now - 1000 + i, "message": m} for i, m in enumerate(shuffled)]
    insights.put_log_events(logGroupName="/sorting", logStreamName="s", logEvents=events)
    ascending = query(insights, "fields @message | sort @message asc", ["/sorting"])
    assert [r["@message"] for r in ascending] == documented
    descending = query(insights, "fields @message | sort @message desc", ["/sorting"])
    assert [r["@message"] for r in descending] == documented[::-1]
