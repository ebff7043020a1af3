"""The one-line verdict of a comparison: its worst finding, never "no regression" beside a red flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalctl.reports.compare import Comparison, EvaluatorDelta

# Overall verdicts, worst first; the first two make `evalctl compare` exit 1.
VERDICTS = ("regression", "gate-failed", "needs-review", "pass")
ICONS = {"regression": "❌", "gate-failed": "❌", "needs-review": "⚠️", "pass": "✅"}


@dataclass(frozen=True)
class Headline:
    """The overall verdict, its title and every finding behind it, worst first."""

    verdict: str
    title: str
    findings: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.verdict in ("regression", "gate-failed")


def _name(d: EvaluatorDelta) -> str:
    return d.evaluator if d.dimension is None else f"{d.evaluator} [{d.dimension}]"


def _delta(d: EvaluatorDelta) -> str:
    return "" if d.delta is None else f" (Δ {d.delta:+.2f})"


def _check(gate: dict[str, Any]) -> str:
    """`expectation` for the records of `evalctl test` reports, else `gate`."""
    return "expectation" if gate.get("kind") == "expectation" else "gate"


def headline(c: Comparison) -> Headline:
    """Regressions, then failed candidate gates, then what a reader must look at, then a pass."""
    by = {v: [d for d in c.evaluators if d.verdict == v] for v in {d.verdict for d in c.evaluators}}
    ranked: list[tuple[str, str]] = []
    ranked += [("regression", f"{_name(d)} regressed{_delta(d)}") for d in by.get("regression", [])]
    ranked += [
        ("gate-failed", f"candidate {_check(g)} failed: {g.get('message', g.get('kind'))}")
        for g in c.candidateGates
        if not g.get("passed", True)
    ]
    review = [
        *(f"{_name(d)} removed from the candidate" for d in by.get("removed", [])),
        *(
            f"{_name(d)} moved{_delta(d)} but the CI crosses 0 (inconclusive)"
            for d in by.get("inconclusive", [])
        ),
        *(f"{_name(d)} label distribution changed" for d in by.get("labels-changed", [])),
        *(f"{_name(d)}: too few sessions to judge" for d in by.get("insufficient-data", [])),
    ]
    ranked += [("needs-review", text) for text in review]
    added = [f"{_name(d)} added in the candidate" for d in by.get("added", [])]
    if not ranked:
        note = f"; {'; '.join(added)}" if added else ""
        return Headline(
            "pass", f"{ICONS['pass']} no regression beyond tolerance {c.tolerance:.2f}{note}", added
        )
    verdict = min((v for v, _ in ranked), key=VERDICTS.index)
    worst = next(text for v, text in ranked if v == verdict)
    more = len(ranked) - 1
    title = f"{ICONS[verdict]} {worst}" + (
        f" (+{more} more finding{'s' if more > 1 else ''})" if more else ""
    )
    return Headline(verdict, title, [text for _, text in ranked] + added)
