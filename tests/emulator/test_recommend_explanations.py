"""The deterministic recommendation explains itself (RecommendationExplanation), names a turn whose user
input no document read holds and says which documents would; `evalctl recommend` never prints an empty
`explanation:` line. Against the emulator over HTTP, with the repository's real captures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from evalctl.cli.recommend_show import NO_EXPLANATION, render, view
from evalctl.emulator.recommend_model import MAX_EXPLANATION
from evalctl.engine.spans import load_span_file, parse_sessions

PROMPT = "You are a helpful assistant."
HELPFULNESS = "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"
LANGCHAIN = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
STRANDS = ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")


def _documents(span_fixtures: Path, files: tuple[str, ...]) -> list[dict[str, Any]]:
    return [row["raw_otel_json"] for f in files for row in json.loads((span_fixtures / f).read_text())]


def _prompt_result(emulator: Any, data: Any, traces: dict[str, Any], name: str) -> dict[str, Any]:
    config = {"systemPromptRecommendationConfig": {
        "systemPrompt": {"text": PROMPT}, "agentTraces": traces,
        "evaluationConfig": {"evaluators": [{"evaluatorArn": HELPFULNESS}]},
    }}  # fmt: skip
    started = data.start_recommendation(
        name=name, type="SYSTEM_PROMPT_RECOMMENDATION", recommendationConfig=config
    )
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=started["recommendationId"])
    assert done["status"] == "COMPLETED"
    result: dict[str, Any] = done["recommendationResult"]["systemPromptRecommendationResult"]
    return result


def test_a_system_prompt_explanation_says_what_was_read_scored_and_added(
    emulator: Any, data: Any, harsh: Any, span_fixtures: Path
) -> None:
    docs = _documents(span_fixtures, LANGCHAIN)
    result = _prompt_result(emulator, data, {"sessionSpans": docs}, "explained")
    why = result["explanation"]
    assert why.startswith(
        "Emulated, deterministic recommendation (evalctl emulator: rules, no model wrote it)."
    )
    sessions = parse_sessions(docs)
    turns = sum(len(s.traces) for s in sessions)
    assert f"Read {turns} turns in {len(sessions)} sessions from the {len(docs)} inline sessionSpans" in why
    assert f"{turns} of {turns} results scored below 0.5" in why
    lessons = [line for line in result["recommendedSystemPrompt"].splitlines() if line.startswith("- For ")]
    assert f"appended {len(lessons)} lesson(s)" in why and len(lessons) == turns
    assert "no user input" not in why, "every LangChain turn's prompt is in its runtime log records"
    assert len(why) <= MAX_EXPLANATION


def test_strands_turns_without_their_log_records_are_named_and_the_missing_documents_said(
    emulator: Any, data: Any, harsh: Any, span_fixtures: Path
) -> None:
    # The capture's runtime logs hold the records of its last trace only; the spans carry no message text.
    spans_only = _prompt_result(emulator, data, {"sessionSpans": _documents(span_fixtures, STRANDS[:1])}, "a")
    both = _prompt_result(emulator, data, {"sessionSpans": _documents(span_fixtures, STRANDS)}, "b")
    (session,) = parse_sessions(load_span_file(span_fixtures / STRANDS[0]))
    ids = [t.trace_id for t in session.traces]
    assert f"{len(ids)} of {len(ids)} turns have no user input" in spans_only["explanation"]
    assert f"2 of {len(ids)} turns have no user input" in both["explanation"]
    for result in (spans_only, both):
        assert "runtime log records (body.input.messages" in result["explanation"]
    assert "add those records to sessionSpans" in spans_only["explanation"]
    # Was "add those records" too, although they were given: they hold the last turn's messages only.
    assert "add those records" not in both["explanation"]
    assert (
        "the runtime log records in sessionSpans hold none for these turns: add theirs" in both["explanation"]
    )
    lessons = [line for line in both["recommendedSystemPrompt"].splitlines() if line.startswith("- For ")]
    assert any(line.startswith('- For requests like "Hello": ') for line in lessons)
    for trace_id in ids[:2]:
        named = (
            f"- For the turn of trace {trace_id} (its user input is in no document read: see the explanation)"
        )
        assert any(line.startswith(named) for line in lessons), lessons


def test_reading_aws_spans_alone_says_to_name_the_runtime_log_group(
    emulator: Any, data: Any, harsh: Any, span_fixtures: Path
) -> None:
    emulator.admin.seed([span_fixtures / f for f in STRANDS], "agent.DEFAULT")
    now = dt.datetime.fromtimestamp(emulator.admin.now(), dt.UTC)
    logs = {"logGroupArns": ["arn:aws:logs:us-east-1:123456789012:log-group:aws/spans"],
            "serviceNames": ["agent.DEFAULT"], "startTime": now - dt.timedelta(days=1),
            "endTime": now + dt.timedelta(hours=1)}  # fmt: skip
    why = _prompt_result(emulator, data, {"cloudwatchLogs": logs}, "spans_only")["explanation"]
    assert "from aws/spans alone" in why
    assert "only aws/spans was read: name the runtime log group too" in why


def test_each_tool_gets_its_own_explanation(emulator: Any, data: Any, span_fixtures: Path) -> None:
    given = (("calculator", "Evaluates arithmetic."), ("weather", "Gives the weather."))
    tools = [{"toolName": n, "toolDescription": {"text": d}} for n, d in given]
    docs = _documents(
        span_fixtures, ("raw_otel_langchain_spans.json", "raw_otel_langchain_tool_runtime_logs.json")
    )
    config = {
        "toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}},
            "agentTraces": {"sessionSpans": docs},
        }
    }
    started = data.start_recommendation(
        name="t", type="TOOL_DESCRIPTION_RECOMMENDATION", recommendationConfig=config
    )
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=started["recommendationId"])
    result = done["recommendationResult"]["toolDescriptionRecommendationResult"]
    assert "explanation" not in result, "ToolDescriptionRecommendationResult has no explanation member"
    why = {t["toolName"]: t["explanation"] for t in result["tools"]}
    assert why["calculator"].startswith("Emulated, deterministic recommendation")
    turns = sum(len(s.traces) for s in parse_sessions(docs))
    assert "Tool calculator: Called in " in why["calculator"] and f" of {turns} turns (" in why["calculator"]
    assert f"Read {turns} turns from the {len(docs)} inline sessionSpans documents" in why["weather"]
    assert "Tool weather: Never called in these traces" in why["weather"]
    assert all("appended this note to the current description" in w for w in why.values())


def test_the_cli_prints_the_explanation_and_never_an_empty_one(
    emulator: Any, span_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    spans = tmp_path / "spans.json"
    spans.write_text(json.dumps(_documents(span_fixtures, LANGCHAIN)))
    command = ["recommend", "--prompt", PROMPT, "--spans-file", str(spans), "--endpoint", emulator.endpoint,
               "--poll", "0.05"]  # fmt: skip
    assert main(command) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("explanation: Emulated, deterministic recommendation") and "Read 2 turns" in first

    done = {
        "status": "COMPLETED",
        "type": "SYSTEM_PROMPT_RECOMMENDATION",
        "recommendationResult": {
            "systemPromptRecommendationResult": {"recommendedSystemPrompt": "New.", "explanation": "  \n"}
        },
    }
    shown = view(done, "Old.", "system prompt")
    assert shown["explanations"] == {}, "a blank explanation (RecommendationExplanation min 0) is none"
    assert render(shown).startswith(f"explanation: {NO_EXPLANATION}\n--- system prompt (current)\n")


def test_without_log_group_the_cli_reads_the_runtime_group_the_spans_name(
    emulator: Any, harsh: Any, span_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: `--log-group aws/spans` by default, whose Strands spans carry no message text, so every lesson
    # read "a turn whose user input the traces do not hold" although the runtime log group held it.
    emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    emulator.admin.seed([span_fixtures / f for f in STRANDS], "agent.DEFAULT")
    # Other writers share aws/spans: a line that is not JSON is passed over, not a crash.
    logs = emulator.client("logs")
    logs.create_log_stream(logGroupName="aws/spans", logStreamName="other-writer")
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    logs.put_log_events(
        logGroupName="aws/spans",
        logStreamName="other-writer",
        logEvents=[
            {"timestamp": now_ms, "message": "x"},
            # A span of a service whose resource names no log group.
            {"timestamp": now_ms, "message": json.dumps({"resource": {"attributes": {"service.name": "b"}}})},
        ],
    )
    common = ["recommend", "--prompt", PROMPT, "--service", "agent.DEFAULT", "--endpoint", emulator.endpoint,
              "--poll", "0.05", "--json"]  # fmt: skip
    assert main([*common, "--name", "found"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert '- For requests like "Hello": ' in found["recommended"]
    assert "aws/spans and /aws/bedrock-agentcore/runtimes/" in found["explanations"]["systemPrompt"]

    assert main([*common, "--name", "alone", "--log-group", "aws/spans"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert '"Hello"' not in alone["recommended"] and "- For the turn of trace " in alone["recommended"]
    assert "only aws/spans was read: name the runtime log group too" in alone["explanations"]["systemPrompt"]

    # No span of the service at all: the service name or the window is wrong, not a missing --log-group.
    assert main([*common[:4], "nobody.DEFAULT", *common[5:]]) == 2
    out, err = capsys.readouterr()
    assert "note: no span of nobody.DEFAULT in the first 20 pages of aws/spans over the last 24 h" in err
    # --json of a FAILED one: its status and error on stdout (was nothing at all), the message on stderr.
    failed = json.loads(out)
    assert failed["status"] == "FAILED" and failed["error"].startswith("recommendation FAILED: NoTracesFound")
    assert "recommendation FAILED: NoTracesFound" in err
    assert "check --service" in err and "--log-group" not in err
    main([*common[:4], "b", *common[5:]])
    assert "note: no span of b in the first 20 pages of aws/spans names its runtime log group" in (
        capsys.readouterr().err
    )
