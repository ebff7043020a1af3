"""`evalctl builtins`: every built-in evaluator and insight, its level and the ground truth it needs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from evalctl import term
from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_INSIGHTS, TRAJECTORY_EVALUATORS
from evalctl.cli.exits import EPILOG
from evalctl.spec.builtins import GROUND_TRUTH_PLACEHOLDERS, PLACEHOLDERS


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl builtins`."""
    parser = subparsers.add_parser(
        "builtins",
        help="list built-in evaluators and insights with their levels and ground-truth needs",
        description="Every built-in evaluator (its level, the ground truth it reads and whether it "
        "cannot score without it), every built-in insight, and the instruction placeholders a custom "
        "evaluator of each level may use.",
        epilog=EPILOG,
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(handler=run)


def catalog() -> dict[str, Any]:
    """The catalog as plain data (what --json prints)."""
    evaluators = [
        {
            "id": ref,
            "level": level,
            "groundTruth": list(fields),
            # Trajectory matchers are code comparing tool calls with expectedTrajectory: without it
            # there is nothing to compare; the others judge without ground truth and read it when given.
            "requiresGroundTruth": ref in TRAJECTORY_EVALUATORS,
            "scoredBy": "code" if ref in TRAJECTORY_EVALUATORS else "model",
        }
        for ref, (level, fields) in BUILTIN_EVALUATORS.items()
    ]
    placeholders = {
        level: {
            "agentData": sorted(names),
            "groundTruth": dict(sorted(GROUND_TRUTH_PLACEHOLDERS[level].items())),
        }
        for level, names in PLACEHOLDERS.items()
    }
    return {
        "evaluators": evaluators,
        "insights": [{"id": i} for i in BUILTIN_INSIGHTS],
        "placeholders": placeholders,
    }


def _needs(entry: dict[str, Any]) -> str:
    fields = ", ".join(entry["groundTruth"])
    if not fields:
        return "-"
    return f"{fields} (required)" if entry["requiresGroundTruth"] else f"{fields} (optional)"


def render(data: dict[str, Any]) -> str:
    """Three tables: evaluators, insights, placeholders per level."""
    evaluators = term.table(
        ["EVALUATOR", "LEVEL", "SCORED BY", "GROUND TRUTH"],
        [[e["id"], e["level"], e["scoredBy"], _needs(e)] for e in data["evaluators"]],
    )
    insights = term.table(["INSIGHT"], [[i["id"]] for i in data["insights"]])
    rows = [
        [
            level,
            ", ".join("{" + p + "}" for p in table["agentData"]),
            ", ".join(f"{{{p}}} -> {f}" for p, f in table["groundTruth"].items()) or "-",
        ]
        for level, table in data["placeholders"].items()
    ]
    placeholders = term.table(
        ["LEVEL", "PLACEHOLDERS (custom evaluators)", "GROUND-TRUTH PLACEHOLDERS"], rows
    )
    return f"{evaluators}\n\n{insights}\n\n{placeholders}\n"


def run(args: argparse.Namespace) -> int:
    """Print the catalog; always exit 0."""
    data = catalog()
    print(json.dumps(data, indent=2) if args.json else render(data), end="" if not args.json else "\n")
    return 0
