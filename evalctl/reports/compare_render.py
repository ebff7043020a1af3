"""Markdown and JSON renderings of a Comparison."""

from __future__ import annotations

import json

from evalctl.reports.compare import Comparison, EvaluatorDelta
from evalctl.reports.markdown import cell
from evalctl.reports.text import score

VERDICT_ICON = {
    "regression": "❌",
    "improvement": "🟢",
    "no-change": "✅",
    "inconclusive": "❔",
    "insufficient-data": "❔",
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
    """A pull-request comment: verdict, per-evaluator deltas with CIs, then session regressions."""
    c = comparison
    if c.regressed:
        title = f"## Comparison: ❌ regression beyond tolerance {c.tolerance:.2f}"
    else:
        title = f"## Comparison: ✅ no regression beyond tolerance {c.tolerance:.2f}"
    parts = [
        title,
        f"Baseline `{c.baseline['id']}` ({c.baseline['name']}) → candidate `{c.candidate['id']}` "
        f"({c.candidate['name']}) · means over paired sessions when paired · 95% bootstrap CI over sessions, "
        f"{c.resamples} resamples, seed {c.seed}",
        _evaluator_table(c.evaluators),
    ]
    if c.sessions:
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
        parts.append(f"### Session regressions ({len(c.sessions)})\n\n" + "\n".join(rows))
    else:
        parts.append("No session regressed beyond the tolerance.")
    return "\n\n".join(parts) + "\n"


def _evaluator_table(deltas: list[EvaluatorDelta]) -> str:
    if not deltas:
        return "_Neither side has evaluator results._"
    rows = [
        "| Evaluator | Baseline | Candidate | Δ | 95% CI | Sessions b/c (paired) | Failed b/c | Verdict |",
        "|---|--:|--:|--:|---|---|---|---|",
    ]
    for d in deltas:
        name = d.evaluator if d.dimension is None else f"{d.evaluator} [{d.dimension}]"
        ci = "n/a" if d.ciLow is None or d.ciHigh is None else f"[{d.ciLow:+.2f}, {d.ciHigh:+.2f}]"
        sessions = f"{d.baselineSessions}/{d.candidateSessions} ({d.pairedSessions} {d.mode or 'no CI'})"
        cells = [cell(name), score(d.baselineMean), score(d.candidateMean), signed(d.delta), ci, sessions]
        cells += [f"{d.baselineFailed}/{d.candidateFailed}", f"{VERDICT_ICON[d.verdict]} {d.verdict}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
