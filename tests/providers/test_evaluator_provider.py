"""EvaluatorProvider through the real provider server against the emulator (tier 2)."""

from __future__ import annotations

import json

import pytest

from tests.providers.harness import UNKNOWN, ProviderError, wait_until
from tests.providers.specs import (
    custom_evaluators,
    evaluator_props,
    evaluator_urn,
    online_props,
    online_urn,
)

URN = evaluator_urn()
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:tone-check"
CODE = {"codeBased": {"lambdaConfig": {"lambdaArn": LAMBDA_ARN, "lambdaTimeoutInSeconds": 30}}}


@pytest.mark.parametrize(
    ("changes", "failing", "reason"),
    [
        ({}, [], "a valid CreateEvaluator request"),
        ({"level": "TURN"}, ["level"], "enum from botocore's model"),
        ({"evaluatorName": "9bad-name"}, ["evaluatorName"], "name pattern"),
        ({"evaluatorConfig": {"llmAsAJudge": UNKNOWN}}, [], "preview: unknown values are not judged"),
        ({"description": ""}, ["description"], "min length 1"),
        ({"evaluatorConfig": CODE}, [], "30 arrives as 30.0 and is cast back for an integer member"),
        ({"evaluatorConfig": {**CODE, "llmAsAJudge": {}}}, ["evaluatorConfig"], "a union takes one member"),
    ],
)
def test_check_validates_against_the_model(provider_server, changes, failing, reason):
    checked = provider_server.check(URN, {}, evaluator_props(**changes))
    assert sorted({prop.strip(".").split(".")[0] for prop, _ in checked.failures}) == failing, reason


@pytest.mark.parametrize(
    ("changes", "expected", "replaces", "reason"),
    [
        ({}, "none", [], "identical inputs"),
        ({"source": "elsewhere.yaml", "ownerUrn": "urn:other"}, "none", [], "bookkeeping is not diffed"),
        ({"description": "new words"}, "some", [], "description updates in place"),
        ({"level": "SESSION"}, "some", [], "UpdateEvaluator takes level"),
        ({"tags": {"team": "support"}}, "some", [], "tags update through TagResource"),
        ({"evaluatorName": "other_test"}, "some", ["evaluatorName"], "the name is immutable"),
        ({"evaluatorName": UNKNOWN}, "some", ["evaluatorName"], "unknown name in preview may replace"),
    ],
)
def test_diff_is_local_and_exact(provider_server, emulator, changes, expected, replaces, reason):
    olds = {**evaluator_props(), "evaluatorId": "tone_test-0123456789", "status": "ACTIVE"}
    emulator.admin.clear_call_counts()
    plan = provider_server.diff(URN, "tone_test-0123456789", olds, evaluator_props(**changes))
    assert (plan.changes, plan.replaces) == (expected, replaces), reason
    assert plan.delete_before_replace is False, "create-before-delete: a conflict takes the alternate name"
    assert emulator.admin.call_counts() == {}, "diff never calls AWS"


def test_create_tags_with_owner_and_outputs_are_json(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    control = fast_emulator.client("bedrock-agentcore-control")
    [live] = custom_evaluators(control)
    assert (live["evaluatorId"], live["status"]) == (state.outputs["evaluatorId"], "ACTIVE")
    tags = control.list_tags_for_resource(resourceArn=live["evaluatorArn"])["tags"]
    assert set(tags) == {"evalctl:owner", "evalctl:stack"} and tags["evalctl:stack"] == "test"
    public = {k: v for k, v in state.outputs.items() if k != "__provider"}
    assert json.loads(json.dumps(public)) == public
    counts = fast_emulator.admin.call_counts()
    assert counts["CreateEvaluator"] == 1 and counts.get("GetEvaluator", 0) <= 2


def test_unchanged_rerun_makes_no_api_call(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    fast_emulator.admin.clear_call_counts()
    assert provider_server.up(URN, evaluator_props(), state) is state
    assert fast_emulator.admin.call_counts() == {}


def test_update_in_place_keeps_the_id(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    updated = provider_server.up(URN, evaluator_props(description="kinder words"), state)
    control = fast_emulator.client("bedrock-agentcore-control")
    live = control.get_evaluator(evaluatorId=state.outputs["evaluatorId"])
    assert updated.outputs["evaluatorId"] == state.outputs["evaluatorId"]
    assert live["description"] == "kinder words"


def test_rename_replaces_and_leaves_one_evaluator(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    renamed = provider_server.up(URN, evaluator_props(evaluatorName="tone_v2_test"), state)
    names = [e["evaluatorName"] for e in custom_evaluators(fast_emulator.client("bedrock-agentcore-control"))]
    assert renamed.id != state.id
    assert names == ["tone_v2_test"]


def test_refresh_shows_drift_and_reports_deleted_as_gone(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    state = provider_server.up(URN, evaluator_props())
    control.update_evaluator(evaluatorId=state.id, description="changed in the console")
    refreshed = provider_server.refresh(state)
    assert refreshed is not None and refreshed.outputs["description"] == "changed in the console"
    plan = provider_server.diff(URN, state.id, refreshed.outputs, evaluator_props())
    assert plan.changes == "some", "the next up puts the spec back"
    fast_emulator.admin.clear_call_counts()
    provider_server.refresh(state)
    counts = fast_emulator.admin.call_counts()
    assert counts == {"GetEvaluator": 1, "ListTagsForResource": 1}, "the resource and its tags, once each"
    assert wait_until(lambda: control.get_evaluator(evaluatorId=state.id)["status"] == "ACTIVE")
    control.delete_evaluator(evaluatorId=state.id)
    assert provider_server.refresh(state) is None


def test_delete_of_something_already_gone_succeeds(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    provider_server.destroy(state)
    provider_server.destroy(state)
    assert custom_evaluators(fast_emulator.client("bedrock-agentcore-control")) == []


def test_a_locked_evaluator_this_stack_does_not_mark_as_used_says_why(provider_server, fast_emulator):
    blue = provider_server.up(URN, evaluator_props())
    provider_server.up(online_urn("live"), online_props("live", [blue.outputs["evaluatorId"]]))
    with pytest.raises(ProviderError, match="locked by an online evaluation this stack does not manage"):
        provider_server.up(URN, evaluator_props(description="locked"), blue)
    assert len(custom_evaluators(fast_emulator.client("bedrock-agentcore-control"))) == 1, "nothing created"


def test_a_same_named_evaluator_we_do_not_own_says_how_to_import_it(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    props = evaluator_props()
    foreign = control.create_evaluator(
        evaluatorName=props["evaluatorName"],
        level="TRACE",
        evaluatorConfig=evaluator_props()["evaluatorConfig"],
    )
    with pytest.raises(ProviderError) as exc:
        provider_server.up(URN, props)
    assert f"importId: {foreign['evaluatorId']}" in exc.value.details
    assert "evaluations/tone.yaml: Evaluator tone_test" in exc.value.details


def test_import_id_adopts_an_existing_evaluator_without_creating(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    props = evaluator_props()
    existing = control.create_evaluator(
        evaluatorName=props["evaluatorName"], level="TRACE", evaluatorConfig=props["evaluatorConfig"]
    )
    fast_emulator.admin.clear_call_counts()
    state = provider_server.up(URN, {**props, "importId": existing["evaluatorId"]})
    assert state.outputs["evaluatorId"] == existing["evaluatorId"]
    assert "CreateEvaluator" not in fast_emulator.admin.call_counts()
    assert control.get_evaluator(evaluatorId=existing["evaluatorId"])["description"] == props["description"]


def test_a_throttling_storm_still_converges(provider_server, fast_emulator):
    # A fixed seed makes the storm repeatable: 30% of calls throttled, several on CreateEvaluator.
    fast_emulator.admin.set_faults(throttle_rate=0.3, seed=3)
    a = provider_server.up(evaluator_urn("a"), evaluator_props("a"))
    b = provider_server.up(evaluator_urn("b"), evaluator_props("b"))
    provider_server.up(evaluator_urn("a"), evaluator_props("a", description="after"), a)
    provider_server.destroy(b)
    calls = fast_emulator.admin.call_counts()
    fast_emulator.admin.set_faults()
    control = fast_emulator.client("bedrock-agentcore-control")
    [live] = custom_evaluators(control)
    assert calls["CreateEvaluator"] > 2, "some creates were throttled and retried"
    assert live["evaluatorName"] == "a_test"
    assert control.get_evaluator(evaluatorId=live["evaluatorId"])["description"] == "after"
