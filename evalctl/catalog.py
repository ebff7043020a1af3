"""The service's built-in evaluators and insights: their levels and the ground truth they read.

One table for the spec lint, the local engine and the emulator (source: shared/fixtures/README.md).
"""

from __future__ import annotations

from typing import Any

# id -> (level, ground-truth fields of evaluationReferenceInputs it reads)
BUILTIN_EVALUATORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Builtin.Correctness": ("TRACE", ("expectedResponse",)),
    "Builtin.Faithfulness": ("TRACE", ()),
    "Builtin.Helpfulness": ("TRACE", ()),
    "Builtin.ResponseRelevance": ("TRACE", ()),
    "Builtin.Conciseness": ("TRACE", ()),
    "Builtin.Coherence": ("TRACE", ()),
    "Builtin.InstructionFollowing": ("TRACE", ()),
    "Builtin.Refusal": ("TRACE", ()),
    "Builtin.Harmfulness": ("TRACE", ()),
    "Builtin.Stereotyping": ("TRACE", ()),
    "Builtin.GoalSuccessRate": ("SESSION", ("assertions",)),
    "Builtin.TrajectoryExactOrderMatch": ("SESSION", ("expectedTrajectory",)),
    "Builtin.TrajectoryInOrderMatch": ("SESSION", ("expectedTrajectory",)),
    "Builtin.TrajectoryAnyOrderMatch": ("SESSION", ("expectedTrajectory",)),
    "Builtin.ToolSelectionAccuracy": ("TOOL_CALL", ()),
    "Builtin.ToolParameterAccuracy": ("TOOL_CALL", ()),
    "Builtin.SkillSelectionAccuracy": ("TOOL_CALL", ()),
    "Builtin.SkillInstructionFollowing": ("TOOL_CALL", ()),
}
# The rating scale of every built-in, and of an evaluator derived from one (the trajectory ones score
# 0 or 1 by code); gates on them are judged against its values.
BUILTIN_SCALE: dict[str, Any] = {
    "numerical": [
        {"value": 0.0, "label": "Poor", "definition": "The criterion is not met."},
        {"value": 0.5, "label": "Partial", "definition": "The criterion is partly met."},
        {"value": 1.0, "label": "Good", "definition": "The criterion is fully met."},
    ]
}
# Scored by code against expectedTrajectory, with no model.
TRAJECTORY_EVALUATORS = (
    "Builtin.TrajectoryExactOrderMatch",
    "Builtin.TrajectoryInOrderMatch",
    "Builtin.TrajectoryAnyOrderMatch",
)
BUILTIN_INSIGHTS = (
    "Builtin.Insight.FailureAnalysis",
    "Builtin.Insight.UserIntent",
    "Builtin.Insight.ExecutionSummary",
)
