"""Score gates: every documented edge case, table-driven with a reason per case."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from evalctl.reports.gates import (
    EXIT_GATE_FAILED,
    EXIT_JOB_FAILED,
    EXIT_PASSED,
    GateSpecError,
    evaluate_gates,
    gate_exit_code,
)

JOB = "nightly-abcdef1234"


def summary(
    evaluator_id: str, average: float | None, evaluated: int = 10, dimension: str | None = None
) -> dict:
    out: dict[str, Any] = {"evaluatorId": evaluator_id, "totalEvaluated": evaluated, "totalFailed": 0}
    out["statistics"] = {} if average is None else {"averageScore": average}
    if dimension:
        out["evaluationDimensionName"] = dimension
    return out


def results(*summaries: dict, completed: int = 10, failed: int = 0) -> dict:
    return {
        "numberOfSessionsCompleted": completed,
        "numberOfSessionsFailed": failed,
        "totalNumberOfSessions": completed + failed,
        "evaluatorSummaries": list(summaries),
    }


HELP = "Builtin.Helpfulness"

CASES = [
    # (reason, gate, results, aliases, passed, observed, message)
    (
        "below threshold fails with the documented message and 2 decimals",
        {"evaluator": HELP, "minAverageScore": 0.8},
        results(summary(HELP, 0.62)),
        None,
        False,
        0.62,
        f"{HELP} average 0.62 < 0.80 in batch evaluation {JOB}",
    ),
    (
        "above threshold passes",
        {"evaluator": HELP, "minAverageScore": 0.8},
        results(summary(HELP, 0.91)),
        None,
        True,
        0.91,
        f"{HELP} average 0.91 >= 0.80 in batch evaluation {JOB}",
    ),
    (
        "a tie at the threshold passes (>=)",
        {"evaluator": HELP, "minAverageScore": 0.8},
        results(summary(HELP, 0.8)),
        None,
        True,
        0.8,
        f"{HELP} average 0.80 >= 0.80 in batch evaluation {JOB}",
    ),
    (
        "a tie lost to float rounding of a mean still passes",
        {"evaluator": HELP, "minAverageScore": 0.8},
        results(summary(HELP, (0.7 + 0.9 + 0.8) / 3)),
        None,
        True,
        (0.7 + 0.9 + 0.8) / 3,
        f"{HELP} average 0.80 >= 0.80 in batch evaluation {JOB}",
    ),
    (
        "a real miss that rounds to the threshold shows enough decimals to read as a miss",
        {"evaluator": HELP, "minAverageScore": 0.8},
        results(summary(HELP, 0.799)),
        None,
        False,
        0.799,
        f"{HELP} average 0.799 < 0.800 in batch evaluation {JOB}",
    ),
    (
        "an evaluator missing from the results fails: an unmeasured gate must not pass",
        {"evaluator": HELP, "minAverageScore": 0.5},
        results(summary("Builtin.Correctness", 0.9)),
        None,
        False,
        None,
        f"{HELP} has no results in batch evaluation {JOB}",
    ),
    (
        "a None average over evaluated results (labels only) fails, saying they were evaluated",
        {"evaluator": HELP, "minAverageScore": 0.5},
        results(summary(HELP, None)),
        None,
        False,
        None,
        f"{HELP} has no average score (though 10 result(s) were evaluated; a categorical evaluator's labels "
        f"have none) in batch evaluation {JOB}",
    ),
    (
        "a None average of nothing evaluated fails",
        {"evaluator": HELP, "minAverageScore": 0.5},
        results(summary(HELP, None, evaluated=0)),
        None,
        False,
        None,
        f"{HELP} has no average score (no session was scored) in batch evaluation {JOB}",
    ),
    (
        "a NaN average fails and is reported as None, so the verdict stays JSON-able",
        {"evaluator": HELP, "minAverageScore": 0.5},
        results(summary(HELP, math.nan)),
        None,
        False,
        None,
        f"{HELP} has no average score (though 10 result(s) were evaluated; a categorical evaluator's labels "
        f"have none) in batch evaluation {JOB}",
    ),
    (
        "an average over zero evaluated sessions is not an average",
        {"evaluator": HELP, "minAverageScore": 0.0},
        results(summary(HELP, 0.0, evaluated=0)),
        None,
        False,
        None,
        f"{HELP} has no average score (no session was scored) in batch evaluation {JOB}",
    ),
    (
        "empty results (no sessions at all) fail an average gate",
        {"evaluator": HELP, "minAverageScore": 0.1},
        {},
        None,
        False,
        None,
        f"{HELP} has no results in batch evaluation {JOB}",
    ),
    (
        "a logical name resolves through aliases but the message keeps the name the user wrote",
        {"evaluator": "response-tone", "minAverageScore": 0.7},
        results(summary("response_tone-AbCdE12345", 0.65)),
        {"response-tone": "response_tone-AbCdE12345"},
        False,
        0.65,
        f"response-tone average 0.65 < 0.70 in batch evaluation {JOB}",
    ),
    (
        "an evaluator ARN resolves to its id",
        {
            "evaluator": "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/tone-AbCdE12345",
            "minAverageScore": 0.5,
        },
        results(summary("tone-AbCdE12345", 0.75)),
        None,
        True,
        0.75,
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/tone-AbCdE12345 average 0.75 >= 0.50"
        f" in batch evaluation {JOB}",
    ),
    (
        "a multi-dimensional evaluator is judged by its worst dimension",
        {"evaluator": "quality", "minAverageScore": 0.6},
        results(summary("quality", 0.9, dimension="tone"), summary("quality", 0.4, dimension="accuracy")),
        None,
        False,
        0.4,
        f"quality[accuracy] average 0.40 < 0.60 in batch evaluation {JOB}",
    ),
    (
        "failed sessions at the maximum pass (<=)",
        {"maxFailedSessions": 2},
        results(completed=8, failed=2),
        None,
        True,
        2,
        f"failed sessions 2 <= 2 in batch evaluation {JOB}",
    ),
    (
        "failed sessions above the maximum fail; Pulumi's 2.0 is read as 2",
        {"maxFailedSessions": 2.0},
        results(completed=7, failed=3),
        None,
        False,
        3,
        f"failed sessions 3 > 2 in batch evaluation {JOB}",
    ),
    (
        "missing session counts read as 0, so a zero-failure gate passes on empty results",
        {"maxFailedSessions": 0},
        {},
        None,
        True,
        0,
        f"failed sessions 0 <= 0 in batch evaluation {JOB}",
    ),
    (
        "too few sessions evaluated fails",
        {"minSessionsEvaluated": 5},
        results(completed=3, failed=1),
        None,
        False,
        3,
        f"sessions evaluated 3 < 5 in batch evaluation {JOB}",
    ),
    (
        "exactly the minimum number of sessions passes",
        {"minSessionsEvaluated": 5},
        results(completed=5),
        None,
        True,
        5,
        f"sessions evaluated 5 >= 5 in batch evaluation {JOB}",
    ),
    (
        "no sessions at all fail a minimum of one",
        {"minSessionsEvaluated": 1},
        results(completed=0),
        None,
        False,
        0,
        f"sessions evaluated 0 < 1 in batch evaluation {JOB}",
    ),
]


@pytest.mark.parametrize(
    ("reason", "gate", "res", "aliases", "passed", "observed", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_gate_cases(reason, gate, res, aliases, passed, observed, message):
    (verdict,) = evaluate_gates([gate], res, aliases, batch_evaluation_id=JOB)
    assert verdict.passed is passed, reason
    assert verdict.observed == observed, reason
    assert verdict.message == message, reason
    json.dumps(verdict.to_dict(), allow_nan=False)


def test_verdicts_keep_gate_order_and_dict_shape():
    gates = [{"maxFailedSessions": 0}, {"evaluator": HELP, "minAverageScore": 0.5}]
    verdicts = evaluate_gates(gates, results(summary(HELP, 0.7), failed=1), batch_evaluation_id=JOB)
    assert [v.to_dict()["kind"] for v in verdicts] == ["maxFailedSessions", "minAverageScore"]
    assert verdicts[1].to_dict()["gate"] == gates[1]
    assert verdicts[1].to_dict()["threshold"] == 0.5


def test_message_without_an_id_has_no_suffix():
    (verdict,) = evaluate_gates([{"maxFailedSessions": 1}], results(failed=0))
    assert verdict.message == "failed sessions 0 <= 1"


BAD_GATES = [
    ("no known key", {"minScore": 0.5}),
    ("two kinds in one entry are ambiguous", {"maxFailedSessions": 1, "minSessionsEvaluated": 2}),
    ("an average gate needs an evaluator", {"minAverageScore": 0.5}),
    ("a threshold must be a number", {"evaluator": HELP, "minAverageScore": "high"}),
    ("a NaN threshold is meaningless", {"evaluator": HELP, "minAverageScore": math.nan}),
    ("a boolean is not a count", {"maxFailedSessions": True}),
]


@pytest.mark.parametrize(("reason", "gate"), BAD_GATES, ids=[c[0] for c in BAD_GATES])
def test_bad_gate_shapes_raise(reason, gate):
    with pytest.raises(GateSpecError):
        evaluate_gates([gate], results())


EXIT_CASES = [
    ("all gates pass on a completed job", "COMPLETED", [True, True], EXIT_PASSED),
    ("no gates on a completed job is a pass", "COMPLETED", [], EXIT_PASSED),
    ("one failed gate fails the run", "COMPLETED", [True, False], EXIT_GATE_FAILED),
    ("completed with errors is judged by the gates", "COMPLETED_WITH_ERRORS", [True], EXIT_PASSED),
    ("a failed job wins over passing gates", "FAILED", [True], EXIT_JOB_FAILED),
    ("a stopped job did not finish", "STOPPED", [True], EXIT_JOB_FAILED),
    ("a job still running cannot be judged", "IN_PROGRESS", [True], EXIT_JOB_FAILED),
    ("an unknown status cannot be judged", None, [True], EXIT_JOB_FAILED),
]


@pytest.mark.parametrize(("reason", "status", "passes", "code"), EXIT_CASES, ids=[c[0] for c in EXIT_CASES])
def test_gate_exit_code(reason, status, passes, code):
    gates = [{"maxFailedSessions": 0 if p else -1} for p in passes]
    verdicts = evaluate_gates(gates, results(failed=0))
    assert [v.passed for v in verdicts] == passes
    assert gate_exit_code(verdicts, status) == code, reason
