"""Instruction placeholders per evaluator level, and the ground truth each placeholder reads."""

from __future__ import annotations

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
