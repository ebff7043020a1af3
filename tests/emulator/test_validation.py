"""validate_params: the structured problems the providers' check() reports before any API call."""

from __future__ import annotations

from typing import Any

import pytest

from evalctl.api.validation import validate_params
from evalctl.service_models import CONTROL
from tests.emulator.helpers import JUDGE_CONFIG


@pytest.mark.parametrize(
    ("reason", "params", "expected"),
    [
        (
            "a valid request has no problem",
            {"evaluatorName": "ok", "level": "TRACE", "evaluatorConfig": JUDGE_CONFIG},
            [],
        ),
        (
            "pattern",
            {"evaluatorName": "1x", "level": "TRACE", "evaluatorConfig": JUDGE_CONFIG},
            [("evaluatorName", "Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}")],
        ),
        (
            "required, nested",
            {"evaluatorName": "ok", "level": "TRACE", "evaluatorConfig": {"codeBased": {"lambdaConfig": {}}}},
            [("evaluatorConfig.codeBased.lambdaConfig.lambdaArn", "Member must not be null")],
        ),
        (
            "type, reported by botocore",
            {"evaluatorName": 5, "level": "TRACE", "evaluatorConfig": JUDGE_CONFIG},
            [("evaluatorName", "Invalid type for parameter evaluatorName")],
        ),
    ],
    ids=["valid", "pattern", "required", "type"],
)
def test_validate_params(reason: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found = validate_params(CONTROL, "CreateEvaluator", params)
    assert [p.path for p in found] == [path for path, _ in expected], reason
    for problem, (_, fragment) in zip(found, expected, strict=True):
        assert fragment in problem.message, reason
