"""Markdown and JSON renderings of a Comparison."""

from __future__ import annotations

import json

from evalctl.reports.compare import Comparison, EvaluatorDelta
from evalctl.reports.headline import headline
from evalctl.reports.markdown import cell
from evalctl.reports.outcomes import AVERAGE_DEFINITION, distribution
from evalctl.reports.text import score

VERDICT_ICON = {
    "regression": "❌",
    "improvement": "🟢",
    "no-change": "✅",
    "inconclusive": "❔",
    "insufficient-data": "❔",
    "labels-changed": "❔",
    "added": "🆕",
    "removed": "🗑️",
}
MAX_SESSION_ROWS = 50


def signed(value: float | None) -> str:
    """`+0.05`, `-0.19` or `n/a`."""
    return "n/a" if value is None else f"{value:+.2f}"


def render_comparison_json(comparison: Comparison) -> str:
    """The comparison as indented JSON (sorted keys, no NaN)."""
    return json.dumps(comparison.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"


def render_comparison_markdown(comparison: Comparison) -> str:
    """A pull-request comment: the worst finding, deltas with CIs, candidate gates, session regressions."""
    c = comparison
    found = headline(c)
    parts = [
        f"## Comparison: {cell(found.title)}",
        f"Baseline `{c.baseline['id']}` ({c.baseline['name']}) → candidate `{c.candidate['id']}` "
        f"({c.candidate['name']}) · {AVERAGE_DEFINITION} · 95% bootstrap CI resampling sessions "
        f"(paired when most sessions are on both sides), {c.resamples} resamples, seed {c.seed} · "
        f"tolerance {c.tolerance:.2f}",
    ]
    if len(found.findings) > 1:
        parts.append("\n".join(f"- {cell(text)}" for text in found.findings))
    parts.append(_evaluator_table(c.evaluators))
    if c.candidateGates:
        parts.append(
            f"### Candidate {'expectations' if _expectations(c) else 'gates'}\n\n"
            + "\n".join(
                f"- {'✅' if g.get('passed') else '❌'} {cell(str(g.get('message')))}"
                for g in c.candidateGates
            )
        )
    parts.append(_sessions(c))
    return "\n\n".join(parts) + "\n"


def _expectations(c: Comparison) -> bool:
    """The candidate is an `evalctl test` report: its checks are EvaluatorTest expectations."""
    return all(g.get("kind") == "expectation" for g in c.candidateGates)


def _sessions(c: Comparison) -> str:
    if not c.sessions:
        return "No session regressed beyond the tolerance."
    rows = ["| Session | Evaluator | Baseline | Candidate | Δ | Why |", "|---|---|--:|--:|--:|---|"]
    for r in c.sessions[:MAX_SESSION_ROWS]:
        cells = [
            f"`{r.sessionId}`",
            cell(r.evaluator),
            score(r.baseline),
            score(r.candidate),
            signed(r.delta),
        ]
        rows.append("| " + " | ".join([*cells, r.reason]) + " |")
    if len(c.sessions) > MAX_SESSION_ROWS:
        rows.append(f"\n_{len(c.sessions) - MAX_SESSION_ROWS} more in the JSON output._")
    return f"### Session regressions ({len(c.sessions)})\n\n" + "\n".join(rows)


def _sessions_cell(d: EvaluatorDelta) -> str:
    """`10/9 (9 paired)`, `10/9 (unpaired)` or `1/1` when too few sessions allow no interval."""
    counts = f"{d.baselineSessions}/{d.candidateSessions}"
    if d.mode == "paired":
        return f"{counts} ({d.pairedSessions} paired)"
    return f"{counts} ({d.mode})" if d.mode else counts


def _ci_cell(d: EvaluatorDelta) -> str:
    if d.ciLow is not None and d.ciHigh is not None:
        return f"[{d.ciLow:+.2f}, {d.ciHigh:+.2f}]"
    if d.delta is not None:
        return "n/a (under 2 sessions a side)"
    return "n/a"


def _side(mean: float | None, labels: dict[str, int]) -> str:
    """A score, or a categorical evaluator's label distribution."""
    return score(mean) if mean is not None or not labels else distribution(labels)


def _evaluator_table(deltas: list[EvaluatorDelta]) -> str:
    if not deltas:
        return "_Neither side has evaluator results._"
    rows = [
        "| Evaluator | Baseline | Candidate | Δ | 95% CI | Sessions b/c | Failed b/c | Verdict |",
        "|---|--:|--:|--:|---|---|---|---|",
    ]
    for d in deltas:
        name = d.evaluator if d.dimension is None else f"{d.evaluator} [{d.dimension}]"
        cells = [
            cell(name),
            cell(_side(d.baselineMean, d.baselineLabels)),
            cell(_side(d.candidateMean, d.candidateLabels)),
            signed(d.delta),
            _ci_cell(d),
            _sessions_cell(d),
            f"{d.baselineFailed}/{d.candidateFailed}",
            f"{VERDICT_ICON[d.verdict]} {d.verdict}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
