"""Regenerate sample_batch.json: a GetBatchEvaluation response and its result log events.

Synthetic data in the shapes of botocore 1.44.5's GetBatchEvaluation output and the
`gen_ai.evaluation.result` records described in shared/fixtures/README.md ("Where results land").
Run: .venv/bin/python tests/golden/reports/make_sample.py
"""

from __future__ import annotations

import json
from pathlib import Path

JOB_ID = "nightly_support-Ab12Cd34Ef"
JOB_ARN = f"arn:aws:bedrock-agentcore:us-east-1:123456789012:batch-evaluation/{JOB_ID}"
TONE_ID = "response_tone-Xy12Ab34Cd"
GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"

SESSIONS = {
    "sess-billing-01": [("t1a", 0.9, "Very Helpful"), ("t1b", 0.8, "Helpful")],
    "sess-billing-02": [("t2a", 0.5, "Somewhat Helpful"), ("t2b", 0.33, "Not Helpful")],
    "sess-refund-03": [("t3a", 1.0, "Above And Beyond")],
    "sess-refund-04": [],  # failed: the judge could not read the spans
}
TRAJECTORY = {"sess-billing-01": 1.0, "sess-billing-02": 0.0, "sess-refund-03": 1.0}
TONE = {"t1a": ("Polite", 1.0), "t1b": ("Polite", 1.0), "t2a": ("Curt", 0.0), "t2b": ("Curt", 0.0), "t3a": ("Polite", 1.0)}


def record(session, evaluator, level, value, label, explanation, trace=None, error=None):
    attrs = {
        "gen_ai.evaluation.name": evaluator,
        "session.id": session,
        "aws.bedrock_agentcore.evaluation_job.arn": JOB_ARN,
        "aws.bedrock_agentcore.evaluation_job.name": "nightly_support",
        "aws.bedrock_agentcore.evaluation_job.run_id": JOB_ID,
        "aws.bedrock_agentcore.evaluation_level": level,
    }
    if trace:
        attrs["gen_ai.response.id"] = trace
    if value is not None:
        attrs["gen_ai.evaluation.score.value"] = value
    if label:
        attrs["gen_ai.evaluation.score.label"] = label
    if explanation:
        attrs["gen_ai.evaluation.explanation"] = explanation
    if error:
        attrs["error.type"], attrs["error.message"] = error
    return {"name": "gen_ai.evaluation.result", "traceId": trace or "0" * 32, "attributes": attrs}


def emf(rec, metric):
    """The same record in CloudWatch EMF form: attributes flattened next to `_aws`."""
    flat = dict(rec["attributes"])
    flat["_aws"] = {
        "Timestamp": 1764000000000,
        "CloudWatchMetrics": [
            {"Namespace": "Bedrock-AgentCore/Evaluations", "Dimensions": [["gen_ai.evaluation.name"]],
             "Metrics": [{"Name": metric, "Unit": "None"}]}
        ],
    }
    flat[metric] = rec["attributes"].get("gen_ai.evaluation.score.value")
    return flat


def events():
    out = []
    for session, turns in SESSIONS.items():
        for trace, value, label in turns:
            out.append(record(session, "Builtin.Helpfulness", "Trace", value, label,
                              f"Turn {trace} answered the question at {label.lower()} level.", trace))
            tone_label, tone_value = TONE[trace]
            out.append(record(session, "response_tone", "Trace", tone_value, tone_label,
                              f"The reply in {trace} reads as {tone_label.lower()}.", trace))
        if session in TRAJECTORY:
            ok = TRAJECTORY[session]
            out.append(record(session, "Builtin.TrajectoryInOrderMatch", "Session", ok, "Match" if ok else "No Match",
                              "Expected tools were called in order." if ok else "lookup_invoice was never called."))
        else:
            out.append(record(session, "Builtin.Helpfulness", "Trace", None, None, None, "t4a",
                              error=("ValidationException", "span t4a has no matching runtime event")))
    # One record per form the service writes: plain OTel JSON and EMF.
    messages = [json.dumps(emf(r, "Builtin.Helpfulness") if i == 0 else r) for i, r in enumerate(out)]
    return [{"timestamp": 1764000000000 + i, "message": m, "ingestionTime": 1764000001000 + i}
            for i, m in enumerate(messages)]


def response():
    affected = [{"sessionId": "sess-billing-02", "explanation": "The agent answered without the invoice.",
                 "fixType": "PROMPT", "recommendation": "Tell the agent to call lookup_invoice first.",
                 "failureSpans": [{"spanId": "s2", "traceId": "t2a", "signals": [
                     {"category": "incorrect-actions-category-tool-selection",
                      "evidence": "No lookup_invoice call before answering.", "confidence": 0.86}]}]}]
    return {
        "batchEvaluationId": JOB_ID,
        "batchEvaluationArn": JOB_ARN,
        "batchEvaluationName": "nightly_support",
        "status": "COMPLETED_WITH_ERRORS",
        "createdAt": "2025-11-24T02:00:00+00:00",
        "updatedAt": "2025-11-24T02:31:00+00:00",
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}, {"evaluatorId": "Builtin.TrajectoryInOrderMatch"},
                       {"evaluatorId": TONE_ID}],
        "insights": [{"insightId": "Builtin.Insight.FailureAnalysis"}, {"insightId": "Builtin.Insight.UserIntent"}],
        "outputConfig": {"cloudWatchConfig": {"logGroupName": GROUP, "logStreamName": f"run-{JOB_ID}"}},
        "evaluationResults": {
            "numberOfSessionsCompleted": 3,
            "numberOfSessionsInProgress": 0,
            "numberOfSessionsFailed": 1,
            "totalNumberOfSessions": 4,
            "numberOfSessionsIgnored": 0,
            "evaluatorSummaries": [
                {"evaluatorId": "Builtin.Helpfulness", "statistics": {"averageScore": 0.706}, "totalEvaluated": 3,
                 "totalFailed": 1},
                {"evaluatorId": "Builtin.TrajectoryInOrderMatch", "statistics": {"averageScore": 0.6667},
                 "totalEvaluated": 3, "totalFailed": 0},
                {"evaluatorId": TONE_ID, "statistics": {"averageScore": 0.6}, "totalEvaluated": 3, "totalFailed": 0},
            ],
        },
        "failureAnalysisResult": {"failures": [{
            "clusterId": 1, "name": "Incorrect actions", "description": "The agent skipped a needed tool.",
            "affectedSessionCount": 1, "subCategories": [{
                "clusterId": 11, "name": "Tool selection", "description": "Answered from memory.",
                "affectedSessionCount": 1, "rootCauses": [{
                    "clusterId": 111, "name": "Invoice lookup skipped",
                    "rootCause": "The system prompt does not require looking up the invoice.",
                    "recommendation": "Require lookup_invoice before any billing answer.",
                    "affectedSessionCount": 1, "affectedSessions": affected}]}]}]},
        "userIntentResult": {"userIntents": [{
            "clusterId": 2, "name": "Dispute a charge", "description": "The user questions a bill.",
            "affectedSessionCount": 2, "affectedSessions": [
                {"sessionId": "sess-billing-01", "userMessages": ["Why was I charged twice?"]},
                {"sessionId": "sess-billing-02", "userMessages": ["This invoice is wrong."]}]}]},
    }


if __name__ == "__main__":
    path = Path(__file__).with_name("sample_batch.json")
    path.write_text(json.dumps({"response": response(), "events": events()}, indent=1) + "\n")
    print(f"wrote {path}")
