"""A batch evaluation end to end on the recorded fixture sessions, scores checked by hand.

Sessions (tests/data/spans, Apache-2.0, see SOURCE.md): the OpenAI Agents + OpenInference capture
(one turn calling `multiply_numbers`) and the LangGraph captures (three turns; the last calls
`calculator`).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from tests.emulator.helpers import JUDGE_CONFIG

# The offline judge compares with expectedResponse only when the instructions ask for it.
GROUND_TRUTH_JUDGE = {
    "llmAsAJudge": {
        **JUDGE_CONFIG["llmAsAJudge"],
        "instructions": "Compare {assistant_turn} with {expected_response}",
    }
}

OPENAI_SESSION = "29fb7129-8624-4bd2-b37b-dea182f63ce8"
LANGGRAPH_SESSION = "383c4a9d-5682-4186-a125-e226f9f6c141"
FILES = (
    "openai_agents_openinference_adot_spans.json",
    "raw_otel_langchain_spans.json",
    "raw_otel_langchain_runtime_logs.json",
    "raw_otel_langchain_tool_runtime_logs.json",
)
HANDLER = """
import json

def lambda_handler(event, context):
    assert event["schemaVersion"] == "1.0" and event["evaluationLevel"] == "SESSION"
    assert event["evaluationTarget"] is None
    if "multiply_numbers" in json.dumps(event["evaluationInput"]["sessionSpans"]):
        return {"label": "math", "value": 1.0, "explanation": "the session multiplies"}
    raise ValueError("no math tool in this session")
"""
RESULTS_GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"


def _code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    return buffer.getvalue()


def _lambda_arn(emulator: Any) -> str:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    role = emulator.client("iam").create_role(RoleName="grader", AssumeRolePolicyDocument=json.dumps(trust))
    created = emulator.client("lambda").create_function(
        FunctionName="math-grader",
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": _code_zip()},
        Timeout=30,
    )
    return str(created["FunctionArn"])


def _evaluators(emulator: Any, control: Any) -> dict[str, str]:
    code = control.create_evaluator(
        evaluatorName="math_grader",
        level="SESSION",
        evaluatorConfig={"codeBased": {"lambdaConfig": {"lambdaArn": _lambda_arn(emulator)}}},
    )
    judge = control.create_evaluator(
        evaluatorName="answer_judge", level="TRACE", evaluatorConfig=GROUND_TRUTH_JUDGE
    )
    emulator.admin.advance_clock(1)
    return {
        "code": code["evaluatorId"],
        "judge": judge["evaluatorId"],
        "trajectory": "Builtin.TrajectoryExactOrderMatch",
    }


def _ground_truth(openai_answer: str) -> dict[str, Any]:
    return {
        "sessionMetadata": [
            {
                "sessionId": OPENAI_SESSION,
                "groundTruth": {"inline": {
                    "expectedTrajectory": {"toolNames": ["multiply_numbers"]},
                    "turns": [{"expectedResponse": {"text": openai_answer}}],
                }},
            },
            {
                "sessionId": LANGGRAPH_SESSION,
                "groundTruth": {"inline": {
                    "expectedTrajectory": {"toolNames": ["calculator", "search"]},
                    "turns": [{"input": {"prompt": "Hello"},
                               "expectedResponse": {"text": "Goodbye forever"}}],
                }},
            },
        ]
    }  # fmt: skip


def _openai_answer(span_fixtures: Any) -> str:
    from evalctl.engine.spans import load_span_file, parse_sessions

    (session,) = parse_sessions(load_span_file(span_fixtures / FILES[0]))
    return session.traces[0].assistant_response


def test_batch_on_fixture_sessions(
    emulator: Any, control: Any, data: Any, span_fixtures: Any, conformance: Any
) -> None:
    seeded = emulator.admin.seed([span_fixtures / f for f in FILES], "agent.DEFAULT")
    assert set(seeded) == {OPENAI_SESSION, LANGGRAPH_SESSION}
    ids = _evaluators(emulator, control)
    started = data.start_batch_evaluation(
        batchEvaluationName="fixtures",
        evaluators=[{"evaluatorId": i} for i in ids.values()],
        insights=[{"insightId": "Builtin.Insight.ExecutionSummary"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"],
                                             "filterConfig": {"sessionIds": [*seeded, "never-recorded"]}}},
        evaluationMetadata=_ground_truth(_openai_answer(span_fixtures)),
    )  # fmt: skip
    emulator.admin.advance_clock(3600)
    job = data.get_batch_evaluation(batchEvaluationId=started["batchEvaluationId"])
    results = job["evaluationResults"]
    summaries = {s["evaluatorId"]: s for s in results["evaluatorSummaries"]}
    # Trajectory: exact match for OpenAI (1.0), LangGraph made only `calculator` of two (0.0).
    assert summaries[ids["trajectory"]]["statistics"]["averageScore"] == pytest.approx(0.5)
    # Code: 1.0 for the session that multiplies; the other raises -> one failed evaluation.
    assert (summaries[ids["code"]]["totalEvaluated"], summaries[ids["code"]]["totalFailed"]) == (2, 1)
    assert summaries[ids["code"]]["statistics"]["averageScore"] == 1.0
    # Judge (offline): OpenAI turn equals its expected answer (F1 1 -> Good 1.0); LangGraph
    # "Hello" turn shares no token with "Goodbye forever" (F1 0 -> Bad 0.0); its other two turns
    # have no expected response and a non-empty answer (-> 1.0). Mean of 1, 0, 1, 1.
    # totalEvaluated counts sessions (the API's definition), not the 4 scored turns.
    assert summaries[ids["judge"]]["totalEvaluated"] == 2
    assert summaries[ids["judge"]]["statistics"]["averageScore"] == pytest.approx(0.75)
    assert job["status"] == "COMPLETED_WITH_ERRORS"
    # The failed session is named with its evaluator and the handler's error.
    (detail,) = job["errorDetails"]
    assert detail.startswith(f"session {LANGGRAPH_SESSION}: {ids['code']}: ")
    assert (results["numberOfSessionsCompleted"], results["numberOfSessionsFailed"]) == (1, 1)
    assert (results["numberOfSessionsIgnored"], results["totalNumberOfSessions"]) == (1, 3)
    summaries_by_session = {a["sessionId"] for c in job["executionSummaryResult"]["executionSummaries"]
                            for a in c["affectedSessions"]}  # fmt: skip
    assert summaries_by_session == {OPENAI_SESSION, LANGGRAPH_SESSION}
    _check_log_records(emulator, job)
    assert "GetBatchEvaluation" in conformance.checked


def _check_log_records(emulator: Any, job: dict[str, Any]) -> None:
    stream = f"run-{job['batchEvaluationId']}"
    events = emulator.client("logs").get_log_events(logGroupName=RESULTS_GROUP, logStreamName=stream)[
        "events"
    ]
    records = [json.loads(e["message"]) for e in events]
    assert len(records) == 2 + 2 + 4  # one per turn (or session) per evaluator
    assert {r["name"] for r in records} == {"gen_ai.evaluation.result"}
    failed = [r for r in records if "gen_ai.evaluation.error" in r["attributes"]]
    assert len(failed) == 1 and "_aws" not in failed[0]  # no value, so no metric
    assert "no math tool in this session" in failed[0]["attributes"]["gen_ai.evaluation.error"]
    assert failed[0]["attributes"]["session.id"] == LANGGRAPH_SESSION
    assert {r["attributes"]["aws.bedrock_agentcore.evaluation_job.run_id"] for r in records} == {
        job["batchEvaluationId"]
    }
