"""Identity keys: what a Recommendation or a BatchEvaluation compares when the ARN or id of what it
references is unknown in a preview. Adding a member the API cannot clear keeps the identity, removing
it does not; keys with no such member are byte-identical to the ones earlier releases stored."""

from __future__ import annotations

from typing import Any

from components import _props as shared
from components import batch_evaluation, dataset, evaluator, online_evaluation

JOB = {"batchEvaluationName": "nightly_dev", "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}]}


def stored_key(parts: dict[str, Any]) -> str:
    """The key as earlier releases computed it: one digest of everything, kept members included."""
    return shared.identity_digest(parts)


def test_keys_without_kept_members_are_the_ones_state_already_holds() -> None:
    spec: dict[str, Any] = {"level": "TRACE"}
    assert evaluator.identity_key("tone_dev", spec, False) == stored_key({"name": "tone_dev", "set": []})
    assert online_evaluation.identity_key("live_dev", {}) == stored_key({"name": "live_dev", "set": []})
    tone = evaluator.identity_key("tone_dev", spec, False)
    assert batch_evaluation.identity_key("nightly_dev", JOB, {"tone": tone}) == stored_key(
        {"name": "nightly_dev", "job": JOB, "evaluators": {"tone": tone}}
    )


def test_adding_an_unclearable_member_keeps_the_identity_and_removing_it_does_not() -> None:
    bare = online_evaluation.identity_key("live_dev", {})
    described = online_evaluation.identity_key("live_dev", {"description": "Live."})
    both = online_evaluation.identity_key("live_dev", {"description": "Live.", "outputConfig": {"x": 1}})
    assert described != bare and shared.same_identity(bare, described) and shared.same_identity(bare, both)
    assert not shared.same_identity(described, bare), "the API cannot clear it: removing it replaces"
    assert not shared.same_identity(bare, online_evaluation.identity_key("live_v2_dev", {}))
    assert not shared.same_identity(None, bare) and not shared.same_identity(bare, None)
    assert shared.key_learned(bare, described, False), "state learns the kept member: its removal replaces"
    assert not shared.key_learned(described, bare, False) and not shared.key_learned(bare, bare, True)
    stored = stored_key({"name": "live_dev", "set": ["description"]})  # an earlier release's key
    assert not shared.same_identity(stored, described), "an earlier release's key with a kept member"
    assert shared.key_learned(stored, described, True) and not shared.key_learned(stored, described, False), (
        "rewritten once its ARN is known to be the one in state"
    )
    locked = evaluator.identity_key("tone_dev", {}, True)
    assert not shared.same_identity(locked, evaluator.identity_key("tone_dev", {"description": "x"}, True)), (
        "used online, every change replaces the evaluator"
    )


def test_a_batch_follows_its_evaluators_identity() -> None:
    bare, described = (evaluator.identity_key("tone_dev", s, False) for s in ({}, {"description": "Tone."}))
    before = batch_evaluation.identity_key("nightly_dev", JOB, {"tone": bare})
    after = batch_evaluation.identity_key("nightly_dev", JOB, {"tone": described})
    assert shared.same_identity(before, after) and not shared.same_identity(after, before)
    assert batch_evaluation.same_evaluators({"tone": bare}, {"tone": described})
    assert not batch_evaluation.same_evaluators({"tone": described}, {"tone": bare})
    assert not batch_evaluation.same_evaluators({"tone": bare}, {"tone": bare, "other": bare})


def test_a_batch_on_the_latest_dataset_version_is_keyed_by_what_publishes_a_version() -> None:
    scenarios = [{"scenario_id": "order-status", "turns": [{"input": "Where is ORD-1001?"}]}]
    data = {"datasetName": "scenarios_dev", "publish": True, "scenarios": scenarios, "description": "a"}
    latest = {**JOB, "dataset": {"name": "scenarios"}}
    assert batch_evaluation.identity_key("nightly_dev", latest, {}) is None, "unknown without the dataset's"
    key = batch_evaluation.identity_key("nightly_dev", latest, {}, dataset.version_key(data))
    assert key is not None
    redescribed = dataset.version_key({**data, "description": "b", "tags": {"team": "x"}})
    assert batch_evaluation.identity_key("nightly_dev", latest, {}, redescribed) == key, (
        "a description publishes no version: the same job"
    )
    more = dataset.version_key({**data, "scenarios": [*scenarios, {"scenario_id": "refund"}]})
    assert batch_evaluation.identity_key("nightly_dev", latest, {}, more) != key, "a new version: a new job"
    unpublished = dataset.version_key({**data, "publish": False})
    edited = dataset.version_key({**data, "publish": False, "scenarios": [{"scenario_id": "refund"}]})
    assert unpublished == edited, "with `publish` off no version is published, whatever the examples"
    assert dataset.version_key({**data, "scenarios": scenarios[::-1]}) == dataset.version_key(data)


def test_an_s3_dataset_version_key_follows_its_uri_and_revision_only() -> None:
    """Examples in S3: only the object's URI and the spec's `revision` say a version is published."""
    s3 = {"s3Uri": "s3://eval-data/cases.jsonl"}
    data = {"datasetName": "scenarios_dev", "publish": True, "s3Source": s3, "description": "a"}
    key = dataset.version_key(data)
    assert dataset.version_key({**data, "description": "b", "tags": {"team": "x"}}) == key
    moved = dataset.version_key({**data, "s3Source": {"s3Uri": "s3://eval-data/v2.jsonl"}})
    bumped = dataset.version_key({**data, "s3Source": {**s3, "revision": "2"}})
    for changed in (moved, bumped):
        assert dataset.same_dataset(key, changed) and not dataset.same_version(key, changed)
    off = dataset.version_key({**data, "publish": False, "s3Source": {**s3, "revision": "3"}})
    assert dataset.same_version(key, off), "with `publish` off nothing is published"


def test_a_dataset_version_stays_unless_the_update_publishes_one() -> None:
    """What a batch preview asks (components._batch_identity): same dataset, same newest version?"""
    scenarios = [{"scenario_id": "a", "turns": [{"input": "x"}]}, {"scenario_id": "b", "turns": []}]
    on = {"datasetName": "scenarios_dev", "publish": True, "scenarios": scenarios}
    key = dataset.version_key(on)
    off = dataset.version_key({**on, "publish": False})
    assert dataset.same_version(key, dataset.version_key({**on, "scenarios": scenarios[::-1]}))
    assert dataset.same_version(key, off), "turned off: nothing is published"
    assert not dataset.same_version(off, key), "turned on: the provider publishes a version"
    assert not dataset.same_version(key, dataset.version_key({**on, "scenarios": scenarios[:1]}))
    renamed = dataset.version_key({**on, "datasetName": "other_dev"})
    assert not dataset.same_dataset(key, renamed) and not dataset.same_version(key, renamed)
    assert dataset.same_dataset(key, off) and not dataset.same_dataset(None, key), "unknown: not the same"
