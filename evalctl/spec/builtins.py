"""The built-in evaluators and insights the service offers, with their level and ground truth."""

from __future__ import annotations

# id -> (level, ground-truth field it uses or None)
BUILTIN_EVALUATORS: dict[str, tuple[str, str | None]] = {
    "Builtin.Correctness": ("TRACE", "expectedResponse"),
    "Builtin.Faithfulness": ("TRACE", None),
    "Builtin.Helpfulness": ("TRACE", None),
    "Builtin.ResponseRelevance": ("TRACE", None),
    "Builtin.Conciseness": ("TRACE", None),
    "Builtin.Coherence": ("TRACE", None),
    "Builtin.InstructionFollowing": ("TRACE", None),
    "Builtin.Refusal": ("TRACE", None),
    "Builtin.Harmfulness": ("TRACE", None),
    "Builtin.Stereotyping": ("TRACE", None),
    "Builtin.GoalSuccessRate": ("SESSION", "assertions"),
    "Builtin.TrajectoryExactOrderMatch": ("SESSION", "expectedTrajectory"),
    "Builtin.TrajectoryInOrderMatch": ("SESSION", "expectedTrajectory"),
    "Builtin.TrajectoryAnyOrderMatch": ("SESSION", "expectedTrajectory"),
    "Builtin.ToolSelectionAccuracy": ("TOOL_CALL", None),
    "Builtin.ToolParameterAccuracy": ("TOOL_CALL", None),
    "Builtin.SkillSelectionAccuracy": ("TOOL_CALL", None),
    "Builtin.SkillInstructionFollowing": ("TOOL_CALL", None),
}
BUILTIN_INSIGHTS = (
    "Builtin.Insight.FailureAnalysis",
    "Builtin.Insight.UserIntent",
    "Builtin.Insight.ExecutionSummary",
)

PLACEHOLDERS: dict[str, set[str]] = {
    "SESSION": {"context", "available_tools"},
    "TRACE": {"context", "assistant_turn"},
    "TOOL_CALL": {"available_tools", "context", "tool_turn"},
}
GROUND_TRUTH_PLACEHOLDERS: dict[str, dict[str, str]] = {
    "SESSION": {
        "assertions": "assertions",
        "expected_tool_trajectory": "expectedTrajectory",
        "actual_tool_trajectory": "expectedTrajectory",
    },
    "TRACE": {"expected_response": "expectedResponse"},
    "TOOL_CALL": {},
}
