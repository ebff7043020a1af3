"""Evaluate (on-demand scoring of sessionSpans) on the recorded fixtures (tests/data/spans)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import error_code

OPENAI = "openai_agents_openinference_adot_spans.json"
LANGGRAPH = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
OPENAI_SESSION = "29fb7129-8624-4bd2-b37b-dea182f63ce8"
LANGGRAPH_SESSION = "383c4a9d-5682-4186-a125-e226f9f6c141"
FIRST_LANGGRAPH_TRACE = "691bbd2521293a552b6cbb5c30547369"


def _docs(span_fixtures: Any, *names: str) -> list[dict[str, Any]]:
    docs = []
    for name in names:
        for row in json.loads((span_fixtures / name).read_text()):
            docs.append(row.get("raw_otel_json", row))
    return docs


def _trajectory_ref(tools: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "context": {"spanContext": {"sessionId": OPENAI_SESSION}},
            "expectedTrajectory": {"toolNames": tools},
        }
    ]


@pytest.mark.parametrize(
    ("reason", "evaluator", "tools", "value"),
    [
        ("the one call matches exactly", "Builtin.TrajectoryExactOrderMatch", ["multiply_numbers"], 1.0),
        (
            "an extra expected tool breaks exact order",
            "Builtin.TrajectoryExactOrderMatch",
            ["multiply_numbers", "x"],
            0.0,
        ),
        ("any order needs every expected tool", "Builtin.TrajectoryAnyOrderMatch", ["x"], 0.0),
    ],
    ids=["exact", "exact-miss", "any-miss"],
)
def test_trajectory_scores(
    data: Any, span_fixtures: Any, reason: str, evaluator: str, tools: list[str], value: float
) -> None:
    answer = data.evaluate(
        evaluatorId=evaluator,
        evaluationInput={"sessionSpans": _docs(span_fixtures, OPENAI)},
        evaluationReferenceInputs=_trajectory_ref(tools),
    )
    (result,) = answer["evaluationResults"]
    assert result["value"] == value, reason
    assert result["context"] == {"spanContext": {"sessionId": OPENAI_SESSION}}


def test_trace_target_and_ignored_ground_truth(data: Any, span_fixtures: Any, conformance: Any) -> None:
    context = {"spanContext": {"sessionId": LANGGRAPH_SESSION, "traceId": FIRST_LANGGRAPH_TRACE}}
    refs = [{"context": context, "expectedResponse": {"text": "Hello!"}}]
    answer = data.evaluate(
        evaluatorId="Builtin.Helpfulness",
        evaluationInput={"sessionSpans": _docs(span_fixtures, *LANGGRAPH)},
        evaluationTarget={"traceIds": [FIRST_LANGGRAPH_TRACE]},
        evaluationReferenceInputs=refs,
    )
    (result,) = answer["evaluationResults"]
    assert result["context"]["spanContext"]["traceId"] == FIRST_LANGGRAPH_TRACE
    assert result["ignoredReferenceInputFields"] == ["expectedResponse"]
    assert "emulated" in result["explanation"]
    assert conformance.checked["Evaluate"] == 1


def test_errors(data: Any, span_fixtures: Any) -> None:
    spans_only = _docs(span_fixtures, LANGGRAPH[0])
    no_agent_scope = [d for d in spans_only if "langchain" not in str(d.get("scope", {}).get("name"))]
    invalid, missing = "ValidationException", "ResourceNotFoundException"
    cases = [
        ("unknown evaluator", {"evaluatorId": "gone-0123456789"}, missing, "gone-0123456789"),
        ("spans without their events", {"evaluationInput": {"sessionSpans": spans_only}}, invalid, "events"),
        (
            "no supported scope",
            {"evaluationInput": {"sessionSpans": no_agent_scope}},
            invalid,
            "supported scope",
        ),
        (
            "target trace not in the session",
            {"evaluationTarget": {"traceIds": ["f" * 32]}},
            invalid,
            "f" * 32,
        ),
    ]
    base = {
        "evaluatorId": "Builtin.Helpfulness",
        "evaluationInput": {"sessionSpans": _docs(span_fixtures, *LANGGRAPH)},
    }
    for reason, overrides, code, fragment in cases:
        with pytest.raises(ClientError) as exc:
            data.evaluate(**{**base, **overrides})
        assert error_code(exc) == code, reason
        assert fragment in exc.value.response["Error"]["Message"], reason
