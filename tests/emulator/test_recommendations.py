"""Recommendations through boto3: lifecycle on the emulator clock, results, errors, idempotency, listing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.emulator.settings import RUNTIME_LOG_PREFIX
from tests.emulator.helpers import error_code

SERVICE = "agent.DEFAULT"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_tool_runtime_logs.json")
PROMPT = "You are a helpful assistant. Answer briefly."
HELPFULNESS = "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"


@pytest.fixture
def traces(emulator: Any, span_fixtures: Any) -> dict[str, Any]:
    """AgentTracesConfig over the seeded runtime log group (spans come from aws/spans)."""
    emulator.admin.seed([span_fixtures / f for f in FILES], SERVICE)
    logs = emulator.client("logs")
    (group,) = [
        g["logGroupName"]
        for g in logs.describe_log_groups(logGroupNamePrefix=RUNTIME_LOG_PREFIX)["logGroups"]
    ]
    now = dt.datetime.fromtimestamp(emulator.admin.now(), dt.UTC)
    return {
        "cloudwatchLogs": {
            "logGroupArns": [f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"],
            "serviceNames": [SERVICE],
            "startTime": now - dt.timedelta(days=1),
            "endTime": now + dt.timedelta(hours=1),
        }
    }


def _prompt_config(traces: dict[str, Any], evaluator: str = HELPFULNESS) -> dict[str, Any]:
    return {
        "systemPromptRecommendationConfig": {
            "systemPrompt": {"text": PROMPT},
            "agentTraces": traces,
            "evaluationConfig": {"evaluators": [{"evaluatorArn": evaluator}]},
        }
    }


def _start(data: Any, traces: dict[str, Any], name: str = "tighten", **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = data.start_recommendation(
        name=name, type="SYSTEM_PROMPT_RECOMMENDATION", recommendationConfig=_prompt_config(traces), **extra
    )
    return result


def test_pending_in_progress_completed_with_an_amended_prompt(emulator: Any, data: Any, traces: Any) -> None:
    emulator.admin.configure(recommendation_pending_seconds=10, recommendation_run_seconds=100)
    started = _start(data, traces, description="nightly")
    assert started["status"] == "PENDING"
    assert started["recommendationId"].startswith("tighten-")
    get = lambda: data.get_recommendation(recommendationId=started["recommendationId"])  # noqa: E731
    assert "recommendationResult" not in get()
    emulator.admin.advance_clock(10)
    assert get()["status"] == "IN_PROGRESS"
    emulator.admin.advance_clock(100)
    done = get()
    assert done["status"] == "COMPLETED"
    assert done["description"] == "nightly"
    text = done["recommendationResult"]["systemPromptRecommendationResult"]["recommendedSystemPrompt"]
    # The documented transformation: the current prompt unchanged, then the block of lessons.
    assert text.startswith(PROMPT + "\n\n## Lessons from 1 evaluated turns (emulated recommendation")
    assert "evaluator Builtin.Helpfulness" in text


def test_tool_descriptions_say_how_the_traces_used_each_tool(emulator: Any, data: Any, traces: Any) -> None:
    tools = [
        {"toolName": "calculator", "toolDescription": {"text": "Evaluates arithmetic."}},
        {"toolName": "weather", "toolDescription": {"text": "Gives the weather."}},
    ]
    config = {
        "toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}},
            "agentTraces": traces,
        }
    }
    started = data.start_recommendation(
        name="tools", type="TOOL_DESCRIPTION_RECOMMENDATION", recommendationConfig=config
    )
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=started["recommendationId"])
    result = done["recommendationResult"]["toolDescriptionRecommendationResult"]["tools"]
    by_name = {t["toolName"]: t["recommendedToolDescription"] for t in result}
    assert by_name["calculator"].startswith("Evaluates arithmetic.\n\n[emulated recommendation")
    assert "Called in 1 of 1 turns" in by_name["calculator"]
    assert "Never called in these traces" in by_name["weather"]


def test_inline_session_spans_are_read_too(emulator: Any, data: Any, span_fixtures: Any) -> None:
    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    started = _start(data, {"sessionSpans": spans}, name="inline")
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=started["recommendationId"])
    assert done["status"] == "COMPLETED"
    assert "recommendedSystemPrompt" in done["recommendationResult"]["systemPromptRecommendationResult"]


def test_missing_log_group_and_bundles_fail_with_a_reason(emulator: Any, data: Any, traces: Any) -> None:
    traces["cloudwatchLogs"]["logGroupArns"] = ["arn:aws:logs:us-east-1:123456789012:log-group:/nope:*"]
    missing = _start(data, traces, name="missing")["recommendationId"]
    emulator.admin.advance_clock(10)
    failed = data.get_recommendation(recommendationId=missing)
    assert failed["status"] == "FAILED"
    result = failed["recommendationResult"]["systemPromptRecommendationResult"]
    assert result["errorCode"] == "TracesUnavailable"
    assert "/nope" in result["errorMessage"]


def test_another_services_events_in_the_log_group_are_not_its_traces(
    emulator: Any, data: Any, traces: Any
) -> None:
    # The runtime group holds agent.DEFAULT's events; a recommendation for other.DEFAULT read them.
    traces["cloudwatchLogs"]["serviceNames"] = ["other.DEFAULT"]
    other = _start(data, traces, name="other")["recommendationId"]
    emulator.admin.advance_clock(10)
    failed = data.get_recommendation(recommendationId=other)
    assert failed["status"] == "FAILED"
    assert failed["recommendationResult"]["systemPromptRecommendationResult"]["errorCode"] == "NoTracesFound"


def test_unknown_evaluator_and_type_mismatch_are_refused(data: Any, traces: Any) -> None:
    unknown = "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/ghost-abcdefghij"
    with pytest.raises(ClientError) as exc:
        data.start_recommendation(
            name="ghost",
            type="SYSTEM_PROMPT_RECOMMENDATION",
            recommendationConfig=_prompt_config(traces, unknown),
        )
    assert error_code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        data.start_recommendation(
            name="mismatch",
            type="TOOL_DESCRIPTION_RECOMMENDATION",
            recommendationConfig=_prompt_config(traces),
        )
    assert error_code(exc) == "ValidationException"
    assert data.list_recommendations()["recommendationSummaries"] == []


def test_names_conflict_tokens_replay_and_delete_waits_for_the_end(
    emulator: Any, data: Any, traces: Any
) -> None:
    token = "a" * 40
    first = _start(data, traces, clientToken=token)
    assert _start(data, traces, clientToken=token)["recommendationId"] == first["recommendationId"]
    with pytest.raises(ClientError) as exc:
        _start(data, traces)
    assert error_code(exc) == "ConflictException"
    rec_id = first["recommendationId"]
    with pytest.raises(ClientError) as exc:
        data.delete_recommendation(recommendationId=rec_id)
    assert error_code(exc) == "ConflictException"
    emulator.admin.advance_clock(10)
    assert data.delete_recommendation(recommendationId=rec_id)["status"] == "DELETING"
    assert data.get_recommendation(recommendationId=rec_id)["status"] == "DELETING"
    emulator.admin.advance_clock(2)
    with pytest.raises(ClientError) as exc:
        data.get_recommendation(recommendationId=rec_id)
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        data.delete_recommendation(recommendationId=rec_id)
    assert error_code(exc) == "ResourceNotFoundException"
    assert _start(data, traces)["recommendationId"] != rec_id  # the name is free again


def test_list_filters_by_status_and_pages(emulator: Any, data: Any, traces: Any) -> None:
    ids = [_start(data, traces, name=f"r{i}")["recommendationId"] for i in range(3)]
    emulator.admin.advance_clock(10)
    _start(data, traces, name="late")
    done = data.list_recommendations(statusFilter="COMPLETED")["recommendationSummaries"]
    assert [s["recommendationId"] for s in done] == ids
    first = data.list_recommendations(maxResults=2)
    second = data.list_recommendations(maxResults=2, nextToken=first["nextToken"])
    assert len(first["recommendationSummaries"]) == 2
    assert [s["name"] for s in second["recommendationSummaries"]] == ["r2", "late"]
    assert "nextToken" not in second


def test_quota_of_running_recommendations(emulator: Any, data: Any, traces: Any) -> None:
    emulator.admin.configure(max_active_recommendations=1)
    _start(data, traces, name="one")
    with pytest.raises(ClientError) as exc:
        _start(data, traces, name="two")
    assert error_code(exc) == "ServiceQuotaExceededException"
    emulator.admin.advance_clock(10)
    assert _start(data, traces, name="two")["status"] == "PENDING"


def test_a_recommendation_survives_a_restart(tmp_path: Any, span_fixtures: Any) -> None:
    from evalctl.emulator.testing import running_emulator

    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    with running_emulator(data_dir=tmp_path) as first:
        data = first.client("bedrock-agentcore")
        rec_id = _start(data, {"sessionSpans": spans}, name="kept")["recommendationId"]
        before = data.get_recommendation(recommendationId=rec_id)
        assert before["status"] == "PENDING"
    with running_emulator(data_dir=tmp_path) as second:
        second.admin.advance_clock(3600)
        done = second.client("bedrock-agentcore").get_recommendation(recommendationId=rec_id)
        assert done["status"] == "COMPLETED"
        text = done["recommendationResult"]["systemPromptRecommendationResult"]["recommendedSystemPrompt"]
        assert text.startswith(PROMPT + "\n\n## Lessons")


def test_shortfalls_become_lessons_quoting_the_turns(
    emulator: Any, data: Any, harsh: Any, span_fixtures: Any
) -> None:
    files = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
    spans = [row["raw_otel_json"] for f in files for row in json.loads((span_fixtures / f).read_text())]
    rec_id = _start(data, {"sessionSpans": spans}, name="harsh")["recommendationId"]
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=rec_id)
    text = done["recommendationResult"]["systemPromptRecommendationResult"]["recommendedSystemPrompt"]
    lines = text.splitlines()
    assert lines[3] == "Mean score 0.00 on a 0 to 1 scale; 2 of 2 results scored below 0.5."
    lessons = [line for line in lines if line.startswith("- For requests like")]
    assert len(lessons) == 2
    assert lessons[0] == (
        '- For requests like "Hello": the answer was rated Poor (0). It ignored the question. '
        "Address this case explicitly."
    )


def test_a_turn_without_user_input_is_named_so_not_quoted_empty(
    emulator: Any, data: Any, harsh: Any, span_fixtures: Any
) -> None:
    # The Strands capture's first traces carry no user prompt: the lesson quoted "" before.
    files = ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")
    spans = [row["raw_otel_json"] for f in files for row in json.loads((span_fixtures / f).read_text())]
    rec_id = _start(data, {"sessionSpans": spans}, name="blank")["recommendationId"]
    emulator.admin.advance_clock(10)
    done = data.get_recommendation(recommendationId=rec_id)
    text = done["recommendationResult"]["systemPromptRecommendationResult"]["recommendedSystemPrompt"]
    lessons = [line for line in text.splitlines() if line.startswith("- For ")]
    assert lessons and not any('requests like ""' in line for line in lessons)
    assert any(line.startswith("- For the turn of trace ") for line in lessons)


def test_a_completed_batch_evaluation_is_a_trace_source(emulator: Any, data: Any, traces: Any) -> None:
    logs = traces["cloudwatchLogs"]
    group = logs["logGroupArns"][0].split(":log-group:")[1].removesuffix(":*")
    job = data.start_batch_evaluation(
        batchEvaluationName="scored", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": [group],
                          "filterConfig": {"timeRange": {k: logs[k] for k in ("startTime", "endTime")}}}},
    )  # fmt: skip
    source = {"batchEvaluation": {"batchEvaluationArn": job["batchEvaluationArn"]}}
    with pytest.raises(ClientError) as running:
        _start(data, source, name="too_early")
    assert error_code(running) == "ValidationException" and "needs a completed one" in str(running.value)
    emulator.admin.advance_clock(3600)
    assert data.get_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])["status"] == "COMPLETED"
    rec_id = _start(data, source, name="from_batch")["recommendationId"]
    emulator.admin.advance_clock(60)
    done = data.get_recommendation(recommendationId=rec_id)
    text = done["recommendationResult"]["systemPromptRecommendationResult"]["recommendedSystemPrompt"]
    assert text.startswith(PROMPT + "\n\n## Lessons from 1 evaluated turns"), "the job's sessions, read again"
    unknown = {"batchEvaluation": {"batchEvaluationArn": job["batchEvaluationArn"] + "x"}}
    with pytest.raises(ClientError) as missing:
        _start(data, unknown, name="nowhere")
    assert "does not exist" in str(missing.value)
