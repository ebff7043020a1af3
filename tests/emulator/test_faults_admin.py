"""Fault injection, call counts, the clock, persistence across restarts and the shape checker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from moto.moto_api._internal.models import moto_api_backend

from evalctl.emulator.conform import output_problems
from evalctl.emulator.testing import running_emulator
from evalctl.service_models import CONTROL, service_model
from tests.emulator.helpers import error_code, make_evaluator


@pytest.mark.parametrize(
    ("reason", "faults", "code", "status"),
    [
        ("every call throttled", {"throttle_rate": 1.0}, "ThrottlingException", 429),
        ("every call fails with a 5xx", {"error_rate": 1.0}, "InternalServerException", 500),
    ],
    ids=["throttle", "error"],
)
def test_injected_errors_leave_state_untouched(
    emulator: Any, control: Any, reason: str, faults: dict[str, Any], code: str, status: int
) -> None:
    emulator.admin.set_faults(**faults, seed=1)
    with pytest.raises(ClientError) as exc:
        make_evaluator(control)
    meta = exc.value.response["ResponseMetadata"]
    assert (error_code(exc), meta["HTTPStatusCode"], meta["HTTPHeaders"]["x-amzn-errortype"]) == (
        code,
        status,
        code,
    ), reason
    emulator.admin.set_faults()
    assert [e for e in control.list_evaluators()["evaluators"] if e["evaluatorType"] == "Custom"] == []


def test_partial_rates_are_reproducible_with_a_seed(emulator: Any, control: Any) -> None:
    outcomes = []
    for _ in range(2):
        emulator.admin.set_faults(throttle_rate=0.5, seed=7)
        run = []
        for _ in range(12):
            try:
                control.get_evaluator(evaluatorId="Builtin.Helpfulness")
                run.append("ok")
            except ClientError as exc:
                run.append(exc.response["Error"]["Code"])
        outcomes.append(run)
    assert outcomes[0] == outcomes[1]
    assert {"ok", "ThrottlingException"} == set(outcomes[0])


def test_commit_then_fail_applies_then_errors_once(emulator: Any, control: Any) -> None:
    emulator.admin.set_faults(commit_then_fail="CreateEvaluator")
    token = "t" * 40
    with pytest.raises(ClientError) as exc:
        make_evaluator(control, clientToken=token)
    assert error_code(exc) == "InternalServerException"
    retried = make_evaluator(control, clientToken=token)
    customs = [
        e["evaluatorId"] for e in control.list_evaluators()["evaluators"] if e["evaluatorType"] == "Custom"
    ]
    assert customs == [retried["evaluatorId"]]


def test_commit_then_drop_closes_the_connection(emulator: Any, control: Any) -> None:
    emulator.admin.set_faults(commit_then_fail="CreateEvaluator", commit_then_fail_mode="drop")
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        make_evaluator(control)
    assert control.get_evaluator(evaluatorId=_only_custom(control))["evaluatorName"] == "tone"


def _only_custom(control: Any) -> str:
    customs = [
        e["evaluatorId"] for e in control.list_evaluators()["evaluators"] if e["evaluatorType"] == "Custom"
    ]
    assert len(customs) == 1
    return customs[0]


def test_call_counts_cover_agentcore_and_moto_operations(emulator: Any, control: Any) -> None:
    make_evaluator(control)
    control.list_evaluators()
    control.list_evaluators()
    emulator.client("logs").create_log_group(logGroupName="g")
    emulator.client("iam").list_roles()
    emulator.client("lambda").list_functions()
    emulator.client("sts").get_caller_identity()
    counts = emulator.admin.call_counts()
    assert counts == {
        "CreateEvaluator": 1,
        "ListEvaluators": 2,
        "CreateLogGroup": 1,
        "ListRoles": 1,
        "ListFunctions": 1,
        "GetCallerIdentity": 1,
    }


def test_clock_only_moves_forward(emulator: Any) -> None:
    before = emulator.admin.now()
    after = emulator.admin.advance_clock(3600)
    assert after - before >= 3600
    assert emulator.admin.advance_clock(-100) >= after


EMPTY_ZIP = b"PK\x05\x06" + b"\0" * 18


def _moto_state(handle: Any) -> str:
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = handle.client("iam").create_role(RoleName="kept", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    handle.client("logs").create_log_group(logGroupName="/kept")
    handle.client("lambda").create_function(
        FunctionName="kept", Runtime="python3.11", Role=role, Handler="a.h", Code={"ZipFile": EMPTY_ZIP}
    )
    return str(role)


def test_moto_state_survives_a_restart(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        role = _moto_state(first)
    # A new process starts with empty moto backends: empty them here the same way.
    moto_api_backend.reset()
    with running_emulator(data_dir=tmp_path) as second:
        assert second.client("iam").get_role(RoleName="kept")["Role"]["Arn"] == role
        groups = second.client("logs").describe_log_groups()["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/kept"]
        function = second.client("lambda").get_function(FunctionName="kept")
        assert function["Configuration"]["Handler"] == "a.h"


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        control = first.client("bedrock-agentcore-control")
        created = make_evaluator(control, tags={"k": "v"}, clientToken="p" * 40)
    assert (tmp_path / "agentcore.json").exists()
    with running_emulator(data_dir=tmp_path) as second:
        control = second.client("bedrock-agentcore-control")
        got = control.get_evaluator(evaluatorId=created["evaluatorId"])
        assert got["evaluatorName"] == "tone"
        assert control.list_tags_for_resource(resourceArn=created["evaluatorArn"])["tags"] == {"k": "v"}
        again = make_evaluator(control, tags={"k": "v"}, clientToken="p" * 40)
        assert again["evaluatorId"] == created["evaluatorId"]


@pytest.mark.parametrize(
    ("reason", "wire", "fragment"),
    [
        ("missing required member", {"evaluatorArn": "x"}, "Value null at 'evaluatorId'"),
        ("timestamp as a string where epoch is expected", None, "expected epoch-seconds timestamp"),
        ("status outside the enum", None, "enum value set"),
        ("unknown member", None, "not a member"),
    ],
    ids=["required", "timestamp", "enum", "unknown"],
)
def test_output_checker_catches_bad_responses(
    reason: str, wire: dict[str, Any] | None, fragment: str
) -> None:
    shape = service_model(CONTROL).operation_model("CreateEvaluator").output_shape
    good = {
        "evaluatorArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/tone-0123456789",
        "evaluatorId": "tone-0123456789",
        "createdAt": 1.5,
        "status": "CREATING",
    }
    assert output_problems(shape, good) == []
    bad = wire or {
        **good,
        **{
            "timestamp as a string where epoch is expected": {"createdAt": "yesterday"},
            "status outside the enum": {"status": "READY"},
            "unknown member": {"extra": 1},
        }[reason],
    }
    assert any(fragment in p for p in output_problems(shape, bad)), reason
