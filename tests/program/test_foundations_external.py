"""Tier 1: `foundations: external` takes role and function ARNs from config and registers no pulumi-aws."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from tests.program.mockrun import ACCOUNT, run_program

ROOT = Path(__file__).resolve().parents[2]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-managed"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:team-tool-reliability"
ROLES = {"online-exec": ROLE, "batch-caller": ROLE, "ci-evaluator": ROLE, "ci-deployer": ROLE}


def config(**own: object) -> dict[str, str]:
    base = {"evalctl:specDir": str(ROOT / "evaluations"), "aws:region": "us-east-1",
            "evalctl:accountId": ACCOUNT,
            "evalctl:foundations": "external"}  # fmt: skip
    base.update({f"evalctl:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in own.items()})
    return base


def test_external_foundations_use_the_configured_arns_and_register_no_aws_resource():
    run = run_program(ROOT, config(roleArns=ROLES, functionArns={"tool-reliability": FUNCTION}), stack="dev")
    assert [r.type for r in run.resources if r.type.startswith("aws:")] == []
    evaluator = run.named("evaluator-tool-reliability", "pulumi-python:dynamic/evaluator:Evaluator")
    lambda_config = evaluator.inputs["evaluatorConfig"]["codeBased"]["lambdaConfig"]
    assert lambda_config["lambdaArn"] == FUNCTION
    online = [
        r for r in run.resources if r.type == "pulumi-python:dynamic/online_evaluation:OnlineEvaluation"
    ]
    assert online and all(r.inputs["evaluationExecutionRoleArn"] == ROLE for r in online)


def test_every_missing_arn_is_named_with_the_key_to_set():
    with pytest.raises(pulumi.RunError) as exc:
        run_program(ROOT, config(roleArns={"online-exec": ROLE}), stack="dev")
    text = str(exc.value)
    assert "evalctl:functionArns.tool-reliability" in text
    for role in ("batch-caller", "ci-evaluator"):
        assert f"evalctl:roleArns.{role}" in text
    assert "roleArns.online-exec" not in text


def test_an_unknown_foundations_mode_is_refused():
    with pytest.raises(pulumi.RunError, match="use one of managed, external"):
        run_program(ROOT, config(foundations="sometimes"), stack="dev")
