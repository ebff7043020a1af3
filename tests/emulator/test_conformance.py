"""Every AgentCore operation, once each, with its wire response checked against the output shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalctl.emulator.model import OPERATIONS
from evalctl.emulator.testing import running_emulator
from tests.emulator import agent_insight_data
from tests.emulator.helpers import make_evaluator, make_online

FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")


def _tour(emulator: Any, control: Any, data: Any, span_fixtures: Path) -> None:
    evaluator = make_evaluator(control, tags={"a": "b"})
    evaluator_id = evaluator["evaluatorId"]
    emulator.admin.advance_clock(1)
    control.get_evaluator(evaluatorId=evaluator_id)
    control.list_evaluators()
    control.update_evaluator(evaluatorId=evaluator_id, description="d")
    control.tag_resource(resourceArn=evaluator["evaluatorArn"], tags={"c": "d"})
    control.untag_resource(resourceArn=evaluator["evaluatorArn"], tagKeys=["a"])
    control.list_tags_for_resource(resourceArn=evaluator["evaluatorArn"])
    config_id = make_online(control, ["Builtin.Helpfulness"])["onlineEvaluationConfigId"]
    control.get_online_evaluation_config(onlineEvaluationConfigId=config_id)
    control.list_online_evaluation_configs()
    emulator.admin.advance_clock(1)
    control.update_online_evaluation_config(onlineEvaluationConfigId=config_id, executionStatus="DISABLED")
    control.delete_online_evaluation_config(onlineEvaluationConfigId=config_id)
    emulator.admin.advance_clock(1)
    control.delete_evaluator(evaluatorId=evaluator_id)
    _batch_tour(emulator, data, span_fixtures)
    _dataset_tour(emulator, control)
    _family_tour(emulator, control, data, span_fixtures)
    agent_insight_data.tour(emulator, control, data, span_fixtures)


def _dataset_tour(emulator: Any, control: Any) -> None:
    example = {"scenario_id": "a", "turns": [{"input": "hi", "expected_response": "hello"}]}
    ident = control.create_dataset(
        datasetName="tour", source={"inlineExamples": {"examples": [example]}}, tags={"a": "b"}
    )["datasetId"]
    emulator.admin.advance_clock(1)
    added = control.add_dataset_examples(
        datasetId=ident, source={"inlineExamples": {"examples": [{**example, "scenario_id": "b"}]}}
    )
    emulator.admin.advance_clock(1)
    changed = {**example, "scenario_id": "b", "exampleId": added["exampleIds"][0]}
    control.update_dataset_examples(datasetId=ident, examples=[changed])
    emulator.admin.advance_clock(1)
    control.delete_dataset_examples(datasetId=ident, exampleIds=added["exampleIds"])
    emulator.admin.advance_clock(1)
    control.create_dataset_version(datasetId=ident)
    emulator.admin.advance_clock(1)
    control.update_dataset(datasetId=ident, description="d")
    control.get_dataset(datasetId=ident, datasetVersion="1")
    control.list_datasets()
    control.list_dataset_versions(datasetId=ident)
    control.list_dataset_examples(datasetId=ident, datasetVersion="1")
    control.delete_dataset(datasetId=ident)


def _family_tour(emulator: Any, control: Any, data: Any, span_fixtures: Path) -> None:
    """Recommendations and dataset generations over the sessions `_batch_tour` seeded."""
    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    evaluator = {"evaluatorArn": "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"}
    config = {"systemPromptRecommendationConfig": {
        "systemPrompt": {"text": "Be brief."}, "agentTraces": {"sessionSpans": spans},
        "evaluationConfig": {"evaluators": [evaluator]},
    }}  # fmt: skip
    rec = data.start_recommendation(
        name="tour", type="SYSTEM_PROMPT_RECOMMENDATION", recommendationConfig=config
    )
    emulator.admin.advance_clock(60)
    data.get_recommendation(recommendationId=rec["recommendationId"])
    data.list_recommendations()
    data.delete_recommendation(recommendationId=rec["recommendationId"])
    ident = control.create_dataset(datasetName="generated")["datasetId"]
    emulator.admin.advance_clock(1)
    source = {"traceGeneration": {"sourceConfig": {"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"]}}}}
    gen = data.start_dataset_generation(datasetId=ident, name="tour", scenarioType="FIXED", source=source)
    emulator.admin.advance_clock(60)
    data.get_dataset_generation(datasetId=ident, generationId=gen["generationId"])
    data.list_dataset_generations(datasetId=ident)
    data.delete_dataset_generation(datasetId=ident, generationId=gen["generationId"])


def _batch_tour(emulator: Any, data: Any, span_fixtures: Path) -> None:
    emulator.admin.seed([span_fixtures / f for f in FILES], "agent.DEFAULT")
    source = {"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"]}}
    insights = [{"insightId": i} for i in ("Builtin.Insight.FailureAnalysis", "Builtin.Insight.UserIntent",
                                             "Builtin.Insight.ExecutionSummary")]  # fmt: skip
    job = data.start_batch_evaluation(
        batchEvaluationName="tour", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}], insights=insights,
        dataSourceConfig=source,
    )  # fmt: skip
    data.list_batch_evaluations()
    data.stop_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    emulator.admin.advance_clock(60)
    data.get_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    data.delete_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    second = data.start_batch_evaluation(
        batchEvaluationName="full", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}], insights=insights,
        dataSourceConfig=source,
    )  # fmt: skip
    emulator.admin.advance_clock(60)
    full = data.get_batch_evaluation(batchEvaluationId=second["batchEvaluationId"])
    assert {"failureAnalysisResult", "userIntentResult", "executionSummaryResult"} <= set(full)
    data.list_batch_evaluations()
    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    data.evaluate(evaluatorId="Builtin.Helpfulness", evaluationInput={"sessionSpans": spans})


def test_every_operation_conforms(
    emulator: Any, control: Any, data: Any, span_fixtures: Path, conformance: Any
) -> None:
    _tour(emulator, control, data, span_fixtures)
    assert conformance.problems == []
    # InvokeAgentRuntime answers the agent's own bytes (a blob payload): tests/emulator/test_agents.py.
    assert set(conformance.checked) == {op for ops in OPERATIONS.values() for op in ops} - {
        "InvokeAgentRuntime"
    }


def test_batch_outcome_survives_a_restart(tmp_path: Path, span_fixtures: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        first.admin.configure(batch_pending_seconds=1, batch_session_seconds=100)
        first.admin.seed([span_fixtures / f for f in FILES], "agent.DEFAULT")
        data = first.client("bedrock-agentcore")
        job_id = data.start_batch_evaluation(
            batchEvaluationName="kept", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
            dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"]}},
        )["batchEvaluationId"]  # fmt: skip
        first.admin.advance_clock(2)
        assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "IN_PROGRESS"
    with running_emulator(data_dir=tmp_path) as second:
        second.admin.advance_clock(3600)
        job = second.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=job_id)
        assert job["status"] == "COMPLETED"
        # One session (two turns): totalEvaluated counts sessions.
        assert job["evaluationResults"]["evaluatorSummaries"][0]["totalEvaluated"] == 1
