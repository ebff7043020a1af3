"""Tier 2 for BatchEvaluation and Gate: the real `python -m pulumi.dynamic` server, into the emulator.

Sessions are the real Strands capture from aws/bedrock-agentcore-starter-toolkit (tests/data/spans).
"""

from __future__ import annotations

import pytest

from components.batch_evaluation import BatchEvaluationProvider
from components.gate import GateProvider
from evalctl.aws import PENDING_TAG
from tests.program.deploy import FAST
from tests.providers.harness import ProviderError, provider_input, urn

SERVICE = "support_agent.DEFAULT"
# Seeding names the runtime group `<runtimeId>-<endpoint>` from the capture's cloud.resource_id.
RUNTIME_GROUP = "/aws/bedrock-agentcore/runtimes/support_agent-Ux9OE986P4-DEFAULT"
OWNER = "urn:pulumi:test::evalctl::evalctl:batch_evaluation:BatchEvaluation::batch-b"
BATCH_URN = urn(
    "batch-b", "dynamic/batch_evaluation:BatchEvaluation", "evalctl:batch_evaluation:BatchEvaluation"
)
GATE_URN = urn("gate-b", "dynamic/gate:Gate")
SPANS = ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json")


@pytest.fixture
def server(provider_server):
    return provider_server


@pytest.fixture
def seeded(emulator, span_fixtures):
    emulator.admin.configure(**FAST)  # emulated lifecycles in tenths of a second, not minutes
    emulator.admin.seed([span_fixtures / name for name in SPANS], SERVICE)
    return emulator


def props(**changes):
    spec = {
        "batchEvaluationName": "nightly_test",
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
        "dataSourceConfig": {
            "cloudWatchLogs": {
                "serviceNames": [SERVICE],
                "logGroupNames": [RUNTIME_GROUP],
                "filterConfig": {"lookback": "1d"},
            }
        },
        **changes,
    }
    provider = provider_input(BatchEvaluationProvider())
    return {"spec": spec, "source": "evaluations/batch/b.yaml", "ownerUrn": OWNER, "__provider": provider}


def jobs(emulator):
    client = emulator.client("bedrock-agentcore")
    return [j for j in client.list_batch_evaluations()["batchEvaluations"] if j["status"] != "DELETING"]


def calls(emulator, *names):
    counts = emulator.admin.call_counts()
    return sum(counts.get(n, 0) for n in names)


def test_create_waits_for_the_results_then_diff_and_refresh_are_cheap(server, seeded):
    state = server.up(BATCH_URN, props())
    out = state.outputs
    assert out["status"] in {"COMPLETED", "COMPLETED_WITH_ERRORS"}
    assert out["results"]["totalNumberOfSessions"] >= 1
    assert out["timeRange"]["endTime"] > out["timeRange"]["startTime"], "the lookback, resolved once"
    seeded.admin.clear_call_counts()
    assert server.up(BATCH_URN, props(), state) is state, "unchanged inputs: no step at all"
    assert sum(seeded.admin.call_counts().values()) == 0, "diff is local"
    refreshed = server.refresh(state)
    assert refreshed is not None and refreshed.outputs["results"] == out["results"]
    assert refreshed.outputs["timeRange"] == out["timeRange"], "a refresh keeps the window: no drift"
    assert calls(seeded, "GetBatchEvaluation") == 1 and calls(seeded, "StartBatchEvaluation") == 0
    server.destroy(refreshed)
    assert jobs(seeded) == []


def test_a_new_run_key_starts_a_new_job_and_removes_the_old(server, seeded):
    first = server.up(BATCH_URN, props(runKey="1"))
    second = server.up(BATCH_URN, props(runKey="2"), first)
    assert second.id != first.id
    assert [j["batchEvaluationId"] for j in jobs(seeded)] == [second.id], "nothing orphaned"
    server.destroy(second)


def test_wait_settings_update_in_place_without_a_new_job(server, seeded):
    first = server.up(BATCH_URN, props())
    seeded.admin.clear_call_counts()
    second = server.up(BATCH_URN, props(waitTimeoutSeconds=60), first)
    assert second.id == first.id and calls(seeded, "StartBatchEvaluation") == 0
    server.destroy(second)


def test_delete_stops_a_running_job_first(server, seeded):
    seeded.admin.configure(batch_pending_seconds=600)  # the job cannot finish before the delete
    state = server.up(BATCH_URN, props(wait=False))
    assert state.outputs["status"] == "PENDING", "wait: false returns at once"
    seeded.admin.clear_call_counts()
    server.destroy(state)
    assert jobs(seeded) == []
    assert calls(seeded, "StopBatchEvaluation") == 1 and calls(seeded, "DeleteBatchEvaluation") == 1


def test_deleting_a_job_that_is_already_gone_succeeds(server, seeded):
    state = server.up(BATCH_URN, props())
    seeded.client("bedrock-agentcore").delete_batch_evaluation(batchEvaluationId=state.id)
    assert server.refresh(state) is None, "refresh reports it gone"
    server.destroy(state)


def test_commit_then_fail_is_adopted_not_duplicated(server, seeded):
    """The service starts the job, then the answer is lost: the retried start returns the same job."""
    seeded.admin.set_faults(commit_then_fail="StartBatchEvaluation")
    state = server.up(BATCH_URN, props())
    seeded.admin.set_faults()
    assert [j["batchEvaluationId"] for j in jobs(seeded)] == [state.id]
    # A crash before Create returned leaves the job pending (the provider never confirmed it).
    arn = state.outputs["batchEvaluationArn"]
    seeded.client("bedrock-agentcore-control").tag_resource(resourceArn=arn, tags={PENDING_TAG: "true"})
    again_id, _ = server.create(BATCH_URN, server.check(BATCH_URN, {}, props()).inputs)
    assert again_id == state.id, "a second create after a crash (state lost) adopts the same job"
    assert len(jobs(seeded)) == 1
    server.destroy(state)


def test_a_replacement_checked_without_old_inputs_starts_a_new_job(server, seeded):
    """`pulumi up --replace` checks without old inputs (step_generator.go): the confirmed job stays."""
    state = server.up(BATCH_URN, props())
    again_id, _ = server.create(BATCH_URN, server.check(BATCH_URN, {}, props()).inputs)
    assert again_id != state.id, "the job in state is not adopted by its own replacement"
    assert sorted(j["batchEvaluationId"] for j in jobs(seeded)) == sorted([state.id, again_id])


def test_check_names_the_bad_property(server):
    checked = server.check(BATCH_URN, {}, props(batchEvaluationName="9-bad"))
    assert [p for p, _ in checked.failures] == ["spec.batchEvaluationName"]


def gate_props(gates, job_id, results):
    provider = provider_input(GateProvider())
    return {"gates": gates, "batch_evaluation_id": job_id, "results": results, "aliases": {},
            "source": "evaluations/batch/b.yaml", "__provider": provider}  # fmt: skip


def test_a_failed_gate_fails_the_step_and_names_the_job(server, seeded):
    job = server.up(BATCH_URN, props())
    results = job.outputs["results"]
    too_high = [{"evaluator": "Builtin.Helpfulness", "minAverageScore": 1.01}, {"maxFailedSessions": 100}]
    with pytest.raises(ProviderError) as exc:
        server.up(GATE_URN, gate_props(too_high, job.id, results))
    assert "Builtin.Helpfulness average" in exc.value.details
    assert f"< 1.01 in batch evaluation {job.id}" in exc.value.details
    passed = server.up(GATE_URN, gate_props([{"maxFailedSessions": 100}], job.id, results))
    assert [v["passed"] for v in passed.outputs["verdicts"]] == [True]
    server.destroy(job)


def test_a_wait_timeout_stops_the_job_so_nothing_runs_unseen(server, seeded):
    seeded.admin.configure(batch_pending_seconds=600)  # stays PENDING past the wait
    with pytest.raises(ProviderError) as exc:
        server.up(BATCH_URN, props(waitTimeoutSeconds=0.3))
    (job,) = jobs(seeded)
    assert f"batch evaluation {job['batchEvaluationId']} did not finish" in exc.value.details
    assert "so it was stopped" in exc.value.details
    assert job["status"] in {"STOPPING", "STOPPED"}, "a job missing from state does not keep running"
    seeded.admin.configure(**FAST)
    seeded.admin.advance_clock(600)
    client = seeded.client("bedrock-agentcore")
    client.delete_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    seeded.admin.advance_clock(5)
    resumed = server.up(BATCH_URN, props(waitTimeoutSeconds=30))
    assert resumed.outputs["status"] in {"COMPLETED", "COMPLETED_WITH_ERRORS"}
    server.destroy(resumed)


def test_a_throttling_storm_still_gives_one_finished_job(server, seeded):
    seeded.admin.set_faults(throttle_rate=0.3, seed=11)
    state = server.up(BATCH_URN, props())
    seeded.admin.set_faults()
    assert [j["batchEvaluationId"] for j in jobs(seeded)] == [state.id], "retries never start a second job"
    assert state.outputs["status"] in {"COMPLETED", "COMPLETED_WITH_ERRORS"}
    server.destroy(state)


def test_run_key_a_b_a_runs_three_jobs_and_keeps_only_the_last(server, seeded):
    state = server.up(BATCH_URN, props(runKey="a"))
    seen = {state.id}
    for key in ("b", "a"):
        state = server.up(BATCH_URN, props(runKey=key), state)
        assert state.id not in seen, f"runKey {key}: a new job, never the one being replaced"
        seen.add(state.id)
        assert [j["batchEvaluationId"] for j in jobs(seeded)] == [state.id], "exactly one job live"
    server.destroy(state)


def test_destroy_then_up_with_the_same_spec_runs_again(server, seeded):
    for _ in range(2):
        state = server.up(BATCH_URN, props())
        assert [j["batchEvaluationId"] for j in jobs(seeded)] == [state.id]
        server.destroy(state)
        assert jobs(seeded) == []


def test_replace_target_starts_a_new_job_and_removes_the_old(server, seeded):
    state = server.up(BATCH_URN, props())
    new = server.up(BATCH_URN, props(), state, replace=True)
    assert new.id != state.id and [j["batchEvaluationId"] for j in jobs(seeded)] == [new.id]
    server.destroy(new)


def test_description_and_tags_update_in_place_without_a_new_job(server, seeded):
    first = server.up(BATCH_URN, props())
    seeded.admin.clear_call_counts()
    second = server.up(BATCH_URN, props(description="nightly run", tags={"team": "qa"}), first)
    assert second.id == first.id and calls(seeded, "StartBatchEvaluation") == 0
    control = seeded.client("bedrock-agentcore-control")
    assert (
        control.list_tags_for_resource(resourceArn=first.outputs["batchEvaluationArn"])["tags"]["team"]
        == "qa"
    )
    server.destroy(second)


def test_ground_truth_is_a_secret_in_state(server, seeded):
    truth = {"sessions": [{"sessionId": "s-1", "testScenarioId": "t"}]}
    state = server.up(BATCH_URN, props(groundTruth=truth, wait=False))
    assert "spec.groundTruth" in state.secrets
    assert server.refresh(state) is not None and "spec.groundTruth" in server.last_secrets
    server.destroy(state)


def test_preview_shows_what_up_does_when_a_referenced_evaluator_updates_in_place(server, seeded):
    from components.evaluator import identity_key
    from tests.providers.engine import Declared, Engine
    from tests.providers.specs import evaluator_props, evaluator_urn

    ev_urn = evaluator_urn()

    def program(text, name="tone_test"):
        evaluator = evaluator_props(description=text, evaluatorName=name)
        key = {"tone": identity_key(name, evaluator, False)}

        def batch(outs):
            spec = props(evaluators=[{"evaluatorId": outs[ev_urn]["evaluatorId"]}])
            return {**spec, "evaluatorKeys": key}

        return [Declared(ev_urn, lambda _: evaluator), Declared(BATCH_URN, batch)]

    engine = Engine(server)
    engine.up(program(None))
    job = engine.state[BATCH_URN].id
    # A first description updates the evaluator in place (only its removal replaces): the job learns
    # the evaluator's new identity key in state, and is not re-run.
    assert engine.preview(program("one")) == {ev_urn: "update", BATCH_URN: "update"}
    assert engine.up(program("one")) == {ev_urn: "update", BATCH_URN: "update"}
    assert engine.preview(program("two")) == {ev_urn: "update", BATCH_URN: "same"}
    assert engine.up(program("two")) == {ev_urn: "update", BATCH_URN: "same"}
    assert engine.state[BATCH_URN].id == job, "no paid re-run"
    assert engine.preview(program(None)) == {ev_urn: "replace", BATCH_URN: "replace"}, "removed: replaced"
    renamed = program("two", name="tone_v2_test")
    assert engine.preview(renamed) == {ev_urn: "replace", BATCH_URN: "replace"}
    assert engine.up(renamed) == {ev_urn: "replace", BATCH_URN: "replace"}
    engine.destroy()
    assert jobs(seeded) == []


def test_a_dataset_batch_runs_the_published_version_on_the_agent(server, emulator):
    """`dataset` (as the stack resolves it from the Dataset's outputs) and `agent` reach the service as
    datasetExecutionConfig; the job invokes the agent and waits for its telemetry before scoring."""
    from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME, Behaviour, FixtureAgent
    from tests.emulator.fixture_agent import SERVICE as AGENT_SERVICE

    emulator.admin.configure(**FAST)
    control = emulator.client("bedrock-agentcore-control")
    scenario = {
        "scenario_id": "hours",
        "turns": [{"input": "When do you open?", "expected_response": "At 9."}],
    }
    made = control.create_dataset(
        datasetName="support_cases_test", source={"inlineExamples": {"examples": [scenario]}}
    )
    emulator.admin.advance_clock(1)
    control.create_dataset_version(datasetId=made["datasetId"])
    emulator.admin.advance_clock(1)
    agent = FixtureAgent(emulator.endpoint, {"When do you open?": Behaviour("At 9.")})
    emulator.admin.map_agents({RUNTIME: agent.start()})
    source = {"cloudWatchLogs": {"serviceNames": [AGENT_SERVICE], "logGroupNames": [LOG_GROUP]}}
    ref = {
        "name": "support-cases",
        "version": "latest",
        "datasetId": made["datasetId"],
        "datasetVersion": "1",
    }
    try:
        state = server.up(BATCH_URN, props(dataSourceConfig=source, dataset=ref, agent=ENDPOINT_ARN,
                                           evaluators=[{"evaluatorId": "Builtin.Correctness"}]))  # fmt: skip
    finally:
        agent.stop()
    assert state.outputs["status"] == "COMPLETED", state.outputs["errorDetails"]
    assert state.outputs["results"]["numberOfSessionsCompleted"] == 1
    assert [body for _, body in agent.seen] == [{"prompt": "When do you open?"}]


def _dataset_batches(emulator):
    """A program builder: a Dataset from `dataset_props(items, **changes)` and a batch on its `latest`
    version keyed by the Dataset's version key, as the stack declares them."""
    from components.dataset import version_key
    from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME
    from tests.emulator.fixture_agent import SERVICE as AGENT_SERVICE
    from tests.providers.engine import Declared
    from tests.providers.test_dataset_provider import URN as DATASET_URN
    from tests.providers.test_dataset_provider import props as dataset_props

    emulator.admin.configure(**FAST)
    emulator.admin.map_agents({RUNTIME: "http://127.0.0.1:9"})  # the jobs need not succeed, only start
    source = {"cloudWatchLogs": {"serviceNames": [AGENT_SERVICE], "logGroupNames": [LOG_GROUP]}}

    def program(items, **changes):
        data = dataset_props(items, **changes)

        def batch(outs):
            ref = {"name": "cases", "version": "latest", "datasetId": outs[DATASET_URN]["datasetId"],
                   "datasetVersion": outs[DATASET_URN]["datasetVersion"]}  # fmt: skip
            spec = props(dataSourceConfig=source, dataset=ref, agent=ENDPOINT_ARN, wait=False)
            return {**spec, "datasetKey": version_key(data)}

        return [Declared(DATASET_URN, lambda _: data), Declared(BATCH_URN, batch)]

    return program


def test_preview_replaces_a_latest_dataset_batch_only_when_a_new_version_is_published(server, emulator):
    """A Dataset updated in place has an unknown version in a preview: its version key says whether the
    update publishes one (a new run over it: replace) or not (description, order, `publish: false`)."""
    from tests.providers.engine import Engine
    from tests.providers.test_dataset_provider import URN as DATASET_URN
    from tests.providers.test_dataset_provider import scenario

    program = _dataset_batches(emulator)
    a, b, c = scenario("a"), scenario("b"), scenario("c")
    engine = Engine(server)
    engine.up(program([a, b]))
    job = engine.state[BATCH_URN].id
    stays = {DATASET_URN: "update", BATCH_URN: "same"}
    for kept in (program([a, b], description="renamed"), program([b, a], description="renamed")):
        assert engine.preview(kept) == stays, "no new version: the same job"
        assert engine.up(kept) == stays
    # Turning `publish` off publishes nothing: state learns it (so turning it on again re-runs).
    learns = {DATASET_URN: "update", BATCH_URN: "update"}
    assert engine.preview(program([a, b, c], publish=False)) == learns
    assert engine.up(program([a, b, c], publish=False)) == learns
    assert engine.preview(program([a, b, scenario("c", "7 days.")], publish=False)) == stays
    assert engine.state[BATCH_URN].id == job and calls(emulator, "StartBatchEvaluation") == 1, "no re-run"
    new = {DATASET_URN: "update", BATCH_URN: "replace"}
    assert engine.preview(program([a, b, c])) == new, "publish on again: version 2, a new run"
    assert engine.up(program([a, b, c])) == new
    assert engine.state[BATCH_URN].outputs["spec"]["dataset"]["datasetVersion"] == "2"
    assert engine.preview(program([a, b, scenario("c", "7 days.")])) == new, "a changed example"
    engine.destroy()


def test_preview_keeps_a_batch_on_an_s3_dataset_unless_its_uri_or_revision_changes(server, emulator):
    """Examples in S3: a new description or tags keep the job in the preview and in `up`; a `revision`
    bump re-reads the object, publishes a version and replaces the job, as its preview says."""
    from tests.providers.engine import Engine
    from tests.providers.test_dataset_provider import URN as DATASET_URN
    from tests.providers.test_dataset_provider import s3_object, scenario

    program = _dataset_batches(emulator)
    s3 = s3_object(emulator, "cases.jsonl", [scenario("a"), scenario("b")])
    engine = Engine(server)
    engine.up(program([], s3Source=s3))
    job = engine.state[BATCH_URN].id
    stays = {DATASET_URN: "update", BATCH_URN: "same"}
    for kept in (program([], s3Source=s3, description="renamed"), program([], s3Source=s3, tags={"t": "x"})):
        assert engine.preview(kept) == stays, "no example can change: the same job"
        assert engine.up(kept) == stays
    assert engine.state[BATCH_URN].id == job and calls(emulator, "StartBatchEvaluation") == 1
    s3_object(emulator, "cases.jsonl", [scenario("a", "7 days.")])
    new = {DATASET_URN: "update", BATCH_URN: "replace"}
    bumped = program([], s3Source={**s3, "revision": "2"}, tags={"t": "x"})
    assert engine.preview(bumped) == new, "the object is read again: version 2, a new run"
    assert engine.up(bumped) == new
    assert engine.state[BATCH_URN].outputs["spec"]["dataset"]["datasetVersion"] == "2"
    engine.destroy()
