"""Spec fields in the shapes the API takes: references, insights and tags (no Pulumi types here)."""

from __future__ import annotations

from typing import Any

from components._stack_config import Decl


def base_ref(decl: Decl) -> str | None:
    """The base evaluator a derived evaluator builds on."""
    derived = (decl.spec.get("evaluatorConfig") or {}).get("derived") or {}
    ref = derived.get("baseEvaluatorId")
    return str(ref) if ref else None


def literal_id(ref: str) -> str:
    """An evaluator id from a literal reference: ARNs become their id, ids stay."""
    return ref.rsplit("evaluator/", 1)[-1] if ref.startswith("arn:") else ref


def insight_entries(spec: dict[str, Any]) -> dict[str, Any]:
    """`insights: [Builtin.Insight.X]` in a spec is `[{"insightId": ...}]` in the API."""
    entries = [i if isinstance(i, dict) else {"insightId": str(i)} for i in spec.get("insights") or []]
    return {**spec, "insights": entries} if entries else spec


def with_tags(spec: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """The spec with the stack's owner tags added to its own."""
    return {**spec, "tags": {**(spec.get("tags") or {}), **tags}}
