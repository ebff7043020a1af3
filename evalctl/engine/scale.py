"""Rating scales (numerical, categorical, multiDimensional): choosing and matching labels."""

from __future__ import annotations

from typing import Any


class ScaleError(ValueError):
    """A rating scale with no usable entries, or an answer that names none of them."""


def dimensions(rating_scale: dict[str, Any]) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(dimension name, dimension instruction, scale) triples; one unnamed entry for flat scales."""
    if "multiDimensional" in rating_scale:
        return [
            (d["dimensionName"], d.get("dimensionInstruction", ""), d.get("dimensionRatingScale", {}))
            for d in rating_scale["multiDimensional"]
        ]
    return [(None, "", rating_scale)]


def entries(scale: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """('numerical'|'categorical', its definitions); numerical sorted by value, low to high."""
    if scale.get("numerical"):
        return "numerical", sorted(scale["numerical"], key=lambda e: float(e["value"]))
    if scale.get("categorical"):
        return "categorical", list(scale["categorical"])
    raise ScaleError("rating scale has no numerical or categorical definitions")


def pick(scale: dict[str, Any], score: float) -> tuple[str, float | None]:
    """The entry nearest a quality score in [0, 1] (1 best).

    Numerical: the value nearest `min + score * (max - min)`. Categorical scales carry no order
    in the API, so the engine assumes they are listed best first.
    """
    kind, defs = entries(scale)
    score = min(1.0, max(0.0, score))
    if kind == "numerical":
        low, high = float(defs[0]["value"]), float(defs[-1]["value"])
        target = low + score * (high - low)
        best = min(defs, key=lambda e: (abs(float(e["value"]) - target), -float(e["value"])))
        return str(best["label"]), float(best["value"])
    index = round((1.0 - score) * (len(defs) - 1))
    return str(defs[index]["label"]), None


def match(scale: dict[str, Any], label: str | None, value: Any = None) -> tuple[str, float | None]:
    """The scale entry a model answered with, by label (case-insensitive) or numerical value."""
    kind, defs = entries(scale)
    wanted = (label or "").strip().lower()
    for entry in defs:
        if str(entry["label"]).lower() == wanted:
            return str(entry["label"]), float(entry["value"]) if kind == "numerical" else None
    if kind == "numerical" and value is not None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        for entry in defs:
            if number is not None and abs(float(entry["value"]) - number) < 1e-9:
                return str(entry["label"]), float(entry["value"])
    known = [str(e["label"]) for e in defs]
    raise ScaleError(f"answer label {label!r} (value {value!r}) is not on the scale {known}")


def describe(scale: dict[str, Any]) -> str:
    """The scale as prompt text, one `label (value): definition` line per entry."""
    kind, defs = entries(scale)
    if kind == "numerical":
        return "\n".join(f"- {e['label']} ({e['value']}): {e.get('definition', '')}" for e in defs)
    return "\n".join(f"- {e['label']}: {e.get('definition', '')}" for e in defs)
