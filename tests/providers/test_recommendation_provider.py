"""RecommendationProvider through the real provider server against the emulator over HTTP.

Sessions are the real LangChain capture (tests/data/spans), sent inline as sessionSpans.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.providers.harness import UNKNOWN, ProviderError, provider_input, urn, wait_until

TOKEN = "evalctl:recommendation:Recommendation"
URN = urn("recommendation-prompt", "dynamic/recommendation:Recommendation", TOKEN)
OWNER = f"urn:pulumi:test::evalctl::{TOKEN}::recommendation-prompt"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
PROMPT = "You are a helpful assistant.\n"
HELPFULNESS = "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"
SOURCE = "evaluations/recommendations/prompt.yaml"
SERVICE = "support_agent.DEFAULT"


@pytest.fixture
def quick(fast_emulator: Any) -> Any:
    fast_emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    return fast_emulator


@pytest.fixture
def spans(span_fixtures: Path) -> list[dict[str, Any]]:
    return [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]


def props(report_dir: Path, traces: dict[str, Any], **changes: Any) -> dict[str, Any]:
    from components.recommendation import RecommendationProvider

    spec = {
        "type": "SYSTEM_PROMPT_RECOMMENDATION",
        "current": PROMPT,
        "file": "examples/prompt.md",
        "evaluator": HELPFULNESS,
        "agentTraces": traces,
        **changes,
    }
    return {
        "spec": {k: v for k, v in spec.items() if v is not None},
        "source": SOURCE,
        "ownerUrn": OWNER,
        "baseName": "prompt_test",
        "specName": "prompt",
        "reportDir": str(report_dir),
        "__provider": provider_input(RecommendationProvider()),
    }


def live(emulator: Any) -> list[str]:
    rows = emulator.client("bedrock-agentcore").list_recommendations()["recommendationSummaries"]
    return sorted(r["recommendationId"] for r in rows if r["status"] != "DELETING")


def test_create_holds_the_recommended_text_and_writes_the_report(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    state = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}))
    outs = state.outputs
    assert outs["status"] == "COMPLETED" and live(quick) == [state.id]
    assert outs["recommendationId"] == state.id and outs["recommendationArn"].endswith(f"/{state.id}")
    assert outs["recommendedText"].startswith(PROMPT + "\n## Lessons from 2 evaluated turns")
    assert re.fullmatch(r"prompt_test_[0-9a-f]{10}", outs["physicalName"])
    report = Path(outs["reportPath"])
    assert report == tmp_path / "prompt.md"
    text = report.read_text()
    assert "--- examples/prompt.md (current)\n+++ examples/prompt.md (recommended)" in text
    assert "`evalctl recommend prompt --apply`" in text
    assert (tmp_path / "prompt.diff").read_text().startswith("--- examples/prompt.md (current)")
    assert "<table" in (tmp_path / "prompt.html").read_text()  # side by side
    assert "spec.agentTraces" in state.secrets, "session spans quote users: a secret in state"

    quick.admin.clear_call_counts()
    same = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}), state)
    assert same is state and quick.admin.call_counts() == {}, "an unchanged spec makes no API call"

    waited = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}, waitTimeoutSeconds=60), state)
    assert waited.id == state.id and quick.admin.call_counts() == {}, "the wait timeout updates in place"


def test_run_key_change_starts_a_new_one_and_deletes_the_old(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    first = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}))
    quick.admin.clear_call_counts()
    second = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}, runKey="2"), first)
    assert second.id != first.id and second.outputs["status"] == "COMPLETED"
    assert quick.admin.call_counts().get("StartRecommendation") == 1
    assert live(quick) == [second.id], "the old recommendation is deleted after the new one finished"
    provider_server.destroy(second)
    assert live(quick) == []


def test_failed_recommendation_names_the_resource_and_the_fix(
    provider_server: Any, quick: Any, tmp_path: Path
) -> None:
    nowhere = {
        "cloudwatchLogs": {
            "logGroupArns": ["arn:aws:logs:us-east-1:123456789012:log-group:/no/such/group"],
            "serviceNames": ["agent.DEFAULT"],
            "lookback": "1d",
        }
    }
    with pytest.raises(ProviderError) as failed:
        provider_server.up(URN, props(tmp_path, nowhere))
    message = failed.value.details
    assert f"{SOURCE}: Recommendation prompt: recommendation prompt_test_" in message
    assert "ended FAILED: TracesUnavailable" in message and "To fix: check spec.agentTraces" in message
    assert live(quick) == [], "the failed recommendation is deleted, so a retry starts afresh"


def test_check_refuses_what_the_api_would(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    bad = props(tmp_path, {"sessionSpans": spans}, current="", tags={"team": "a!"})
    with pytest.raises(ProviderError) as refused:
        provider_server.up(URN, bad)
    assert "systemPrompt.text" in refused.value.details and "tags" in refused.value.details
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0


def test_delete_of_an_already_deleted_one_succeeds(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    state = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}))
    data = quick.client("bedrock-agentcore")
    data.delete_recommendation(recommendationId=state.id)
    assert provider_server.refresh(state) is None, "a DELETING one is gone for refresh"
    assert wait_until(
        lambda: live(quick) == [] and not data.list_recommendations()["recommendationSummaries"]
    )
    provider_server.destroy(state)
    assert live(quick) == []


def test_tool_descriptions_come_back_as_the_tools_file_json(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    tools = {"lookup_order": "Looks up an order.", "refund_policy": "Returns the refund policy."}
    spec = {"type": "TOOL_DESCRIPTION_RECOMMENDATION", "current": tools, "evaluator": None}
    state = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}, **spec))
    recommended = json.loads(state.outputs["recommendedText"])
    assert set(recommended) == set(tools)
    assert all(recommended[n].startswith(tools[n] + "\n\n[emulated recommendation") for n in tools)
    provider_server.destroy(state)


def test_a_timeout_keeps_it_running_and_the_next_up_waits_for_the_same_one(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    quick.admin.configure(recommendation_run_seconds=3600)
    with pytest.raises(ProviderError) as late:
        provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}, waitTimeoutSeconds=0.3))
    assert (
        "after 0.3 s. It keeps running" in late.value.details
        and "run `pulumi up` again" in late.value.details
    )
    (running,) = live(quick)
    quick.admin.advance_clock(3600)
    quick.admin.clear_call_counts()
    state = provider_server.up(URN, props(tmp_path, {"sessionSpans": spans}, waitTimeoutSeconds=0.3))
    assert state.id == running and state.outputs["status"] == "COMPLETED", "found again by its name"
    assert quick.admin.call_counts().get("StartRecommendation") == 1, (
        "refused as a conflict, not started twice"
    )
    assert live(quick) == [running]
    provider_server.destroy(state)


def test_preview_with_an_unknown_evaluator_arn_replaces_only_when_the_evaluator_does(
    provider_server: Any, quick: Any, spans: Any, tmp_path: Path
) -> None:
    state = provider_server.up(URN, {**props(tmp_path, {"sessionSpans": spans}), "evaluatorKey": "k1"})
    previewed = {**props(tmp_path, {"sessionSpans": spans}, evaluator=UNKNOWN), "evaluatorKey": "k1"}
    assert provider_server.diff(URN, state.id, state.outputs, previewed).changes == "none"
    replaced = {**previewed, "evaluatorKey": "k2"}
    plan = provider_server.diff(URN, state.id, state.outputs, replaced)
    assert plan.changes == "some" and plan.replaces == ["spec"]
    provider_server.destroy(state)


def _online_over_seeded_sessions(emulator: Any, span_fixtures: Path) -> str:
    """An online evaluation configuration reading the real sessions seeded into the emulator; its ARN."""
    emulator.admin.seed([str(span_fixtures / f) for f in FILES], SERVICE)
    groups = [g["logGroupName"] for g in emulator.client("logs").describe_log_groups()["logGroups"]]
    made = emulator.client("bedrock-agentcore-control").create_online_evaluation_config(
        onlineEvaluationConfigName="prompt_live", rule={"samplingConfig": {"samplingPercentage": 100.0}},
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": groups}},
        evaluators=[{"evaluatorId": "Builtin.Helpfulness"}], enableOnCreate=True,
        evaluationExecutionRoleArn="arn:aws:iam::123456789012:role/evaluation",
    )  # fmt: skip
    return str(made["onlineEvaluationConfigArn"])


def _batch_over_seeded_sessions(emulator: Any, span_fixtures: Path) -> str:
    """A COMPLETED batch evaluation of the real sessions seeded into the emulator; its ARN."""
    emulator.admin.seed([str(span_fixtures / f) for f in FILES], SERVICE)
    groups = [g["logGroupName"] for g in emulator.client("logs").describe_log_groups()["logGroups"]]
    data = emulator.client("bedrock-agentcore")
    started = data.start_batch_evaluation(
        batchEvaluationName="prompt_batch", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": groups}},
    )  # fmt: skip

    def finished() -> bool:
        emulator.admin.advance_clock(60)  # the job's duration follows the emulator clock
        job = data.get_batch_evaluation(batchEvaluationId=started["batchEvaluationId"])
        return job["status"] not in ("PENDING", "IN_PROGRESS")

    assert wait_until(finished)
    return str(
        data.get_batch_evaluation(batchEvaluationId=started["batchEvaluationId"])["batchEvaluationArn"]
    )


@pytest.mark.parametrize("reference", ["onlineEvaluation", "batchEvaluation"])
def test_preview_with_an_unknown_online_or_batch_arn_replaces_only_when_its_identity_does(
    provider_server: Any, quick: Any, span_fixtures: Path, tmp_path: Path, reference: str
) -> None:
    key = f"{reference}Key"
    if reference == "onlineEvaluation":
        arn = _online_over_seeded_sessions(quick, span_fixtures)

        def traces(value: Any) -> dict[str, Any]:
            return {"onlineEvaluation": {"config": value, "lookback": "1d"}}
    else:
        arn = _batch_over_seeded_sessions(quick, span_fixtures)

        def traces(value: Any) -> dict[str, Any]:
            return {"batchEvaluation": value}

    state = provider_server.up(URN, {**props(tmp_path, traces(arn)), key: "k1"})
    assert state.outputs["status"] == "COMPLETED", state.outputs
    previewed = {**props(tmp_path, traces(UNKNOWN)), key: "k1"}
    assert provider_server.diff(URN, state.id, state.outputs, previewed).changes == "none"
    plan = provider_server.diff(URN, state.id, state.outputs, {**previewed, key: "k2"})
    assert plan.changes == "some" and plan.replaces == ["spec"]
    # A member the API cannot clear (a description) set for the first time: updated in place, same ARN;
    # state learns the new key (an update without an API call). Removing it again replaces.
    plan = provider_server.diff(URN, state.id, state.outputs, {**previewed, key: "k1+description"})
    assert plan.changes == "some" and plan.replaces == []
    plan = provider_server.diff(URN, state.id, {**state.outputs, key: "k1+description"}, previewed)
    assert plan.replaces == ["spec"]
    unkeyed = {**{k: v for k, v in previewed.items() if k != key}, "evaluatorKey": "k1"}
    plan = provider_server.diff(URN, state.id, state.outputs, unkeyed)
    assert plan.replaces == ["spec"], "without its own key an unknown ARN may be a new one"
    provider_server.destroy(state)
