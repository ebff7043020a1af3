"""Recommendations written by a real model: EVALCTL_JUDGE=openai against a loopback chat server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evalctl.engine.llm_judges import SYSTEM_PROMPT as JUDGE_SYSTEM
from tests.chat_server import ChatServer
from tests.emulator.loopback_model import VERDICT

FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_tool_runtime_logs.json")
PROMPT = "You are a helpful assistant. Answer briefly."
HELPFULNESS = "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"


@pytest.fixture
def spans(span_fixtures: Any) -> list[Any]:
    return [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]


def _finished(emulator: Any, data: Any, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    started = data.start_recommendation(name="by-model", type=kind, recommendationConfig=config)
    emulator.admin.advance_clock(3600)
    done: dict[str, Any] = data.get_recommendation(recommendationId=started["recommendationId"])
    return done


def _prompt_config(spans: list[Any]) -> dict[str, Any]:
    return {
        "systemPromptRecommendationConfig": {
            "systemPrompt": {"text": PROMPT},
            "agentTraces": {"sessionSpans": spans},
            "evaluationConfig": {"evaluators": [{"evaluatorArn": HELPFULNESS}]},
        }
    }


def _recommendation_requests(server: ChatServer) -> list[str]:
    """The user messages of the requests that were not judge calls."""
    return [
        b["messages"][1]["content"]
        for _, _, b in server.requests
        if b["messages"][0]["content"] != JUDGE_SYSTEM
    ]


def test_the_model_writes_the_system_prompt_from_the_current_text_and_the_scores(
    emulator: Any, data: Any, model: Any, spans: Any
) -> None:
    answers, server = model
    new = "You are a careful assistant. When asked for arithmetic, compute it and show the result."
    answer = json.dumps({"recommendedSystemPrompt": new, "explanation": "Turns skipped sums."})
    answers.reply = (200, f"Here it is:\n```json\n{answer}\n```")
    done = _finished(emulator, data, "SYSTEM_PROMPT_RECOMMENDATION", _prompt_config(spans))
    assert done["status"] == "COMPLETED"
    result = done["recommendationResult"]["systemPromptRecommendationResult"]
    assert result == {"recommendedSystemPrompt": new, "explanation": "Turns skipped sums."}
    (request,) = _recommendation_requests(server)
    assert f"Current system prompt:\n<<<\n{PROMPT}\n>>>" in request
    assert "evaluator Builtin.Helpfulness" in request
    assert f"rated Poor (0). {VERDICT}" in request  # the judge's verdict on the turn is quoted
    assert all(body["model"] == "loopback-model" for _, _, body in server.requests)


def test_the_model_writes_tool_descriptions_kept_in_the_input_order(
    emulator: Any, data: Any, model: Any, spans: Any
) -> None:
    answers, server = model
    tools = [
        {"toolName": "calculator", "toolDescription": {"text": "Evaluates arithmetic."}},
        {"toolName": "weather", "toolDescription": {"text": "Gives the weather."}},
    ]
    answered = [
        {"toolName": "weather", "recommendedToolDescription": "Current weather for a named city."},
        {"toolName": "calculator", "recommendedToolDescription": "Evaluates one arithmetic expression."},
    ]
    answers.reply = (200, json.dumps({"tools": answered}))
    config = {
        "toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}},
            "agentTraces": {"sessionSpans": spans},
        }
    }
    done = _finished(emulator, data, "TOOL_DESCRIPTION_RECOMMENDATION", config)
    assert done["recommendationResult"]["toolDescriptionRecommendationResult"]["tools"] == answered[::-1]
    (request,) = _recommendation_requests(server)
    assert "Tool calculator\nCurrent description:\n<<<\nEvaluates arithmetic.\n>>>" in request
    assert "Tool weather\nCurrent description:\n<<<\nGives the weather.\n>>>" in request
    # How the traces used each tool travels with it: the calculator was called, the weather tool never.
    assert "<<<\nEvaluates arithmetic.\n>>>\nIn the traces: Called in 1 of" in request
    assert "<<<\nGives the weather.\n>>>\nIn the traces: Never called" in request


@pytest.mark.parametrize(
    ("reply", "code", "reason"),
    [
        ((200, "I would make the prompt friendlier."), "ModelAnswerUnusable", "no JSON object"),
        ((200, json.dumps({"recommendedSystemPrompt": "  "})), "ModelAnswerUnusable", "missing or empty"),
        (
            (200, json.dumps({"recommendedSystemPrompt": "x" * 20001})),
            "ModelAnswerUnusable",
            "more than 20000",
        ),
        ((500, "overloaded"), "ModelCallFailed", "model call failed"),
    ],
)
def test_an_unusable_answer_fails_the_recommendation_with_the_reason(
    emulator: Any, data: Any, model: Any, spans: Any, reply: Any, code: str, reason: str
) -> None:
    answers, _ = model
    answers.reply = reply
    done = _finished(emulator, data, "SYSTEM_PROMPT_RECOMMENDATION", _prompt_config(spans))
    assert done["status"] == "FAILED"
    result = done["recommendationResult"]["systemPromptRecommendationResult"]
    assert result["errorCode"] == code
    assert reason in result["errorMessage"]
    assert "recommendedSystemPrompt" not in result


def test_tool_answers_must_name_each_tool_once(emulator: Any, data: Any, model: Any, spans: Any) -> None:
    answers, _ = model
    answers.reply = (
        200,
        json.dumps({"tools": [{"toolName": "calculator", "recommendedToolDescription": "x"}]}),
    )
    tools = [{"toolName": n, "toolDescription": {"text": "t"}} for n in ("calculator", "weather")]
    config = {
        "toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}},
            "agentTraces": {"sessionSpans": spans},
        }
    }
    done = _finished(emulator, data, "TOOL_DESCRIPTION_RECOMMENDATION", config)
    result = done["recommendationResult"]["toolDescriptionRecommendationResult"]
    assert (done["status"], result["errorCode"]) == ("FAILED", "ModelAnswerUnusable")
    assert "expected each of ['calculator', 'weather'] once" in result["errorMessage"]
