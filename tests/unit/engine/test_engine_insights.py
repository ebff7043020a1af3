"""Insights: deterministic clusters in GetBatchEvaluation's exact shapes."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator

from evalctl.engine.insights import analyze
from evalctl.engine.model import EvaluationResult, Session, SpanContext, ToolCall, Trace

OUTPUT = (
    botocore.session.get_session()
    .get_service_model("bedrock-agentcore")
    .operation_model("GetBatchEvaluation")
    .output_shape
)
ALL = ["Builtin.Insight.FailureAnalysis", "Builtin.Insight.UserIntent", "Builtin.Insight.ExecutionSummary"]


def session(sid, prompt, response, calls=()):
    trace = Trace("t" * 32, prompt, response, list(calls))
    return Session(sid, [trace])


SESSIONS = [
    session("s-greet", "Hello", "Hi!"),
    session("s-math", "What is 42 * 7?", "294", [ToolCall("a" * 16, "t" * 32, "multiply", {"a": 42}, 294)]),
    session(
        "s-fail", "Book a flight", "", [ToolCall("b" * 16, "t" * 32, "book", {}, None, "Request timed out")]
    ),
    session("s-empty", "", ""),
]
RESULTS = [
    EvaluationResult(
        "Builtin.GoalSuccessRate",
        "Builtin.GoalSuccessRate",
        "arn",
        SpanContext("s-greet"),
        value=0.0,
        label="Poor",
        explanation="goal missed",
    ),
    EvaluationResult(
        "c-abcdefghij",
        "c",
        "arn",
        SpanContext("s-math", "t" * 32),
        error_code="Timeout",
        error_message="slow",
    ),
    EvaluationResult(
        "Builtin.Helpfulness",
        "Builtin.Helpfulness",
        "arn",
        SpanContext("s-math", "t" * 32),
        value=1.0,
        label="Good",
    ),
]


def test_shapes_validate_against_botocore():
    """Every member passes botocore's validator for its GetBatchEvaluation shape."""
    out = analyze(ALL, SESSIONS, RESULTS)
    assert set(out) == {"failureAnalysisResult", "userIntentResult", "executionSummaryResult"}
    for key, value in out.items():
        report = ParamValidator().validate(value, OUTPUT.members[key])
        assert not report.has_errors(), report.generate_report()


def test_failure_categories():
    """Tool errors, low scores and evaluator errors each form a category; good scores do not."""
    failures = analyze(ALL[:1], SESSIONS, RESULTS)["failureAnalysisResult"]["failures"]
    assert [(f["clusterId"], f["name"], f["affectedSessionCount"]) for f in failures] == [
        (1, "Tool execution errors", 1),
        (2, "Low evaluation scores", 1),
        (3, "Evaluator errors", 1),
    ]
    span = failures[0]["subCategories"][0]["rootCauses"][0]["affectedSessions"][0]["failureSpans"][0]
    assert span["signals"][0]["category"] == "execution-error-category-timeout"
    assert failures[1]["subCategories"][0]["name"] == "Builtin.GoalSuccessRate"


@pytest.mark.parametrize(
    ("name", "sessions", "reason"),
    [
        ("Greeting", ["s-greet"], "opens with hello"),
        ("Calculation", ["s-math"], "arithmetic"),
        ("Request", ["s-fail"], "asks for an action"),
        ("No user message", ["s-empty"], "no prompt recorded"),
    ],
)
def test_user_intents(name, sessions, reason):
    """Sessions cluster by the first prompt's intent."""
    intents = analyze(ALL[1:2], SESSIONS, [])["userIntentResult"]["userIntents"]
    cluster = next(c for c in intents if c["name"] == name)
    assert [s["sessionId"] for s in cluster["affectedSessions"]] == sessions, reason


def test_execution_summaries():
    """Sessions cluster by approach, with what they did and how they ended."""
    clusters = analyze(ALL[2:], SESSIONS, [])["executionSummaryResult"]["executionSummaries"]
    by_name = {c["name"]: [s["sessionId"] for s in c["affectedSessions"]] for c in clusters}
    assert by_name == {
        "Tools with errors": ["s-fail"],
        "Used tools": ["s-math"],
        "Direct answer": ["s-greet"],
        "No answer": ["s-empty"],
    }
    math = clusters[1]["affectedSessions"][0]
    assert math["approachTaken"] == "1 turn(s); 1 tool call(s): multiply" and math["finalOutcome"] == "294"


def test_unknown_insight_ids_are_skipped():
    """Only Builtin.Insight.* ids the engine knows produce members."""
    assert analyze(["Builtin.Insight.Other"], SESSIONS, RESULTS) == {}


def _poor(sid, value, explanation):
    return EvaluationResult(
        "Builtin.Helpfulness", "Builtin.Helpfulness", "arn", SpanContext(sid), value=value, label="Poor",
        explanation=explanation,
    )  # fmt: skip


def test_a_low_score_root_cause_says_why_not_the_label_again():
    """rootCause is the lowest-scored session's explanation (clipped, naming it), whatever the order."""
    long = "The answer ignored the refund question and talked about shipping instead. " * 10
    results = [_poor("s-a", 0.3, "Partly off topic."), _poor("s-b", 0.1, long), _poor("s-c", 0.1, "Terse.")]
    causes = []
    for ordered in (results, results[::-1]):
        failures = analyze(ALL[:1], SESSIONS[:2], ordered)["failureAnalysisResult"]["failures"]
        (root,) = failures[0]["subCategories"][0]["rootCauses"]
        causes.append(root["rootCause"])
    assert causes[0] == causes[1]
    assert root["name"] == "Poor" and "Poor" not in root["rootCause"]
    text, _, where = root["rootCause"].rpartition(" (")
    assert long.startswith(text[:-1]) and text.endswith("…") and len(text) == 300
    assert where == "session s-b, scored 0.10)"  # 0.10 ties with s-c: the first session id wins


def test_an_evaluator_error_root_cause_gives_the_message_not_the_code():
    failures = analyze(ALL[:1], SESSIONS, RESULTS)["failureAnalysisResult"]["failures"]
    (root,) = failures[2]["subCategories"][0]["rootCauses"]
    assert (root["name"], root["rootCause"]) == ("Timeout", "slow (session s-math)")
