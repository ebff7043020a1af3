"""Batch result arithmetic: session counts, per-evaluator summaries and the terminal status."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def summarize(
    sessions: list[dict[str, Any]], ignored: int, total: int, in_progress: int = 0
) -> dict[str, Any]:
    """`evaluationResults` for the sessions done so far.

    As the API documents them, totalEvaluated counts the sessions an evaluator evaluated and
    totalFailed the sessions where it failed (on any turn); averageScore averages every numeric
    value (one per turn for TRACE evaluators). A session fails when any of its results failed.
    Multi-dimensional evaluators get one summary per dimension.
    """
    values: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    counts: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for session in sessions:
        failed_keys: set[tuple[str, str | None]] = set()
        # A dict, not a set: summaries follow the results' (request) order, not string hashes,
        # which PYTHONHASHSEED changes from process to process.
        seen_keys: dict[tuple[str, str | None], None] = {}
        for result in session["results"]:
            key = (result["evaluatorId"], result.get("evaluationDimensionName"))
            seen_keys[key] = None
            if "errorCode" in result:
                failed_keys.add(key)
            if result.get("value") is not None:
                values[key].append(float(result["value"]))
        for key in seen_keys:
            counts[key][0] += 1
            counts[key][1] += 1 if key in failed_keys else 0
    summaries = []
    for (evaluator_id, dimension), (evaluated, failed) in counts.items():
        item: dict[str, Any] = {
            "evaluatorId": evaluator_id,
            "totalEvaluated": evaluated,
            "totalFailed": failed,
        }
        if dimension:
            item["evaluationDimensionName"] = dimension
        if values[(evaluator_id, dimension)]:
            scores = values[(evaluator_id, dimension)]
            item["statistics"] = {"averageScore": sum(scores) / len(scores)}
        summaries.append(item)
    failed_sessions = sum(1 for s in sessions if s["failed"])
    return {
        "numberOfSessionsCompleted": len(sessions) - failed_sessions,
        "numberOfSessionsInProgress": in_progress,
        "numberOfSessionsFailed": failed_sessions,
        "totalNumberOfSessions": total + ignored,
        "numberOfSessionsIgnored": ignored,
        "evaluatorSummaries": summaries,
    }


def terminal_status(outcome: dict[str, Any], done: list[dict[str, Any]]) -> str:
    """COMPLETED, COMPLETED_WITH_ERRORS (some sessions failed) or FAILED (all, or nothing to do)."""
    if outcome.get("error") or not done:
        return "FAILED"
    failed = sum(1 for s in done if s["failed"])
    if failed == 0:
        return "COMPLETED"
    return "COMPLETED_WITH_ERRORS" if failed < len(done) else "FAILED"


def session_errors(done: list[dict[str, Any]]) -> list[str]:
    """One line per failed session (at most 10): which evaluator failed and why."""
    lines = []
    for session in [s for s in done if s["failed"]][:10]:
        error: dict[str, Any] = next((r for r in session["results"] if "errorCode" in r), {})
        message = f"{error.get('errorCode', 'Error')}: {error.get('errorMessage', '')}".strip()
        where = f"session {session.get('sessionId', '?')}: {error.get('evaluatorId', '?')}"
        lines.append(f"{where}: {message}"[:1000])
    return lines
