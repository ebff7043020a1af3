"""StartQuery, GetQueryResults, StopQuery, DescribeQueries and GetLogRecord over the query engine."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from evalctl.emulator.insights import engine, source
from evalctl.emulator.insights.nodes import MalformedQuery
from evalctl.emulator.insights.rows import Row
from evalctl.emulator.insights.syntax import parse
from evalctl.emulator.insights.values import render

OPERATIONS = ("StartQuery", "GetQueryResults", "StopQuery", "DescribeQueries", "GetLogRecord")
MAX_GROUPS = 50  # logGroupNames / logGroupIdentifiers: "You can include up to 50 log groups"
PAGE = 10_000  # GetQueryResults: "each page returning up to 10,000 log events"


class LogsError(Exception):
    """An error answered in the CloudWatch Logs JSON protocol (`__type` and `message`)."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra or {}


def invalid(message: str) -> LogsError:
    return LogsError("InvalidParameterException", message)


@dataclass
class Query:
    query_id: str
    query_string: str
    groups: list[str]
    created_ms: int
    region: str
    outcome: engine.Outcome | None = None
    statistics: dict[str, float] = field(default_factory=dict)
    status: str = "Running"
    polls_left: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "queryLanguage": "CWLI",
            "queryId": self.query_id,
            "queryString": self.query_string,
            "status": self.status,
            "createTime": self.created_ms,
            "logGroupName": self.groups[0],
        }


class QueryBook:
    """The queries of the running emulator (in memory; they expire with it, as results do on AWS)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queries: dict[str, Query] = {}

    def clear(self) -> None:
        with self.lock:
            self.queries.clear()

    def answer(self, operation: str, body: bytes, region: str, now: float, polls: int) -> tuple[int, Any]:
        """(HTTP status, JSON document) of one request in the CloudWatch Logs JSON protocol."""
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise invalid("The request body must be a JSON object")
            return 200, self.handle(operation, params, region, now, polls)
        except ValueError:
            error = invalid("The request body is not valid JSON")
        except LogsError as exc:
            error = exc
        except Exception:  # an engine bug must still answer in the protocol, not as an HTML page
            error = LogsError("ServiceUnavailableException", f"The server could not process {operation}")
        doc = {"__type": error.code, "message": error.message, **error.extra}
        # The JSON protocol answers every client error with 400 (ResourceNotFoundException too).
        return (500 if error.code == "ServiceUnavailableException" else 400), doc

    def handle(self, operation: str, params: dict[str, Any], region: str, now: float, polls: int) -> Any:
        """Answer one operation; `polls` is how many GetQueryResults calls see Running first."""
        if operation == "StartQuery":
            query = start(params, region, now, polls)
            with self.lock:
                self.queries[query.query_id] = query
            return {"queryId": query.query_id}
        if operation == "GetLogRecord":
            return log_record(params, region)
        with self.lock:
            if operation == "DescribeQueries":
                return describe(list(self.queries.values()), params, region)
            query = self._get(str(params.get("queryId", "")), region)
            if operation == "StopQuery":
                if query.status != "Running":
                    raise invalid(f"Query {query.query_id} is not running")
                query.status = "Cancelled"
                return {"success": True}
            return results(query, params)

    def _get(self, query_id: str, region: str) -> Query:
        query = self.queries.get(query_id)
        if query is None or query.region != region:
            raise LogsError("ResourceNotFoundException", f"Query {query_id} does not exist")
        return query


def group_names(params: dict[str, Any]) -> list[str]:
    """The log groups of a StartQuery: exactly one of the three parameters, ARNs read as names."""
    given = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(k)]
    if len(given) != 1:
        raise invalid("Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be given")
    value = params[given[0]]
    names = [value] if isinstance(value, str) else list(value)
    if len(names) > MAX_GROUPS:
        raise invalid(f"{given[0]} accepts at most {MAX_GROUPS} log groups")
    return [_name_of(str(n)) for n in names]


def _name_of(identifier: str) -> str:
    # arn:aws:logs:<region>:<account>:log-group:<name>[:*]
    if identifier.startswith("arn:") and ":log-group:" in identifier:
        name = identifier.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    return identifier


def start(params: dict[str, Any], region: str, now: float, polls: int) -> Query:
    """Check and run a query now, over the events stored at this moment."""
    language = params.get("queryLanguage") or "CWLI"
    if language != "CWLI":
        raise invalid(f"queryLanguage {language} is not supported by the emulator (Logs Insights QL only)")
    groups = group_names(params)
    start_s, end_s = _seconds(params, "startTime"), _seconds(params, "endTime")
    if not isinstance(params.get("queryString"), str):
        raise invalid("queryString is required")
    if end_s < start_s:
        raise invalid("endTime must be greater than or equal to startTime")
    text = str(params["queryString"])
    try:
        commands = parse(text)
    except MalformedQuery as exc:
        location = {"startCharOffset": exc.start, "endCharOffset": exc.end}
        compile_error = {"location": location, "message": exc.message}
        raise LogsError(
            "MalformedQueryException", exc.message, {"queryCompileError": compile_error}
        ) from None
    unknown = source.missing(region, groups)
    if unknown:
        raise LogsError("ResourceNotFoundException", f"Log group '{unknown[0]}' does not exist")
    scan = source.scan(region, groups, start_s * 1000, end_s * 1000)
    limit = int(params.get("limit") or engine.DEFAULT_LIMIT)
    outcome = engine.run(commands, scan.events, limit)
    statistics = {
        "recordsMatched": float(outcome.matched),
        "recordsScanned": float(scan.scanned),
        "bytesScanned": float(scan.bytes),
    }
    query = Query(str(uuid.uuid4()), text, groups, int(now * 1000), region, outcome, statistics)
    query.polls_left = max(0, polls)
    query.status = "Running" if query.polls_left else "Complete"
    return query


def _seconds(params: dict[str, Any], key: str) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise invalid(f"{key} is required: epoch seconds")
    return int(value)


def results(query: Query, params: dict[str, Any]) -> dict[str, Any]:
    """One page of a query's results; Running (and no rows yet) for its first `polls` reads."""
    if query.status == "Running" and query.polls_left > 0:
        query.polls_left -= 1
        if query.polls_left == 0:
            query.status = "Complete"
        zero = {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}
        return {"queryLanguage": "CWLI", "results": [], "statistics": zero, "status": "Running"}
    rows = query.outcome.rows if query.outcome is not None and query.status == "Complete" else []
    size = int(params.get("maxItems") or PAGE)
    offset = _offset(params.get("nextToken"))
    page = rows[offset : offset + size]
    answer: dict[str, Any] = {
        "queryLanguage": "CWLI",
        "results": page,
        "statistics": query.statistics,
        "status": query.status,
    }
    if offset + size < len(rows):
        answer["nextToken"] = f"{query.query_id}:{offset + size}"
    return answer


def _offset(token: Any) -> int:
    if not token:
        return 0
    tail = str(token).rsplit(":", 1)[-1]
    if not tail.isdigit():
        raise invalid("The nextToken is not valid")
    return int(tail)


def describe(queries: list[Query], params: dict[str, Any], region: str) -> dict[str, Any]:
    """Recent queries, newest first, filtered by log group, status and language."""
    group, status = params.get("logGroupName"), params.get("status")
    language = params.get("queryLanguage")
    chosen = [
        q
        for q in sorted(queries, key=lambda q: -q.created_ms)
        if q.region == region
        and (group is None or group in q.groups)
        and (status is None or q.status == status)
        and (language is None or language == "CWLI")
    ]
    offset = _offset(params.get("nextToken"))
    size = int(params.get("maxResults") or 1000)
    answer: dict[str, Any] = {"queries": [q.info() for q in chosen[offset : offset + size]]}
    if offset + size < len(chosen):
        answer["nextToken"] = f"queries:{offset + size}"
    return answer


def log_record(params: dict[str, Any], region: str) -> dict[str, Any]:
    """Every field of the event an @ptr names, as strings."""
    event = source.find(region, str(params.get("logRecordPointer", "")))
    if event is None:
        raise invalid("The log record pointer is not valid")
    fields = Row(event).all_fields()
    return {"logRecord": {name: render(value) for name, value in fields.items() if value is not None}}
