"""Span parsing against the recorded captures in tests/data/spans (see SOURCE.md there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalctl.engine.records import UNKNOWN_SESSION_ID
from evalctl.engine.spans import SpanFileError, load_span_file, parse_sessions, sessions_from_documents

STRANDS_SESSION = "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
LANGCHAIN_SESSION = "383c4a9d-5682-4186-a125-e226f9f6c141"
OPENAI_SESSION = "29fb7129-8624-4bd2-b37b-dea182f63ce8"
STRANDS_TRACES = [
    "691bb664386ff51a6e07acb05320a88f",
    "691bb69408ef53c72315fae60a6ae06e",
    "691bb6a875f4b80435ad36816864e7c2",
]
LANGCHAIN_TRACES = ["691bbd2521293a552b6cbb5c30547369", "691bbd4b51c1a4c319aa2bf92068c474"]

# (files, session id, trace ids, prompts, reason); facts read from the files by hand.
SESSION_CASES = [
    (
        ("raw_otel_strands_bedrock_spans.json",),
        STRANDS_SESSION,
        STRANDS_TRACES,
        ["", "", ""],
        "starter-toolkit Strands spans: 3 turns, no events, so no prompt text",
    ),
    (
        ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json"),
        STRANDS_SESSION,
        STRANDS_TRACES,
        ["", "", "Hello"],
        "starter-toolkit Strands spans + events: events cover the last turn only",
    ),
    (
        ("raw_otel_strands_bedrock_runtime_logs.json",),
        STRANDS_SESSION,
        STRANDS_TRACES[2:],
        ["Hello"],
        "starter-toolkit Strands runtime events alone stand in for their spans",
    ),
    (
        ("raw_otel_langchain_spans.json",),
        LANGCHAIN_SESSION,
        LANGCHAIN_TRACES,
        ["", ""],
        "starter-toolkit LangGraph spans without events",
    ),
    (
        ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json"),
        LANGCHAIN_SESSION,
        LANGCHAIN_TRACES,
        ["Hello", "Hello, find everything about me from my memory "],
        "starter-toolkit LangGraph spans paired with their events",
    ),
    (
        ("raw_otel_langchain_tool_runtime_logs.json",),
        LANGCHAIN_SESSION,
        ["691eb3981d03a56943bfe83732bf8aca"],
        ["calculate currentv time in difefrent formats using code interoprter  "],
        "starter-toolkit LangGraph tool turn, events only",
    ),
    (
        ("openai_agents_openinference_adot_spans.json",),
        OPENAI_SESSION,
        ["6a7a3f1922f7ce5131daefbb30a8a41a"],
        ["What is 42 * 7, and what's the weather in Seattle?"],
        "strands-evals OpenAI Agents capture: prompt from OpenInference attributes",
    ),
    (
        ("openinference_adot_spans.json",),
        UNKNOWN_SESSION_ID,
        ["adot-trace-1", "adot-trace-2"],
        ["What is the weather in Alaska?", "Tell me a joke"],
        "strands-evals synthetic OpenInference file: no session.id, merged span_events",
    ),
]


@pytest.mark.parametrize(("files", "session_id", "trace_ids", "prompts", "reason"), SESSION_CASES)
def test_sessions_traces_and_prompts(sessions_of, files, session_id, trace_ids, prompts, reason):
    """Each capture yields one session with its turns in time order and their user prompts."""
    sessions = sessions_of(*files)
    assert [s.session_id for s in sessions] == [session_id], reason
    traces = sessions[0].traces
    assert [t.trace_id for t in traces] == trace_ids, reason
    assert [t.user_prompt for t in traces] == prompts, reason


# (files, trace index, response prefix, reason)
RESPONSE_CASES = [
    (
        ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json"),
        2,
        "Hello! I'm here and ready to assist you.",
        "Strands invoke_agent event output (starter-toolkit)",
    ),
    (
        ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json"),
        0,
        "Hello! How can I help you today?",
        "LangGraph workflow output's last AIMessage (starter-toolkit)",
    ),
    (
        ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json"),
        1,
        "I apologize, but I do not have any pre-existing personal memory",
        "second LangGraph turn",
    ),
    (
        ("raw_otel_langchain_tool_runtime_logs.json",),
        0,
        "Here's a comprehensive Python script",
        "the final answer after the tool, not the tool-use preamble (starter-toolkit)",
    ),
    (
        ("openai_agents_openinference_adot_spans.json",),
        0,
        "The product of \\(42 \\times 7\\) is \\(294\\).",
        "last LLM span's llm.output_messages (strands-evals capture)",
    ),
    (
        ("openinference_adot_spans.json",),
        0,
        "The weather in Alaska is -5C and snowy.",
        "outermost agent span, not the LangGraph 'remaining_steps' bookkeeping span (strands-evals)",
    ),
    (("openinference_adot_spans.json",), 1, "Why did the chicken cross the road?", "second synthetic trace"),
]


@pytest.mark.parametrize(("files", "index", "prefix", "reason"), RESPONSE_CASES)
def test_assistant_responses(sessions_of, files, index, prefix, reason):
    """The final assistant answer of a turn is extracted, whatever the framework."""
    trace = sessions_of(*files)[0].traces[index]
    assert trace.assistant_response.startswith(prefix), reason


# (file, expected (trace id, span id, name, arguments, result, error) tuples, reason)
TOOL_CASES = [
    (
        "raw_otel_langchain_tool_runtime_logs.json",
        [
            (
                "691eb3981d03a56943bfe83732bf8aca",
                "68a26f181f94af84",
                "calculator",
                {"expression": "1"},
                "1",
                None,
            )
        ],
        "LangChain ToolMessage event; args from the logged inputs (starter-toolkit)",
    ),
    (
        "openai_agents_openinference_adot_spans.json",
        [
            (
                "6a7a3f1922f7ce5131daefbb30a8a41a",
                "b66d0b3d5a01d316",
                "multiply_numbers",
                {"a": 42, "b": 7},
                "294.0",
                None,
            )
        ],
        "OpenInference TOOL span with tool.name; the handoff span is not a tool call (strands-evals)",
    ),
    (
        "openinference_adot_spans.json",
        [
            (
                "adot-trace-1",
                "adot-tool-1",
                "get_weather",
                {"city": "Alaska"},
                "Weather in Alaska: -5C, snowy",
                None,
            )
        ],
        "Python-repr arguments are read as a dict (strands-evals synthetic)",
    ),
    ("raw_otel_strands_bedrock_spans.json", [], "this Strands capture has no execute_tool span"),
]


@pytest.mark.parametrize(("name", "expected", "reason"), TOOL_CASES)
def test_tool_calls(sessions_of, name, expected, reason):
    """Tool calls carry span, trace, name, decoded arguments, result and error."""
    calls = sessions_of(name)[0].tool_calls
    got = [(c.trace_id, c.span_id, c.name, c.arguments, c.result, c.error) for c in calls]
    assert got == expected, reason


@pytest.mark.parametrize(
    ("name", "tools", "reason"),
    [
        ("raw_otel_strands_bedrock_spans.json", ["code_interpreter"], "gen_ai.agent.tools on invoke_agent"),
        ("raw_otel_langchain_spans.json", ["calculator"], "llm.request.functions.0.name"),
        (
            "openai_agents_openinference_adot_spans.json",
            [
                "transfer_to_math_specialist",
                "transfer_to_research_specialist",
                "add_numbers",
                "multiply_numbers",
                "divide_numbers",
            ],
            "llm.tools.N.tool.json_schema, first seen first",
        ),
    ],
)
def test_available_tools(sessions_of, name, tools, reason):
    """Declared tools are collected for the {available_tools} placeholder."""
    assert sessions_of(name)[0].available_tools == tools, reason


def test_span_ids_and_documents_per_trace(sessions_of):
    """All 50 Strands spans land in their traces; every document stays with its session."""
    session = sessions_of(
        "raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json"
    )[0]
    assert [len(t.span_ids) for t in session.traces] == [14, 18, 18]
    assert "75d7e5e947e5af53" in session.traces[2].span_ids
    assert len(session.documents) == 100


def test_fixture_rows_with_string_payload_and_cloudwatch_documents(span_fixtures: Path, tmp_path: Path):
    """`raw_otel_json` as a JSON string and CloudWatch documents as strings parse like dicts."""
    rows = json.loads((span_fixtures / "raw_otel_langchain_runtime_logs.json").read_text())
    as_strings = [
        {"timestamp": r["timestamp"], "raw_otel_json": json.dumps(r["raw_otel_json"])} for r in rows
    ]
    path = tmp_path / "strings.json"
    path.write_text(json.dumps(as_strings))
    from_strings = parse_sessions(load_span_file(path))
    stored = sessions_from_documents([json.dumps(r["raw_otel_json"]) for r in rows] + ["not json"])
    baseline = parse_sessions(load_span_file(span_fixtures / "raw_otel_langchain_runtime_logs.json"))
    for sessions in (from_strings, stored):
        assert [t.user_prompt for t in sessions[0].traces] == [t.user_prompt for t in baseline[0].traces]


def test_normalized_events_shape():
    """strands-evals' normalized shape (snake_case ids, inline `events`) is read like span_events."""
    doc = {
        "trace_id": "t" * 32,
        "span_id": "s" * 16,
        "parent_span_id": None,
        "name": "invoke_agent",
        "start_time": 1,
        "end_time": 2,
        "scope": {"name": "strands.telemetry.tracer"},
        "attributes": {"session.id": "sess-1"},
        "status": {"code": "OK"},
        "events": [
            {
                "body": {
                    "input": {"messages": [{"role": "user", "content": "Hi there"}]},
                    "output": {"messages": [{"role": "assistant", "content": "Hello!"}]},
                }
            }
        ],
    }
    [session] = parse_sessions([doc])
    assert (session.session_id, session.traces[0].user_prompt, session.traces[0].assistant_response) == (
        "sess-1",
        "Hi there",
        "Hello!",
    )


def test_unsupported_scopes_alone_make_no_trace():
    """A trace of only HTTP/botocore spans is not an agent turn."""
    doc = {
        "traceId": "a" * 32,
        "spanId": "b" * 16,
        "name": "POST /invocations",
        "startTimeUnixNano": 1,
        "endTimeUnixNano": 2,
        "scope": {"name": "opentelemetry.instrumentation.starlette"},
        "attributes": {"session.id": "s1"},
    }
    assert parse_sessions([doc]) == []


def test_json_lines_file(span_fixtures: Path, tmp_path: Path):
    """A JSON-lines export (one document a line) loads like a JSON list."""
    rows = json.loads((span_fixtures / "openinference_adot_spans.json").read_text())
    path = tmp_path / "spans.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert len(load_span_file(path)) == len(rows)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("{not json", "neither JSON nor JSON lines"), ('"a string"', "JSON that is not a list of documents")],
)
def test_bad_span_files(tmp_path: Path, text, reason):
    """Unreadable files raise SpanFileError naming the file."""
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SpanFileError, match=r"bad\.json"):
        load_span_file(path)


def _span(span_id, name, scope, attributes, start, status="OK", **extra):
    return {
        "traceId": "c" * 32,
        "spanId": span_id,
        "name": name,
        "scope": {"name": scope},
        "startTimeUnixNano": start,
        "endTimeUnixNano": start + 10,
        "status": {"code": status},
        "attributes": {"session.id": "s-tools", **attributes},
        **extra,
    }


def _event(span_id, scope, inputs, outputs):
    return {
        "traceId": "c" * 32,
        "spanId": span_id,
        "scope": {"name": scope},
        "timeUnixNano": 1,
        "attributes": {"event.name": scope, "session.id": "s-tools"},
        "body": {"input": {"messages": inputs}, "output": {"messages": outputs}},
    }


@pytest.mark.parametrize(
    ("docs", "expected", "reason"),
    [
        (
            [
                _span(
                    "1" * 16,
                    "execute_tool lookup",
                    "strands.telemetry.tracer",
                    {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"},
                    5,
                    status="ERROR",
                ),
                _event(
                    "1" * 16,
                    "strands.telemetry.tracer",
                    [{"role": "tool", "content": '{"city": "Oslo"}'}],
                    [{"role": "tool", "content": [{"text": "no such city"}]}],
                ),
            ],
            ("lookup", {"city": "Oslo"}, "no such city", "span status is ERROR"),
            "Strands execute_tool span: name attribute, arguments and result from its event, ERROR status",
        ),
        (
            [
                _span(
                    "2" * 16,
                    "search.tool",
                    "opentelemetry.instrumentation.langchain",
                    {
                        "traceloop.span.kind": "tool",
                        "traceloop.entity.name": "search",
                        "traceloop.entity.input": "{'q': 'x'}",
                        "traceloop.entity.output": '{"hits": 2}',
                    },
                    5,
                )
            ],
            ("search", {"q": "x"}, {"hits": 2}, None),
            "LangChain (traceloop) tool span attributes",
        ),
    ],
)
def test_tool_spans_without_fixture(docs, expected, reason):
    """Tool shapes no capture contains, built by hand from the instrumentations' attribute names."""
    [call] = parse_sessions(docs)[0].tool_calls
    assert (call.name, call.arguments, call.result, call.error) == expected, reason


def test_a_later_turns_history_is_not_read_as_the_earlier_turns_prompts(span_fixtures: Path, sessions_of):
    """The Strands capture's runtime logs are the last turn's records only; that turn's model input repeats
    the conversation so far (gen_ai.user.message events), more user turns than the capture has traces, so
    which of them an earlier captured trace asked cannot be told: those traces keep no prompt."""
    logs = load_span_file(span_fixtures / "raw_otel_strands_bedrock_runtime_logs.json")
    history = [d["body"]["content"][0]["text"] for d in logs
               if (d.get("attributes") or {}).get("event.name") == "gen_ai.user.message"
               and "text" in d["body"]["content"][0]]  # fmt: skip
    assert {d.get("traceId") for d in logs} - {None} == {STRANDS_TRACES[2]}
    traces = sessions_of("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")[
        0
    ].traces
    assert len(history) > len(traces), "the history reaches back before the captured turns"
    assert [t.user_prompt for t in traces] == ["", "", history[0]], (
        "the newest user message is the turn's own"
    )
