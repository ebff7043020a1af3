"""Online evaluation configs: lifecycle, enable/disable, references, limits, tags."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import ROLE_ARN, error_code, make_evaluator, make_online

GROUND_TRUTH_JUDGE = {
    "llmAsAJudge": {
        "instructions": "Compare {assistant_turn} with {expected_response}",
        "ratingScale": {"categorical": [{"definition": "ok", "label": "ok"}]},
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
    }
}


def test_lifecycle_enable_disable_delete(emulator: Any, control: Any, conformance: Any) -> None:
    created = make_online(control, ["Builtin.Helpfulness"], enable=False)
    config_id = created["onlineEvaluationConfigId"]
    assert (created["status"], created["executionStatus"]) == ("CREATING", "DISABLED")
    assert created["outputConfig"]["cloudWatchConfig"]["logGroupName"] == (
        f"/aws/bedrock-agentcore/evaluations/results/{config_id}"
    )
    emulator.admin.advance_clock(1)
    got = control.get_online_evaluation_config(onlineEvaluationConfigId=config_id)
    assert (got["status"], got["rule"]["samplingConfig"]["samplingPercentage"]) == ("ACTIVE", 10.0)
    updated = control.update_online_evaluation_config(
        onlineEvaluationConfigId=config_id, executionStatus="ENABLED"
    )
    assert (updated["status"], updated["executionStatus"]) == ("UPDATING", "ENABLED")
    emulator.admin.advance_clock(1)
    listed = control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
    assert [(c["onlineEvaluationConfigId"], c["status"]) for c in listed] == [(config_id, "ACTIVE")]
    assert control.delete_online_evaluation_config(onlineEvaluationConfigId=config_id)["status"] == "DELETING"
    emulator.admin.advance_clock(5)
    assert control.list_online_evaluation_configs()["onlineEvaluationConfigs"] == []
    assert {"CreateOnlineEvaluationConfig", "ListOnlineEvaluationConfigs"} <= set(conformance.checked)


def test_deleting_an_enabled_config_releases_its_lock(emulator: Any, control: Any) -> None:
    evaluator_id = make_evaluator(control)["evaluatorId"]
    config_id = make_online(control, [evaluator_id])["onlineEvaluationConfigId"]
    emulator.admin.advance_clock(1)
    control.delete_online_evaluation_config(onlineEvaluationConfigId=config_id)
    assert control.get_evaluator(evaluatorId=evaluator_id)["lockedForModification"] is False


def _online(control: Any, **overrides: Any) -> Any:
    params: dict[str, Any] = {
        "onlineEvaluationConfigName": "live",
        "rule": {"samplingConfig": {"samplingPercentage": 10.0}},
        "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"]}},
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
        "evaluationExecutionRoleArn": ROLE_ARN,
        "enableOnCreate": True,
        **overrides,
    }
    return control.create_online_evaluation_config(**params)


ERROR_CASES = [
    (
        "sampling above 100",
        {"rule": {"samplingConfig": {"samplingPercentage": 100.5}}},
        "ValidationException",
        "Member must have value less than or equal to 100.0",
    ),
    (
        "more than 25 evaluators",
        {"evaluators": [{"evaluatorId": "Builtin.Helpfulness"}] * 26},
        "ValidationException",
        "Member must have length less than or equal to 25",
    ),
    (
        "two service names",
        {"dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a", "b"]}}},
        "ValidationException",
        "at 'dataSourceConfig.cloudWatchLogs.serviceNames'",
    ),
    (
        "filter operator enum",
        {
            "rule": {
                "samplingConfig": {"samplingPercentage": 1.0},
                "filters": [{"key": "k", "operator": "Like", "value": {"stringValue": "v"}}],
            }
        },
        "ValidationException",
        "at 'rule.filters.1.member.operator'",
    ),
    (
        "unknown evaluator",
        {"evaluators": [{"evaluatorId": "gone-0123456789"}]},
        "ResourceNotFoundException",
        "gone-0123456789",
    ),
    (
        "ground-truth built-in",
        {"evaluators": [{"evaluatorId": "Builtin.Correctness"}]},
        "ValidationException",
        "ground truth",
    ),
    (
        "reserved custom log group",
        {"outputConfig": {"cloudWatchConfig": {"logGroupName": "/aws/bedrock-agentcore/evaluations/mine"}}},
        "ValidationException",
        "may not be under",
    ),
    (
        "role ARN pattern",
        {"evaluationExecutionRoleArn": "arn:aws:iam::1:user/x"},
        "ValidationException",
        "at 'evaluationExecutionRoleArn'",
    ),
]


@pytest.mark.parametrize(
    ("reason", "overrides", "code", "fragment"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_classes(
    control: Any, reason: str, overrides: dict[str, Any], code: str, fragment: str
) -> None:
    with pytest.raises(ClientError) as exc:
        _online(control, **overrides)
    assert error_code(exc) == code, reason
    assert fragment in exc.value.response["Error"]["Message"], reason


def test_ground_truth_placeholder_evaluator_is_rejected_online(control: Any) -> None:
    evaluator_id = control.create_evaluator(
        evaluatorName="gt", evaluatorConfig=GROUND_TRUTH_JUDGE, level="TRACE"
    )["evaluatorId"]
    with pytest.raises(ClientError) as exc:
        _online(control, evaluators=[{"evaluatorId": evaluator_id}])
    assert error_code(exc) == "ValidationException"


def test_duplicate_name_conflict_and_quota(emulator: Any, control: Any) -> None:
    _online(control)
    with pytest.raises(ClientError) as exc:
        _online(control)
    assert error_code(exc) == "ConflictException"
    emulator.admin.configure(max_online_configs=1)
    with pytest.raises(ClientError) as exc:
        _online(control, onlineEvaluationConfigName="other")
    assert error_code(exc) == "ServiceQuotaExceededException"


def test_update_while_creating_and_unknown_ids(control: Any) -> None:
    config_id = _online(control)["onlineEvaluationConfigId"]
    with pytest.raises(ClientError) as exc:
        control.update_online_evaluation_config(
            onlineEvaluationConfigId=config_id, executionStatus="DISABLED"
        )
    assert error_code(exc) == "ConflictException"
    for call in (
        control.get_online_evaluation_config,
        control.delete_online_evaluation_config,
        control.update_online_evaluation_config,
    ):
        with pytest.raises(ClientError) as exc:
            call(onlineEvaluationConfigId="gone-0123456789")
        assert error_code(exc) == "ResourceNotFoundException"


def test_tags_on_evaluators_and_configs(control: Any, conformance: Any) -> None:
    evaluator = make_evaluator(control, tags={"team": "support"})
    config = _online(control, tags={"env": "dev"})
    arn = evaluator["evaluatorArn"]
    assert control.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "support"}
    control.tag_resource(resourceArn=arn, tags={"tier": "1"})
    control.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert control.list_tags_for_resource(resourceArn=arn)["tags"] == {"tier": "1"}
    config_arn = config["onlineEvaluationConfigArn"]
    assert control.list_tags_for_resource(resourceArn=config_arn)["tags"] == {"env": "dev"}
    missing = arn.rsplit("/", 1)[0] + "/gone-0123456789"
    with pytest.raises(ClientError) as exc:
        control.tag_resource(resourceArn=missing, tags={"a": "b"})
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        control.tag_resource(resourceArn=arn, tags={"bad*key": "b"})
    assert error_code(exc) == "ValidationException"
    assert {"TagResource", "UntagResource", "ListTagsForResource"} <= set(conformance.checked)
