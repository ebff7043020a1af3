"""Evaluator control-plane operations through boto3 over HTTP, against botocore's model."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import JUDGE_CONFIG, error_code, make_evaluator, make_online

CODE_CONFIG = {
    "codeBased": {
        "lambdaConfig": {
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:grader",
            "lambdaTimeoutInSeconds": 30,
        }
    }
}


def test_create_get_list_update_delete_lifecycle(emulator: Any, control: Any, conformance: Any) -> None:
    created = make_evaluator(control, description="tone of voice")
    evaluator_id = created["evaluatorId"]
    assert created["status"] == "CREATING"
    assert evaluator_id.startswith("tone-") and len(evaluator_id) == len("tone-") + 10
    assert (
        created["evaluatorArn"]
        == f"arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/{evaluator_id}"
    )
    emulator.admin.advance_clock(1)
    got = control.get_evaluator(evaluatorId=evaluator_id)
    assert (got["status"], got["evaluatorType"], got["level"]) == ("ACTIVE", "Custom", "TRACE")
    assert got["evaluatorConfig"] == JUDGE_CONFIG and got["lockedForModification"] is False
    updated = control.update_evaluator(evaluatorId=evaluator_id, description="new", level="SESSION")
    assert updated["status"] == "UPDATING"
    emulator.admin.advance_clock(1)
    got = control.get_evaluator(evaluatorId=evaluator_id)
    assert (got["status"], got["description"], got["level"]) == ("ACTIVE", "new", "SESSION")
    assert control.delete_evaluator(evaluatorId=evaluator_id)["status"] == "DELETING"
    assert control.get_evaluator(evaluatorId=evaluator_id)["status"] == "DELETING"
    emulator.admin.advance_clock(5)
    with pytest.raises(ClientError) as exc:
        control.get_evaluator(evaluatorId=evaluator_id)
    assert error_code(exc) == "ResourceNotFoundException"
    assert set(conformance.checked) >= {
        "CreateEvaluator",
        "GetEvaluator",
        "UpdateEvaluator",
        "DeleteEvaluator",
    }


@pytest.mark.parametrize(
    ("evaluator_id", "level"),
    [
        ("Builtin.Correctness", "TRACE"),
        ("Builtin.GoalSuccessRate", "SESSION"),
        ("Builtin.TrajectoryAnyOrderMatch", "SESSION"),
        ("Builtin.ToolParameterAccuracy", "TOOL_CALL"),
    ],
    ids=["trace-builtin", "session-builtin", "trajectory-builtin", "tool-call-builtin"],
)
def test_builtins_are_listed_and_gettable_with_their_levels(
    control: Any, evaluator_id: str, level: str
) -> None:
    got = control.get_evaluator(evaluatorId=evaluator_id)
    assert (got["level"], got["evaluatorType"], got["status"]) == (level, "Builtin", "ACTIVE")
    listed = {e["evaluatorId"]: e for e in control.list_evaluators()["evaluators"]}
    assert listed[evaluator_id]["level"] == level


def test_list_paginates_and_includes_custom_evaluators(control: Any) -> None:
    made = {make_evaluator(control, name=f"e{i}")["evaluatorId"] for i in range(3)}
    seen: list[str] = []
    kwargs: dict[str, Any] = {"maxResults": 7}
    while True:
        page = control.list_evaluators(**kwargs)
        assert len(page["evaluators"]) <= 7
        seen += [e["evaluatorId"] for e in page["evaluators"]]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    assert made <= set(seen) and len(seen) == len(set(seen)) == 18 + 3
    with pytest.raises(ClientError) as exc:
        control.list_evaluators(nextToken="not-a-token")
    assert error_code(exc) == "ValidationException"


def test_code_based_evaluator_type(control: Any) -> None:
    created = control.create_evaluator(evaluatorName="coded", evaluatorConfig=CODE_CONFIG, level="SESSION")
    assert control.get_evaluator(evaluatorId=created["evaluatorId"])["evaluatorType"] == "CustomCode"


def test_client_token_returns_the_original_result_and_creates_nothing_more(control: Any) -> None:
    token = "a" * 40
    first = make_evaluator(control, clientToken=token)
    second = make_evaluator(control, clientToken=token)
    assert first["evaluatorId"] == second["evaluatorId"]
    customs = [e for e in control.list_evaluators()["evaluators"] if e["evaluatorType"] == "Custom"]
    assert len(customs) == 1
    with pytest.raises(ClientError) as exc:
        make_evaluator(control, name="other", clientToken=token)
    assert error_code(exc) == "ConflictException"


@pytest.mark.parametrize("mode", ["any", "enabled"])
def test_locked_while_an_online_config_uses_it(emulator: Any, control: Any, mode: str) -> None:
    emulator.admin.configure(lock_mode=mode)
    evaluator_id = make_evaluator(control)["evaluatorId"]
    emulator.admin.advance_clock(1)
    config_id = make_online(control, [evaluator_id])["onlineEvaluationConfigId"]
    assert control.get_evaluator(evaluatorId=evaluator_id)["lockedForModification"] is True
    for call in (
        lambda: control.update_evaluator(evaluatorId=evaluator_id, description="x"),
        lambda: control.delete_evaluator(evaluatorId=evaluator_id),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ConflictException"
        assert "locked" in exc.value.response["Error"]["Message"]
    emulator.admin.advance_clock(1)
    control.update_online_evaluation_config(onlineEvaluationConfigId=config_id, executionStatus="DISABLED")
    locked = control.get_evaluator(evaluatorId=evaluator_id)["lockedForModification"]
    assert locked is (mode == "any"), "strict: any reference locks; 'enabled': only an enabled one"
    if mode == "enabled":
        assert control.update_evaluator(evaluatorId=evaluator_id, description="x")["status"] == "UPDATING"


def test_a_lock_is_released_only_after_the_configured_delay(emulator: Any, control: Any) -> None:
    emulator.admin.configure(lock_release_seconds=30)
    evaluator_id = make_evaluator(control)["evaluatorId"]
    emulator.admin.advance_clock(1)
    config_id = make_online(control, [evaluator_id])["onlineEvaluationConfigId"]
    emulator.admin.advance_clock(1)
    control.delete_online_evaluation_config(onlineEvaluationConfigId=config_id)
    emulator.admin.advance_clock(5)
    assert control.get_evaluator(evaluatorId=evaluator_id)["lockedForModification"] is True
    emulator.admin.advance_clock(30)
    assert control.get_evaluator(evaluatorId=evaluator_id)["lockedForModification"] is False


ERROR_CASES = [
    # (reason, setup, call, expected code, message fragment)
    (
        "name must match the model's pattern",
        None,
        lambda c, ids: make_evaluator(c, name="1bad"),
        "ValidationException",
        "Value '1bad' at 'evaluatorName' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}",
    ),
    (
        "description max length is 200",
        None,
        lambda c, ids: make_evaluator(c, description="x" * 201),
        "ValidationException",
        "Member must have length less than or equal to 200",
    ),
    (
        "level must be in the enum",
        None,
        lambda c, ids: c.create_evaluator(evaluatorName="n", evaluatorConfig=JUDGE_CONFIG, level="TURN"),
        "ValidationException",
        "Member must satisfy enum value set: [TOOL_CALL, TRACE, SESSION]",
    ),
    (
        "lambda timeout max is 300",
        None,
        lambda c, ids: c.create_evaluator(
            evaluatorName="n",
            evaluatorConfig={
                "codeBased": {
                    "lambdaConfig": {
                        **CODE_CONFIG["codeBased"]["lambdaConfig"],
                        "lambdaTimeoutInSeconds": 301,
                    }
                }
            },
            level="TRACE",
        ),
        "ValidationException",
        "at 'evaluatorConfig.codeBased.lambdaConfig.lambdaTimeoutInSeconds'",
    ),
    (
        "names are unique per account",
        "tone",
        lambda c, ids: make_evaluator(c),
        "ConflictException",
        "already exists",
    ),
    (
        "unknown evaluator",
        None,
        lambda c, ids: c.get_evaluator(evaluatorId="nope-0123456789"),
        "ResourceNotFoundException",
        "nope-0123456789",
    ),
    (
        "unknown built-in",
        None,
        lambda c, ids: c.get_evaluator(evaluatorId="Builtin.Nope"),
        "ResourceNotFoundException",
        "Builtin.Nope",
    ),
    (
        "deleting an unknown evaluator",
        None,
        lambda c, ids: c.delete_evaluator(evaluatorId="nope-0123456789"),
        "ResourceNotFoundException",
        "not found",
    ),
    (
        "built-ins cannot be updated",
        None,
        lambda c, ids: c.update_evaluator(evaluatorId="Builtin.Helpfulness", description="x"),
        "ValidationException",
        "cannot be updated",
    ),
    (
        "update while still CREATING",
        "tone",
        lambda c, ids: c.update_evaluator(evaluatorId=ids[0], description="x"),
        "ConflictException",
        "CREATING",
    ),
    (
        "derived evaluator needs an existing base",
        None,
        lambda c, ids: c.create_evaluator(
            evaluatorName="d",
            evaluatorConfig={
                "derived": {
                    "baseEvaluatorId": "gone-0123456789",
                    "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
                }
            },
            level="TRACE",
        ),
        "ResourceNotFoundException",
        "gone-0123456789",
    ),
]


@pytest.mark.parametrize(
    ("reason", "setup", "call", "code", "fragment"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_classes(
    control: Any, reason: str, setup: str | None, call: Any, code: str, fragment: str
) -> None:
    ids = [make_evaluator(control, name=setup)["evaluatorId"]] if setup else []
    with pytest.raises(ClientError) as exc:
        call(control, ids)
    assert error_code(exc) == code, reason
    assert (
        exc.value.response["ResponseMetadata"]["HTTPStatusCode"]
        == {
            "ValidationException": 400,
            "ConflictException": 409,
            "ResourceNotFoundException": 404,
        }[code]
    )
    assert fragment in exc.value.response["Error"]["Message"], reason


@pytest.mark.parametrize(
    ("reason", "params", "fragment"),
    [
        (
            "required member missing",
            {"evaluatorName": "n", "level": "TRACE"},
            "Value null at 'evaluatorConfig'",
        ),
        (
            "wrong type",
            {"evaluatorName": 5, "evaluatorConfig": JUDGE_CONFIG, "level": "TRACE"},
            "evaluatorName",
        ),
        (
            "union with two members",
            {"evaluatorName": "n", "evaluatorConfig": {**JUDGE_CONFIG, **CODE_CONFIG}, "level": "TRACE"},
            "evaluatorConfig",
        ),
        (
            "client token shorter than min",
            {"evaluatorName": "n", "evaluatorConfig": JUDGE_CONFIG, "level": "TRACE", "clientToken": "short"},
            "Member must have length greater than or equal to 33",
        ),
    ],
    ids=["required", "type", "union", "min"],
)
def test_server_side_validation_without_client_checks(
    raw_control: Any, reason: str, params: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ClientError) as exc:
        raw_control.create_evaluator(**params)
    assert error_code(exc) == "ValidationException", reason
    assert fragment in exc.value.response["Error"]["Message"], reason


def test_quota_of_evaluators(emulator: Any, control: Any) -> None:
    emulator.admin.configure(max_evaluators=1)
    make_evaluator(control)
    with pytest.raises(ClientError) as exc:
        make_evaluator(control, name="second")
    assert error_code(exc) == "ServiceQuotaExceededException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402
