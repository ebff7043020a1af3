"""Terminal rendering: the per-evaluator table, gate verdicts and insight clusters."""

from __future__ import annotations

from evalctl import term
from evalctl.reports.models import EvaluatorSummary, GateRecord, InsightCluster, RunResults
from evalctl.reports.outcomes import AVERAGE_DEFINITION, categorical_labels, distribution

KIND_TITLES = {
    "failure": "Failure",
    "userIntent": "User intent",
    "executionSummary": "Execution pattern",
    "insight": "Insight",
}


def score(value: float | None) -> str:
    """A score with 2 decimals, or `n/a` when nothing was scored."""
    return "n/a" if value is None else f"{value:.2f}"


def plural(count: int, noun: str) -> str:
    """`1 session`, `3 sessions`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def evaluator_label(row: EvaluatorSummary) -> str:
    """The evaluator's name, with its dimension for multi-dimensional evaluators."""
    return row.name if row.dimension is None else f"{row.name} [{row.dimension}]"


def gate_for(row: EvaluatorSummary, gates: list[GateRecord]) -> GateRecord | None:
    """The average-score gate that judged this evaluator, if any."""
    for gate in gates:
        if gate.kind == "minAverageScore" and gate.details.get("evaluatorId") == row.id:
            dimension = gate.details.get("dimension")
            if dimension is None or row.dimension in (None, dimension):
                return gate
    return None


def gates_title(gates: list[GateRecord]) -> str:
    """`Expectations` for `evalctl test` (its checks are EvaluatorTest expectations), else `Gates`."""
    return "Expectations" if gates and all(g.kind == "expectation" for g in gates) else "Gates"


def gate_cell(row: EvaluatorSummary, gates: list[GateRecord]) -> str:
    """`pass (>= 0.80)`, `FAIL (>= 0.80)` or `-` when no gate applies."""
    gate = gate_for(row, gates)
    if gate is None:
        return "-"
    return f"{'pass' if gate.passed else 'FAIL'} (>= {float(gate.threshold):.2f})"


def session_counts(results: RunResults) -> str:
    """`4 sessions (3 completed, 1 failed)`."""
    job = results.job
    done, failed = job.sessionsCompleted or 0, job.sessionsFailed or 0
    return f"{plural(job.totalSessions or 0, 'session')} ({done} completed, {failed} failed)"


def headline(results: RunResults) -> list[str]:
    """Who ran what, its status and the session counts."""
    job = results.job
    counts = [f"{job.totalSessions or 0} total", f"{job.sessionsCompleted or 0} completed"]
    counts.append(f"{job.sessionsFailed or 0} failed")
    if job.sessionsIgnored:
        counts.append(f"{job.sessionsIgnored} ignored")
    lines = [f"Batch evaluation {job.name} ({job.id}): {job.status} [{job.source}]"]
    lines.append("Sessions: " + ", ".join(counts))
    lines += [f"Error: {detail}" for detail in job.errorDetails]
    return lines + simulation_lines(results)


def simulation_lines(results: RunResults) -> list[str]:
    """`evalctl simulate`'s scenario counts and the actor's usage (nothing for other runs)."""
    simulated = results.simulation
    if simulated is None:
        return []
    counts = f"Simulated scenarios: {simulated.scenarios}, {simulated.failed} failed"
    if simulated.failed:
        failed = ", ".join(f.scenarioId for f in simulated.failures)
        counts += f" ({failed}): the scores cover an incomplete run"
    return [counts, f"actor usage: {simulated.actorUsage.describe()}"]


def render_text(results: RunResults) -> str:
    """Everything `evalctl run` and `evalctl results` print after a job finishes."""
    headers = ["EVALUATOR", "LEVEL", "AVERAGE", "EVALUATED", "FAILED", "GATE", "LABELS"]
    rows = [
        [
            evaluator_label(r),
            r.level or "-",
            score(r.averageScore),
            str(r.evaluated),
            str(r.failed),
            gate_cell(r, results.gates),
            distribution(categorical_labels(results, r), "-"),
        ]
        for r in results.evaluators
    ]
    table = term.table(headers, rows, right=(2, 3, 4))
    parts = ["\n".join(headline(results)), f"{table}\n({AVERAGE_DEFINITION})"]
    if results.gates:
        parts.append(
            "\n".join(
                [
                    gates_title(results.gates),
                    *(f"  {'pass' if g.passed else 'FAIL'}  {g.message}" for g in results.gates),
                ]
            )
        )
    if results.insights.clusters:
        parts.append(render_clusters(results.insights.clusters))
    return "\n\n".join(parts) + "\n"


def render_clusters(clusters: list[InsightCluster]) -> str:
    """Insight clusters with affected sessions, root causes and recommendations."""
    lines = ["Insights"]
    for cluster in clusters:
        affected = plural(cluster.affectedSessionCount, "session")
        title = f"  {KIND_TITLES[cluster.kind]}: {cluster.name} ({affected})"
        lines.append(title + (f" - {cluster.description}" if cluster.description else ""))
        if cluster.sessions:
            lines.append(f"    sessions: {', '.join(cluster.sessions)}")
        for cause in cluster.rootCauses:
            lines.append(f"    root cause: {cause.name} ({plural(cause.affectedSessionCount, 'session')})")
            if cause.rootCause:
                lines.append(f"      why: {cause.rootCause}")
            if cause.recommendation:
                lines.append(f"      fix: {cause.recommendation}")
    return "\n".join(lines)
