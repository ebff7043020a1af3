"""Owner URNs across the rename to `evalctl`: state written by an earlier release stores the owner URN
under the old project and token, and live resources carry the digest of that URN in their owner tag."""

from __future__ import annotations

from components.batch_evaluation import BatchEvaluationProvider
from evalctl import awsops, naming
from evalctl.aws import OWNER_TAG

OLD = "urn:pulumi:dev::agentcore-evaluations::agentcore-evals:batch_evaluation:BatchEvaluation::batch-b"
NEW = "urn:pulumi:dev::evalctl::evalctl:batch_evaluation:BatchEvaluation::batch-b"
OTHER = "urn:pulumi:dev::evalctl::evalctl:batch_evaluation:BatchEvaluation::batch-c"
SPEC = {"batchEvaluationName": "b_dev", "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}]}


def test_urns_map_both_ways_and_leave_other_urns_alone() -> None:
    assert naming.current_urn(OLD) == NEW and naming.legacy_urn(NEW) == OLD
    child = f"{OLD.rsplit('::', 1)[0]}$pulumi-python:dynamic/batch_evaluation:BatchEvaluation::batch-b"
    assert naming.current_urn(child).split("::")[2].split("$") == [
        "evalctl:batch_evaluation:BatchEvaluation",
        "pulumi-python:dynamic/batch_evaluation:BatchEvaluation",
    ]
    foreign = "urn:pulumi:dev::other::aws:iam/role:Role::r"
    assert naming.current_urn(foreign) == foreign and naming.owner_names(foreign) == (foreign,)
    assert naming.same_owner(OLD, NEW) and not naming.same_owner(OLD, OTHER)


def test_tags_written_under_either_name_are_ours_and_only_ours() -> None:
    for written in (OLD, NEW):
        tags = awsops.owner_tags(written)
        assert awsops.owned_by(tags, NEW) and awsops.owned_by(tags, OLD)
        assert not awsops.owned_by(tags, OTHER)
    assert not awsops.owned_by({OWNER_TAG: "someone-else"}, NEW)
    assert not awsops.owned_by({}, NEW)


def test_a_batch_stored_with_the_old_owner_is_neither_replaced_nor_changed() -> None:
    provider = BatchEvaluationProvider()
    olds = {"spec": SPEC, "source": "b.yaml", "ownerUrn": OLD}
    plan = provider.diff("job-1", olds, {**olds, "ownerUrn": NEW})
    assert (plan.changes, plan.replaces) == (False, [])
    moved = provider.diff("job-1", olds, {**olds, "ownerUrn": OTHER})
    assert moved.replaces == ["ownerUrn"], "a different owner still replaces"
