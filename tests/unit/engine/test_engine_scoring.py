"""scoring.evaluate: targets per level, reference filtering, ignored fields, API result shape."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator

from evalctl.engine.builtins import builtin_definition
from evalctl.engine.judge import OfflineJudge
from evalctl.engine.model import EvaluatorDef
from evalctl.engine.scoring import TargetNotFound, evaluate, judge_input, targets, transcript

SYNTHETIC = "openinference_adot_spans.json"  # strands-evals synthetic capture: 2 traces, 1 tool call
SID = "unknown-session"
RESULT_SHAPE = (
    botocore.session.get_session()
    .get_service_model("bedrock-agentcore")
    .operation_model("Evaluate")
    .output_shape.members["evaluationResults"]
)


def ref(trace_id=None, span_id=None, session_id=SID, **fields):
    ctx = {"sessionId": session_id}
    if trace_id:
        ctx["traceId"] = trace_id
    if span_id:
        ctx["spanId"] = span_id
    return {"context": {"spanContext": ctx}, **fields}


REFS = [
    ref(
        expectedTrajectory={"toolNames": ["get_weather"]}, assertions=[{"text": "weather in Alaska is snowy"}]
    ),
    ref("adot-trace-1", expectedResponse={"text": "It is -5C and snowy in Alaska"}),
    ref("adot-trace-2", expectedResponse={"text": "A chicken joke"}),
    ref(session_id="other-session", expectedTrajectory={"toolNames": ["nothing"]}),
]


@pytest.fixture
def session(sessions_of):
    return sessions_of(SYNTHETIC)[0]


@pytest.mark.parametrize(
    ("evaluator_id", "target", "contexts", "reason"),
    [
        ("Builtin.GoalSuccessRate", None, [(SID, None, None)], "SESSION: one result"),
        (
            "Builtin.Helpfulness",
            None,
            [(SID, "adot-trace-1", None), (SID, "adot-trace-2", None)],
            "TRACE: each",
        ),
        (
            "Builtin.Helpfulness",
            {"traceIds": ["adot-trace-2"]},
            [(SID, "adot-trace-2", None)],
            "targeted trace",
        ),
        (
            "Builtin.Helpfulness",
            {"spanIds": ["adot-tool-1"]},
            [(SID, "adot-trace-1", None)],
            "trace of a span",
        ),
        (
            "Builtin.ToolSelectionAccuracy",
            None,
            [(SID, "adot-trace-1", "adot-tool-1")],
            "TOOL_CALL: each call",
        ),
        ("Builtin.ToolSelectionAccuracy", {"traceIds": ["adot-trace-2"]}, [], "trace without tool calls"),
    ],
)
def test_one_result_per_target(session, evaluator_id, target, contexts, reason):
    """Results follow the evaluator's level and the optional evaluationTarget."""
    results = evaluate(builtin_definition(evaluator_id), session, REFS, OfflineJudge(), target)
    got = [(r.context.session_id, r.context.trace_id, r.context.span_id) for r in results]
    assert got == contexts, reason


@pytest.mark.parametrize(
    ("level", "target", "reason"),
    [
        ("TRACE", {"traceIds": ["f" * 32]}, "unknown trace"),
        ("TOOL_CALL", {"spanIds": ["f" * 16]}, "unknown span"),
    ],
)
def test_unknown_targets_raise(session, level, target, reason):
    """Targets that are not in the session are an input error, not an empty result."""
    with pytest.raises(TargetNotFound, match="f" * 16):
        targets(level, session, target)


@pytest.mark.parametrize(
    ("evaluator_id", "trace_id", "ignored", "reason"),
    [
        (
            "Builtin.Correctness",
            "adot-trace-1",
            ["assertions", "expectedTrajectory"],
            "reads expectedResponse",
        ),
        (
            "Builtin.Helpfulness",
            "adot-trace-1",
            ["expectedResponse", "assertions", "expectedTrajectory"],
            "reads no ground truth",
        ),
        ("Builtin.GoalSuccessRate", None, ["expectedResponse", "expectedTrajectory"], "reads assertions"),
        ("Builtin.TrajectoryInOrderMatch", None, ["expectedResponse", "assertions"], "reads the trajectory"),
    ],
)
def test_ignored_reference_input_fields(session, evaluator_id, trace_id, ignored, reason):
    """Fields given to a target but unused by the evaluator are reported."""
    results = evaluate(builtin_definition(evaluator_id), session, REFS, OfflineJudge())
    result = next(r for r in results if r.context.trace_id == trace_id)
    assert result.ignored_reference_input_fields == ignored, reason


def test_trajectory_uses_own_session_reference(session):
    """Another session's expectedTrajectory is filtered out; the tool call matches."""
    [result] = evaluate(
        builtin_definition("Builtin.TrajectoryExactOrderMatch"), session, REFS, OfflineJudge()
    )
    assert (result.value, result.label) == (1.0, "Match")


def test_trajectory_without_ground_truth_fails_clearly(session):
    """A trajectory built-in with no expectedTrajectory gives a failed result that says why."""
    [result] = evaluate(builtin_definition("Builtin.TrajectoryAnyOrderMatch"), session, [], OfflineJudge())
    assert result.failed and "expectedTrajectory" in (result.error_message or "")
    assert result.value is None


def test_correctness_scores_against_its_trace_reference(session):
    """Each trace is judged against its own expectedResponse (token F1 in the offline judge)."""
    results = evaluate(builtin_definition("Builtin.Correctness"), session, REFS, OfflineJudge())
    by_trace = {r.context.trace_id: r for r in results}
    assert by_trace["adot-trace-1"].label == "Good"
    assert by_trace["adot-trace-2"].label == "Poor"
    assert "token F1" in (by_trace["adot-trace-2"].explanation or "")


def test_results_match_the_api_shape(session):
    """to_api() output passes botocore's validation of EvaluationResults, failed ones included."""
    results = []
    for evaluator_id in ("Builtin.Correctness", "Builtin.GoalSuccessRate", "Builtin.ToolSelectionAccuracy"):
        results += evaluate(builtin_definition(evaluator_id), session, REFS, OfflineJudge())
    results += evaluate(builtin_definition("Builtin.TrajectoryAnyOrderMatch"), session, [], OfflineJudge())
    payload = [r.to_api() for r in results]
    report = ParamValidator().validate(payload, RESULT_SHAPE)
    assert not report.has_errors(), report.generate_report()
    assert payload[-1]["errorCode"] == "JudgeError"
    assert "value" not in payload[-1]


def test_llm_judge_placeholders_decide_ground_truth(session):
    """A custom judge gets expected_response only when its instructions use the placeholder."""
    scale = {"categorical": [{"label": "Pass", "definition": "ok"}, {"label": "Fail", "definition": "bad"}]}
    plain = EvaluatorDef("j-abcdefghij", "j", "arn", "TRACE", "llm", "Rate {assistant_turn}", scale)
    grounded = EvaluatorDef("g-abcdefghij", "g", "arn", "TRACE", "llm", "Compare {expected_response}", scale)
    trace_target = targets("TRACE", session)[0]
    refs = [REFS[1]]
    assert judge_input(plain, session, trace_target, refs).expected_response is None
    assert (
        judge_input(grounded, session, trace_target, refs).expected_response
        == "It is -5C and snowy in Alaska"
    )
    [result, _] = evaluate(plain, session, REFS, OfflineJudge())
    assert result.ignored_reference_input_fields == ["expectedResponse", "assertions", "expectedTrajectory"]


def test_transcript_stops_before_current_response(session):
    """TRACE context holds earlier turns and the current prompt, not the answer being judged."""
    text = transcript(session, until=session.traces[0], include_current_response=False)
    assert text.startswith("User: What is the weather in Alaska?")
    assert "Tool: get_weather" in text
    assert "Assistant:" not in text
