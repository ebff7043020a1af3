"""`summary.md`: a pull-request comment with the evaluator table, gates, insights and session details."""

from __future__ import annotations

import html
from pathlib import Path

from evalctl.reports.models import InsightCluster, RunResults
from evalctl.reports.outcomes import (
    AVERAGE_DEFINITION,
    DEFAULT_PASS_MARK,
    EXPECTATION_FAILED,
    RANK,
    STATUS_WORDS,
    CaseOutcome,
    case_outcomes,
    categorical_labels,
    describe_score,
    distribution,
    entry_status,
    expectation_failures,
    low_score_note,
    ordered_sessions,
    target,
)
from evalctl.reports.text import (
    KIND_TITLES,
    evaluator_label,
    gate_for,
    gates_title,
    plural,
    score,
    session_counts,
    simulation_lines,
)

# GitHub rejects comments over 65,536 characters: the worst sessions are shown first, explanations
# are clipped, and whatever does not fit is counted and left to results.json.
MAX_SESSIONS = 40
MAX_CHARS = 60_000
MAX_CELL = 300
# A low score is 🔻, not ❌: ❌ stays for failed gates, so no session reads "failed" beside "gates passed".
STATUS_ICON = {"passed": "✅", "failed": "🔻", "error": "⚠️", "skipped": "⏭️", "labelled": "🏷️"}


def cell(text: str) -> str:
    """Text safe in a Markdown table cell: no pipes, no line breaks, no HTML (`<script>` shows as text)."""
    text = html.escape(text, quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def code(text: str) -> str:
    """Inline code that a backtick or line break in the text cannot close early."""
    return "`" + text.replace("`", "'").replace("\r", " ").replace("\n", " ") + "`"


def render_markdown(results: RunResults, default_pass_mark: float = DEFAULT_PASS_MARK) -> str:
    """The whole comment as Markdown (GitHub flavour, <details> for the long parts)."""
    outcomes = case_outcomes(results, default_pass_mark)
    parts = [_title(results, low_score_note(outcomes)), _evaluator_table(results)]
    if results.gates:
        parts.append(
            f"### {gates_title(results.gates)}\n\n"
            + "\n".join(f"- {'✅' if g.passed else '❌'} {cell(g.message)}" for g in results.gates)
        )
    if results.insights.clusters:
        parts.append("### Insights\n\n" + "\n".join(_cluster(c) for c in results.insights.clusters))
    budget = MAX_CHARS - sum(len(p) + 2 for p in parts)
    parts.append(_sessions(outcomes, budget, expectation_failures(results)))
    return "\n\n".join(parts) + "\n"


def write_markdown(results: RunResults, path: Path, default_pass_mark: float = DEFAULT_PASS_MARK) -> Path:
    """Write summary.md; returns the path."""
    path.write_text(render_markdown(results, default_pass_mark), encoding="utf-8")
    return path


def _title(results: RunResults, low_scores: str) -> str:
    job = results.job
    if not results.gates:
        verdict = "results"
    elif all(g.passed for g in results.gates):
        verdict = f"✅ {gates_title(results.gates).lower()} passed"
    else:
        verdict = f"❌ {gates_title(results.gates).lower()} failed"
    counts = session_counts(results) + low_scores
    lines = [
        f"## Evaluation {code(job.name)}: {verdict}",
        "",
        f"{code(job.id)} · {cell(job.status)} · {cell(job.source)} · {counts}",
    ]
    lines += [f"> **Error:** {cell(detail)}" for detail in job.errorDetails]
    simulated = simulation_lines(results)
    if simulated:
        lines += ["", *(f"- {cell(line)}" for line in simulated)]
    return "\n".join(lines)


def _evaluator_table(results: RunResults) -> str:
    rows = [
        "| Evaluator | Level | Average | Labels | Evaluated | Failed | Gate |",
        "|---|---|--:|---|--:|--:|---|",
    ]
    for row in results.evaluators:
        gate = gate_for(row, results.gates)
        verdict = "—" if gate is None else f"{'✅' if gate.passed else '❌'} ≥ {float(gate.threshold):.2f}"
        labels = distribution(categorical_labels(results, row), "—")
        cells = [cell(evaluator_label(row)), cell(row.level or "—"), score(row.averageScore), cell(labels)]
        cells += [str(row.evaluated), str(row.failed), verdict]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + f"\n\n_{AVERAGE_DEFINITION}._"


def _cluster(cluster: InsightCluster) -> str:
    affected = plural(cluster.affectedSessionCount, "session")
    head = f"- **{KIND_TITLES[cluster.kind]}: {cell(cluster.name)}** ({affected})"
    lines = [head + (f": {cell(cluster.description)}" if cluster.description else "")]
    if cluster.sessions:
        lines.append("  - Sessions: " + ", ".join(code(s) for s in cluster.sessions))
    for cause in cluster.rootCauses:
        lines.append(f"  - Root cause **{cell(cause.name)}**: {cell(cause.rootCause)}")
        if cause.recommendation:
            lines.append(f"    - Fix: {cell(cause.recommendation)}")
    return "\n".join(lines)


def _sessions(outcomes: list[CaseOutcome], budget: int, failures: dict[str, list[str]]) -> str:
    ordered = ordered_sessions(outcomes, failures)
    blocks = [f"### Sessions ({len(ordered)})"]
    used = len(blocks[0]) + 200  # room for the closing note
    for session_id, cases in ordered[:MAX_SESSIONS]:
        block = _session_block(session_id, cases, failures.get(session_id, []))
        if used + len(block) + 2 > budget:
            break
        blocks.append(block)
        used += len(block) + 2
    if len(blocks) - 1 < len(ordered):
        blocks.append(
            f"_{len(ordered) - len(blocks) + 1} more sessions are not shown here; see results.json._"
        )
    return "\n\n".join(blocks)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _session_block(session_id: str, cases: list[CaseOutcome], failures: list[str]) -> str:
    worst = min(cases, key=lambda o: RANK[o.status]).status
    badge = f"❌ {EXPECTATION_FAILED}" if failures else f"{STATUS_ICON[worst]} {STATUS_WORDS[worst]}"
    lines = [f"<details><summary>{badge} <code>{html.escape(session_id)}</code></summary>", ""]
    lines += [f"- ❌ {cell(message)}" for message in failures] + ([""] if failures else [])
    lines += ["| Evaluator | Target | Score | Explanation |", "|---|---|---|---|"]
    for case in cases:
        for entry in case.entries:
            if entry.error is not None:
                outcome, why = f"⚠️ {cell(entry.error.type)}", cell(entry.error.message)
            else:
                icon = STATUS_ICON[entry_status(entry, case.pass_mark)]
                outcome, why = f"{icon} {cell(describe_score(entry))}", cell(_clip(entry.explanation or ""))
            lines.append(
                f"| {cell(evaluator_label(case.evaluator))} | {cell(target(entry))} | {outcome} | {why} |"
            )
    lines += ["", "</details>"]
    return "\n".join(lines)
