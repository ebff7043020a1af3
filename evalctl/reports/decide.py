"""Turn results plus declared gates into stored verdicts and an exit code; read gates from a spec file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalctl.reports.gates import aliases_from_names, evaluate_gates, gate_exit_code
from evalctl.reports.models import RunResults


class GatesFileError(ValueError):
    """The --gates-from file has no usable BatchEvaluation document."""


def apply_gates(
    results: RunResults, gates: Sequence[Mapping[str, Any]], aliases: Mapping[str, str] | None = None
) -> tuple[RunResults, int]:
    """Judge the gates (aliases default to names matched in the results) and pick the exit code."""
    refs = [str(g["evaluator"]) for g in gates if g.get("evaluator")]
    pairs = [(row.id, row.name) for row in results.evaluators]
    known = {**aliases_from_names(refs, pairs), **(aliases or {})}
    verdicts = evaluate_gates(gates, results.evaluation_results(), known, results.job.id or None)
    return results.with_gates([v.to_dict() for v in verdicts]), gate_exit_code(verdicts, results.job.status)


def load_gates(path: Path, name: str | None = None) -> list[dict[str, Any]]:
    """`spec.gates` of the file's BatchEvaluation (the one named `name` when the file has several)."""
    import yaml

    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    except (OSError, yaml.YAMLError) as exc:
        raise GatesFileError(f"{path}: cannot read gates: {exc}") from exc
    batches = [d for d in docs if d.get("kind") == "BatchEvaluation"]
    if name is not None:
        batches = [d for d in batches if (d.get("metadata") or {}).get("name") == name]
    if len(batches) != 1:
        found = "none" if not batches else f"{len(batches)}; pick one with --spec-name"
        raise GatesFileError(f"{path}: expected one BatchEvaluation document, found {found}")
    gates = (batches[0].get("spec") or {}).get("gates") or []
    if not isinstance(gates, list) or not all(isinstance(g, dict) for g in gates):
        raise GatesFileError(f"{path}: spec.gates must be a list of mappings")
    return gates
