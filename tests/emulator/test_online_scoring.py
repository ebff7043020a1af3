"""Online evaluation scoring: timeout on the emulator clock, DISABLED, sampling, service filter, shape."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import error_code
from tests.emulator.online_helpers import (
    OTHER_SERVICE,
    derived_trace,
    make_live,
    records,
    scored_sessions,
    seed,
)
from tests.fidelity.test_recorded_contract import _kind, _recorded

MINUTE = 60.0


@pytest.fixture
def logs(emulator: Any) -> Any:
    emulator.admin.configure(resource_seconds=0)
    return emulator.client("logs")


def _group(config: dict[str, Any]) -> str:
    return str(config["outputConfig"]["cloudWatchConfig"]["logGroupName"])


def test_an_enabled_config_scores_a_seeded_session_once_after_the_timeout_and_not_before(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    config = make_live(control, timeout=2)
    seeded_at = emulator.admin.now()
    seed(emulator, tmp_path, "shop-1")
    emulator.admin.advance_clock(2 * MINUTE - 5)
    assert records(logs, _group(config)) == []
    emulator.admin.advance_clock(10)
    first = records(logs, _group(config))
    assert first and {r["attributes"]["session.id"] for r in first} == {"shop-1"}
    # Scored at the tick that saw the timeout pass: observed at least 2 minutes after the last activity.
    assert min(r["observedTimeUnixNano"] for r in first) >= (seeded_at + 2 * MINUTE) * 1e9
    emulator.admin.advance_clock(3600)
    control.get_online_evaluation_config(onlineEvaluationConfigId=config["onlineEvaluationConfigId"])
    assert records(logs, _group(config)) == first


def test_activity_within_the_timeout_keeps_a_session_open(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    config = make_live(control, timeout=2)
    seed(emulator, tmp_path, "shop-1")
    emulator.admin.advance_clock(MINUTE)
    seed(emulator, tmp_path, "shop-1")  # the same session speaks again: its timeout starts over
    emulator.admin.advance_clock(MINUTE + 30)
    assert records(logs, _group(config)) == []
    emulator.admin.advance_clock(MINUTE)
    assert scored_sessions(logs, _group(config)) == ["shop-1"]


def test_a_scored_session_that_speaks_again_is_not_scored_again(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    config = make_live(control)
    seed(emulator, tmp_path, "shop-1")
    emulator.admin.advance_clock(2 * MINUTE)
    first = records(logs, _group(config))
    assert first
    seed(emulator, tmp_path, "shop-1")
    emulator.admin.advance_clock(2 * MINUTE)
    assert records(logs, _group(config)) == first


def test_a_disabled_config_scores_nothing_and_skips_what_went_quiet_while_paused(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    config = make_live(control, enable=False)
    config_id = config["onlineEvaluationConfigId"]
    seed(emulator, tmp_path, "paused-1")
    emulator.admin.advance_clock(10 * MINUTE)
    assert records(logs, _group(config)) == []
    control.update_online_evaluation_config(onlineEvaluationConfigId=config_id, executionStatus="ENABLED")
    emulator.admin.advance_clock(10 * MINUTE)
    assert records(logs, _group(config)) == []  # it went quiet while the configuration was paused
    seed(emulator, tmp_path, "live-1")
    emulator.admin.advance_clock(2 * MINUTE)
    assert scored_sessions(logs, _group(config)) == ["live-1"]


def test_sampling_zero_is_refused_and_a_hundred_percent_takes_every_session(
    emulator: Any, control: Any, raw_control: Any, logs: Any, tmp_path: Any
) -> None:
    with pytest.raises(ClientError) as exc:
        make_live(raw_control, name="none", sampling=0.0)
    assert error_code(exc) == "ValidationException"
    config = make_live(control, sampling=100.0)
    ids = [f"all-{n}" for n in range(6)]
    for session_id in ids:
        seed(emulator, tmp_path, session_id)
    emulator.admin.advance_clock(2 * MINUTE)
    assert scored_sessions(logs, _group(config)) == sorted(ids)


def _documented_sample(session_id: str, percentage: float) -> bool:
    """The README's rule, written out independently of the emulator's code."""
    point = int(hashlib.sha256(session_id.encode()).hexdigest()[:16], 16) / 2**64 * 100
    return point < percentage


def _half_sample(emulator: Any, control: Any, logs: Any, tmp_path: Any, ids: list[str]) -> list[str]:
    emulator.admin.reset()
    emulator.admin.configure(resource_seconds=0)
    config = make_live(control, sampling=50.0)
    for session_id in ids:
        seed(emulator, tmp_path, session_id)
    emulator.admin.advance_clock(2 * MINUTE)
    return scored_sessions(logs, _group(config))


def test_fifty_percent_picks_the_same_documented_subset_every_run(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    ids = [f"order-{n:02d}" for n in range(12)]
    expected = sorted(s for s in ids if _documented_sample(s, 50.0))
    assert 0 < len(expected) < len(ids)  # the ids give a proper subset, so the test can tell
    first = _half_sample(emulator, control, logs, tmp_path, ids)
    assert first == expected
    assert _half_sample(emulator, control, logs, tmp_path, ids) == first


def test_the_service_filter_leaves_another_agents_sessions_alone(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    shop = make_live(control, name="shop")
    billing = make_live(control, name="billing", service=OTHER_SERVICE)
    seed(emulator, tmp_path, "shop-1")
    seed(emulator, tmp_path, "billing-1", service=OTHER_SERVICE)
    emulator.admin.advance_clock(2 * MINUTE)
    assert scored_sessions(logs, _group(shop)) == ["shop-1"]
    assert scored_sessions(logs, _group(billing)) == ["billing-1"]
    assert {r["service.name"] for r in records(logs, _group(billing))} == {OTHER_SERVICE}


def test_records_have_every_recorded_key_with_the_same_type(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    config = make_live(control)
    seed(emulator, tmp_path, "shape-1")
    emulator.admin.advance_clock(2 * MINUTE)
    recorded = _recorded("batch_result_log_event.json")
    ours = next(r for r in records(logs, _group(config)) if "_aws" in r)
    for key, value in recorded.items():
        assert key in ours or key == "Builtin.Correctness", f"top-level {key} missing"
        if key in ours:
            assert _kind(ours[key]) == _kind(value), key
    for key, value in recorded["attributes"].items():
        assert _kind(ours["attributes"].get(key)) == _kind(value), f"attribute {key}"
    assert set(recorded["resource"]["attributes"]) <= set(ours["resource"]["attributes"])
    metrics, recorded_metrics = ours["_aws"]["CloudWatchMetrics"][0], recorded["_aws"]["CloudWatchMetrics"][0]
    assert metrics["Dimensions"] == recorded_metrics["Dimensions"]
    assert ours["evaluationJobId"] == config["onlineEvaluationConfigArn"]
    assert ours["attributes"]["aws.bedrock_agentcore.online_evaluation_config.arn"] == ours["evaluationJobId"]
    assert ours["timeUnixNano"] < ours["observedTimeUnixNano"]


def test_a_custom_results_group_and_metrics_namespace_are_honoured(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    output = {"cloudWatchConfig": {"logGroupName": "/team/live-results", "metricsNamespace": "Team/Live"}}
    config = make_live(control, outputConfig=output)
    assert _group(config) == "/team/live-results"
    seed(emulator, tmp_path, "custom-1")
    emulator.admin.advance_clock(2 * MINUTE)
    found = [r for r in records(logs, "/team/live-results") if "_aws" in r]
    assert found and {r["_aws"]["CloudWatchMetrics"][0]["Namespace"] for r in found} == {"Team/Live"}


def _filtered(control: Any, name: str, key: str, operator: str, value: dict[str, Any]) -> str:
    rule = {
        "samplingConfig": {"samplingPercentage": 100.0},
        "sessionConfig": {"sessionTimeoutMinutes": 1},
        "filters": [{"key": key, "operator": operator, "value": value}],
    }
    return _group(make_live(control, name=name, rule=rule))


def test_rule_filters_choose_the_traces_and_sessions_to_score(
    emulator: Any, control: Any, logs: Any, tmp_path: Any
) -> None:
    only = _filtered(control, "only", "session.id", "Equals", {"stringValue": "keep-1"})
    others = _filtered(control, "others", "session.id", "NotEquals", {"stringValue": "keep-1"})
    tokens = {"doubleValue": 21250}
    long_turns = _filtered(control, "long", "gen_ai.usage.total_tokens", "GreaterThan", tokens)
    absent = _filtered(control, "absent", "no.such.key", "Equals", {"booleanValue": True})
    seed(emulator, tmp_path, "keep-1")
    seed(emulator, tmp_path, "drop-1")
    emulator.admin.advance_clock(2 * MINUTE)
    assert scored_sessions(logs, only) == ["keep-1"]
    assert scored_sessions(logs, others) == ["drop-1"]
    # Only the capture's third turn used more than 21250 tokens (21205, 21241, 21301).
    long_traces = {r["traceId"] for r in records(logs, long_turns)}
    expected = {derived_trace(s, "691bb6a875f4b80435ad36816864e7c2") for s in ("keep-1", "drop-1")}
    assert long_traces == expected
    assert records(logs, absent) == []
