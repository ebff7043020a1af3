"""Regression tests for issue 14: lifecycles real teams go through, via the real provider server."""

from __future__ import annotations

from typing import Any

import pytest

from evalctl import awsops
from tests.providers.engine import Declared, Engine
from tests.providers.harness import ProviderError
from tests.providers.lifecycle import Desired, follow_restore_hint, program, violations
from tests.providers.specs import (
    custom_evaluators,
    evaluator_props,
    evaluator_urn,
    online_props,
    online_urn,
)

URN = evaluator_urn()
CONTROL = "bedrock-agentcore-control"


def live_evaluator(emulator: Any) -> dict[str, Any]:
    control = emulator.client(CONTROL)
    [summary] = custom_evaluators(control)
    return dict(control.get_evaluator(evaluatorId=summary["evaluatorId"]))


def test_description_reverts_land_every_time(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props(description="A"))
    for text in ("B", "A", "B", "A"):
        state = provider_server.up(URN, evaluator_props(description=text), state)
        assert live_evaluator(fast_emulator)["description"] == text, f"revert to {text} was skipped"


def test_online_toggles_land_every_time(provider_server, fast_emulator):
    evaluator = provider_server.up(URN, evaluator_props())
    ids = [evaluator.outputs["evaluatorId"]]
    state = provider_server.up(online_urn("live"), online_props("live", ids))
    control = fast_emulator.client(CONTROL)
    for enabled in (False, True, False, True, False):
        state = provider_server.up(
            online_urn("live"), online_props("live", ids, enableOnCreate=enabled), state
        )
        live = control.get_online_evaluation_config(onlineEvaluationConfigId=state.id)
        assert live["executionStatus"] == ("ENABLED" if enabled else "DISABLED")


def test_destroy_then_up_cycles_always_create_afresh(provider_server, fast_emulator):
    for cycle in range(3):
        state = provider_server.up(URN, evaluator_props())
        assert live_evaluator(fast_emulator)["evaluatorId"] == state.id, f"cycle {cycle}"
        provider_server.destroy(state)
        assert custom_evaluators(fast_emulator.client(CONTROL)) == []


@pytest.mark.parametrize("kind", ["evaluator", "online"])
def test_replace_target_ends_with_exactly_one_live_resource(provider_server, fast_emulator, kind):
    control = fast_emulator.client(CONTROL)
    if kind == "evaluator":
        urn_, props = URN, evaluator_props()
    else:
        urn_, props = online_urn("live"), online_props("live", ["Builtin.Helpfulness"])
    state = provider_server.up(urn_, props)
    new = provider_server.up(urn_, props, state, replace=True)
    if kind == "evaluator":
        live = [e["evaluatorId"] for e in custom_evaluators(control)]
    else:
        live = [
            c["onlineEvaluationConfigId"]
            for c in control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
        ]
    assert live == [new.id] and new.id != state.id, "the new one lives, the replaced one is gone"
    assert provider_server.refresh(new) is not None
    assert provider_server.diff(urn_, new.id, provider_server.refresh(new).outputs, props).changes == "none"


def test_removing_the_description_replaces_since_the_api_cannot_clear_it(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    without = evaluator_props(description=None)
    plan = provider_server.diff(
        URN, state.id, state.outputs, provider_server.check(URN, state.inputs, without).inputs
    )
    assert plan.replaces == ["description"]
    new = provider_server.up(URN, without, state)
    live = live_evaluator(fast_emulator)
    assert live["evaluatorId"] == new.id and live.get("description") is None


def test_removed_online_insights_are_sent_as_the_explicit_empty_list(provider_server, fast_emulator):
    props = online_props(
        "live", ["Builtin.Helpfulness"], insights=[{"insightId": "Builtin.Insight.FailureAnalysis"}]
    )
    state = provider_server.up(online_urn("live"), props)
    state = provider_server.up(online_urn("live"), online_props("live", ["Builtin.Helpfulness"]), state)
    live = fast_emulator.client(CONTROL).get_online_evaluation_config(onlineEvaluationConfigId=state.id)
    assert not live.get("insights"), "insights removed from the spec are removed live"


def test_refresh_shows_tag_drift_and_a_lost_owner_tag_then_up_repairs_both(provider_server, fast_emulator):
    control = fast_emulator.client(CONTROL)
    props = evaluator_props(tags={"team": "support"})
    state = provider_server.up(URN, props)
    arn = state.outputs["evaluatorArn"]
    control.tag_resource(resourceArn=arn, tags={"team": "billing", "extra": "x"})
    control.untag_resource(resourceArn=arn, tagKeys=["evalctl:owner"])
    refreshed = provider_server.refresh(state)
    assert refreshed is not None
    assert provider_server.diff(URN, state.id, refreshed.outputs, props).changes == "some"
    provider_server.up(URN, props, refreshed)
    tags = control.list_tags_for_resource(resourceArn=arn)["tags"]
    owner = awsops.owner_tags(props["ownerUrn"])
    assert tags == {"team": "support", **owner}


def test_refresh_of_an_unchanged_stack_keeps_the_declared_stack_tag(provider_server, fast_emulator):
    # Found by the real engine (tests/engine): the program declares evalctl:stack on every resource, the
    # same key as an ownership tag, and read dropped it, so every refresh showed 4 updates.
    props = evaluator_props()
    props["tags"] = {"team": "support", **awsops.owner_tags(props["ownerUrn"])}
    props["tags"].pop("evalctl:owner")
    state = provider_server.up(URN, props)
    refreshed = provider_server.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["tags"] == props["tags"]
    assert provider_server.diff(URN, state.id, refreshed.outputs, props).changes != "some"


def test_a_crashed_create_is_adopted_but_another_stacks_resource_is_not(provider_server, fast_emulator):
    control = fast_emulator.client(CONTROL)
    props = evaluator_props()
    request = {k: props[k] for k in ("evaluatorName", "level", "evaluatorConfig")}
    orphan = control.create_evaluator(**request, tags=awsops.pending(awsops.owner_tags(props["ownerUrn"])))
    state = provider_server.up(URN, props)
    assert state.id == orphan["evaluatorId"], "ours by its owner tag, pending and in no state: adopted"
    assert (
        awsops.PENDING_TAG not in control.list_tags_for_resource(resourceArn=orphan["evaluatorArn"])["tags"]
    )
    # `pulumi up --replace` checks without old inputs (pkg/resource/deploy/step_generator.go): the
    # confirmed copy in state must not be adopted by its own replacement.
    replacement = provider_server.create(URN, provider_server.check(URN, {}, props).inputs)[0]
    assert replacement != state.id
    provider_server.destroy(state)
    control.delete_evaluator(evaluatorId=replacement)
    other = props["ownerUrn"].replace(":test::", ":prod::")
    control.create_evaluator(**request, tags=awsops.owner_tags(other))
    with pytest.raises(ProviderError, match="does not own it"):
        provider_server.up(URN, props)


@pytest.mark.parametrize(("mode", "release"), [("any", 0.0), ("enabled", 0.0), ("any", 0.3)])
def test_an_evaluator_used_online_is_replaced_by_the_engine_not_raced(
    provider_server, fast_emulator, mode, release
):
    fast_emulator.admin.configure(lock_mode=mode, lock_release_seconds=release)
    engine = Engine(provider_server)
    a_urn, b_urn, live_urn = evaluator_urn("a"), evaluator_urn("b"), online_urn("live")

    def program(text: str) -> list[Declared]:
        def online(outs: Any) -> dict[str, Any]:
            return online_props("live", [outs[a_urn]["evaluatorId"], outs[b_urn]["evaluatorId"]])

        return [
            Declared(a_urn, lambda _: evaluator_props("a", description=text, usedOnline=True)),
            Declared(b_urn, lambda _: evaluator_props("b", description=text, usedOnline=True)),
            Declared(live_urn, online),
        ]

    engine.up(program("first"))
    assert engine.preview(program("second")) == {a_urn: "replace", b_urn: "replace", live_urn: "update"}
    shown = engine.up(program("second"))
    assert shown == {a_urn: "replace", b_urn: "replace", live_urn: "update"}
    control = fast_emulator.client(CONTROL)
    ids = {engine.state[u].id for u in (a_urn, b_urn)}
    assert {e["evaluatorId"] for e in custom_evaluators(control)} == ids, "no orphan, no duplicate"
    refs = control.get_online_evaluation_config(onlineEvaluationConfigId=engine.state[live_urn].id)[
        "evaluators"
    ]
    assert {r["evaluatorId"] for r in refs} == ids
    assert all(control.get_evaluator(evaluatorId=i)["description"] == "second" for i in ids)
    engine.destroy()
    assert custom_evaluators(control) == []


def test_judge_instructions_rating_scale_and_description_are_secrets_in_state(provider_server, fast_emulator):
    state = provider_server.up(URN, evaluator_props())
    expected = {
        "description",
        "evaluatorConfig.llmAsAJudge.instructions",
        "evaluatorConfig.llmAsAJudge.ratingScale",
    }
    assert expected <= state.secrets, "what botocore marks sensitive is a secret in the Create answer"
    updated = provider_server.up(URN, evaluator_props(description="new"), state)
    assert expected <= updated.secrets
    assert provider_server.refresh(updated) is not None and expected <= provider_server.last_secrets


def test_dropping_an_online_evaluation_while_editing_its_evaluator_in_one_up(provider_server, fast_emulator):
    """Found by bench/lifecycle.py: the evaluator's state must remember it was used online, or its
    edit is an update that the still-live configuration's lock refuses (deletes come last)."""
    from tests.providers.lifecycle import Desired, program, violations

    engine = Engine(provider_server)
    off = Desired(online=False)
    engine.up(program(off))
    engine.up(program(Desired()))
    edited = Desired(online=False).with_evaluator("a", description="kinder words")
    shown = engine.up(program(edited))
    assert shown[evaluator_urn("a")] == "replace" and shown[online_urn("live")] == "delete"
    assert violations(engine, fast_emulator, edited) == []


def test_a_replacement_works_even_when_the_old_copy_lost_its_owner_tag(provider_server, fast_emulator):
    """A replacement can't tell its own untagged copy from a stranger's (the engine checks it without
    old inputs), so it refuses and gives the one command that restores the tag; after it, the same
    replacement works."""
    control = fast_emulator.client(CONTROL)
    state = provider_server.up(URN, evaluator_props())
    arn = state.outputs["evaluatorArn"]
    control.untag_resource(resourceArn=arn, tagKeys=["evalctl:owner"])
    refreshed = provider_server.refresh(state)
    assert refreshed is not None
    with pytest.raises(ProviderError, match="put the tag back") as refused:
        provider_server.up(URN, evaluator_props(), refreshed, replace=True)
    assert f"tag-resource --resource-arn {arn} --tags evalctl:owner=" in str(refused.value)
    assert follow_restore_hint(control, str(refused.value))
    new = provider_server.up(URN, evaluator_props(), refreshed, replace=True)
    assert [e["evaluatorId"] for e in custom_evaluators(control)] == [new.id]


def test_an_untagged_evaluator_used_online_and_edited_converges_by_the_refusal_s_command(
    provider_server, fast_emulator
):
    """Found by bench/lifecycle.py: the owner tag removed outside Pulumi, then an edit that replaces an
    evaluator used online; `up --refresh` can't restore the tag first (the replacement is created
    before any update), so it refuses with the command; after it, `up` converges."""
    engine = Engine(provider_server)
    desired = Desired()
    engine.up(program(desired))
    control = fast_emulator.client(CONTROL)
    state = engine.state[evaluator_urn("a")]
    control.untag_resource(resourceArn=state.outputs["evaluatorArn"], tagKeys=["evalctl:owner"])
    desired = desired.with_evaluator("a", description="kinder words")
    engine.refresh()
    with pytest.raises(ProviderError, match="put the tag back") as refused:
        engine.up(program(desired))
    assert follow_restore_hint(control, str(refused.value))
    engine.up(program(desired))
    assert violations(engine, fast_emulator, desired) == []
