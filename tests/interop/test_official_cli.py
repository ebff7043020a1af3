"""The official AgentCore CLI drives the emulator: batch evaluations, online pause/resume, `run eval`.

Every command runs as `node --import interop/redirect.mjs <bundle> ... --json` in the fixture project,
with two agents' telemetry seeded. Answers are checked against what the emulator itself reports over
boto3, never against numbers written here.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.interop.official_cli import RUNTIME_PREFIX, Stack, poll, result_records

TERMINAL = {"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED"}
JUDGE: dict[str, Any] = {
    "llmAsAJudge": {
        "instructions": "Is the answer polite? {context} {assistant_turn}",
        "ratingScale": {
            "numerical": [
                {"definition": "Rude", "value": 0.0, "label": "Rude"},
                {"definition": "Polite", "value": 1.0, "label": "Polite"},
            ]
        },
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "anthropic.claude-3-5-haiku"}},
    }
}
DATA_PLANE = "bedrock-agentcore.us-east-1.amazonaws.com"


def _view(stack: Stack, job: str) -> dict[str, Any]:
    return stack.cli.ok("view", "batch-evaluation", job)


def _custom_evaluator(stack: Stack) -> dict[str, Any]:
    """An ACTIVE LLM-as-a-judge evaluator of our own, for `--evaluator-arn`."""
    control = stack.client("bedrock-agentcore-control")
    created: dict[str, Any] = control.create_evaluator(
        evaluatorName="interop_tone", evaluatorConfig=JUDGE, level="TRACE"
    )
    poll(
        lambda: control.get_evaluator(evaluatorId=created["evaluatorId"]),
        lambda e: e["status"] == "ACTIVE",
        30,
    )
    return created


def test_batch_evaluation_run_view_history(stack: Stack) -> None:
    """run -> view until terminal -> history: the CLI's view agrees with the service, agent A only."""
    custom = _custom_evaluator(stack)
    builtins = ("Builtin.Helpfulness", "Builtin.GoalSuccessRate")
    evaluators = (*builtins, custom["evaluatorId"])
    # --lookback-days makes the CLI send filterConfig.timeRange as ISO 8601 strings.
    started = stack.cli.ok(
        "run",
        "batch-evaluation",
        "-r",
        "AgentA",
        "-e",
        *builtins,
        "--evaluator-arn",
        custom["evaluatorArn"],
        "-d",
        "7",
    )
    job_id = started["id"]
    viewed = poll(lambda: _view(stack, job_id), lambda d: d["status"] in TERMINAL, 120)
    job = stack.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=job_id)

    assert viewed["status"] == job["status"] == "COMPLETED"
    source = job["dataSourceConfig"]["cloudWatchLogs"]
    assert source["serviceNames"] == [stack.service_name("AgentA")]
    assert source["logGroupNames"] == [f"{RUNTIME_PREFIX}{stack.runtimes['AgentA']}-DEFAULT"]
    window = source["filterConfig"]["timeRange"]
    # The CLI takes endTime from one clock reading and startTime (now - 7 days) from a later one, so the
    # window is 7 days less the milliseconds between them (its k5r: `new Date()`, then `Date.now()-t*…`).
    assert 0 <= 7 * 86400 - (window["endTime"] - window["startTime"]).total_seconds() < 1
    assert viewed["evaluationResults"] == job["evaluationResults"]
    assert job["evaluationResults"]["totalNumberOfSessions"] == len(stack.sessions["AgentA"])
    summaries = [s["evaluatorId"] for s in job["evaluationResults"]["evaluatorSummaries"]]
    assert sorted(summaries) == sorted(evaluators)

    # The CLI reads the per-result records from the job's log stream (GetLogEvents over the SDK).
    records = result_records(stack, job)
    name, score, label = (f"gen_ai.evaluation.{k}" for k in ("name", "score.value", "score.label"))
    expected = [(r[name], r.get(score), r.get(label)) for r in records]
    assert viewed["resultsFetched"] is True
    assert [(r["evaluatorId"], r.get("score"), r.get("label")) for r in viewed["results"]] == expected
    assert expected

    history = stack.cli.ok("batch-evaluations", "history")["batchEvaluations"]
    assert job_id in [entry["id"] for entry in history]
    journal = stack.cli.journal_lines()
    assert any(f"POST {DATA_PLANE}/evaluations/batch-evaluate ->" in line for line in journal)
    assert not [line for line in journal if line.startswith("refused https")], journal


def _status_or_gone(stack: Stack, job_id: str) -> str:
    try:
        return str(stack.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=job_id)["status"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceNotFoundException", exc.response
        return "gone"


def test_batch_evaluation_stop_then_archive(stack: Stack) -> None:
    """stop -> STOPPED on the service and in `view`; archive -> deleted on the service and from history."""
    admin = stack.aws.admin
    pending = admin.configure()["batch_pending_seconds"]
    admin.configure(batch_pending_seconds=3600)  # keeps the job running until the CLI stops it
    try:
        sessions = stack.sessions["AgentB"]
        command = ("run", "batch-evaluation", "-r", "AgentB", "-e", "Builtin.Helpfulness", "-s", *sessions)
        job_id = stack.cli.ok(*command)["id"]
        job = stack.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=job_id)
        assert job["status"] in ("PENDING", "IN_PROGRESS")
        assert job["dataSourceConfig"]["cloudWatchLogs"]["filterConfig"] == {"sessionIds": sessions}
        assert stack.cli.ok("stop", "batch-evaluation", "-i", job_id)["id"] == job_id
        viewed = poll(lambda: _view(stack, job_id), lambda d: d["status"] in TERMINAL, 60)
        assert viewed["status"] == _status_or_gone(stack, job_id) == "STOPPED"

        assert stack.cli.ok("archive", "batch-evaluation", "-i", job_id)["id"] == job_id
        deadline = time.monotonic() + 60
        while _status_or_gone(stack, job_id) != "gone":
            assert time.monotonic() < deadline, "the archived batch evaluation never went away"
        history = stack.cli.ok("batch-evaluations", "history")["batchEvaluations"]
        assert job_id not in [entry["id"] for entry in history]
    finally:
        admin.configure(batch_pending_seconds=pending)
    journal = stack.cli.journal_lines()
    for verb, path in (("POST", f"{job_id}/stop"), ("DELETE", job_id)):
        assert any(f"{verb} {DATA_PLANE}/evaluations/batch-evaluate/{path} ->" in line for line in journal)


def _execution_status(stack: Stack) -> str:
    control = stack.client("bedrock-agentcore-control")
    config = control.get_online_evaluation_config(onlineEvaluationConfigId=stack.online_id)
    return str(config["executionStatus"])


def _status_detail(stack: Stack) -> str:
    """What `agentcore status` shows for the online config (it reads GetOnlineEvaluationConfig)."""
    [resource] = stack.cli.ok("status", "--type", "online-eval")["resources"]
    assert resource["name"] == "interop_live"
    return str(resource["detail"])


def test_online_evaluation_pause_and_resume(stack: Stack) -> None:
    """pause by project name, resume by ARN: UpdateOnlineEvaluationConfig's executionStatus both ways."""
    assert _execution_status(stack) == "ENABLED"
    paused = stack.cli.ok("pause", "online-eval", "interop_live")
    assert (paused["configId"], paused["executionStatus"]) == (stack.online_id, "DISABLED")
    assert _execution_status(stack) == "DISABLED"
    assert _status_detail(stack).endswith("(DISABLED)")

    arn = f"arn:aws:bedrock-agentcore:us-east-1:123456789012:online-evaluation-config/{stack.online_id}"
    resumed = stack.cli.ok("resume", "online-eval", "--arn", arn)
    assert (resumed["configId"], resumed["executionStatus"]) == (stack.online_id, "ENABLED")
    assert _execution_status(stack) == "ENABLED"
    assert _status_detail(stack).endswith("(ENABLED)")


# The span query of `agentcore run eval` 0.30.0 (fetchSessionSpans in its bundle), for one runtime.
RUN_EVAL_QUERY = """fields @message, attributes.session.id as sessionId, traceId
     | parse resource.attributes.cloud.resource_id "runtime/*/" as parsedAgentId
     | filter parsedAgentId = '{runtime}'
     | filter ispresent(scope.name) and ispresent(kind)
     | sort startTimeUnixNano asc
     | limit 10000"""


def _insights_gap(stack: Stack) -> str | None:
    """Why the emulator's Logs Insights cannot answer `run eval`'s span query yet, or None."""
    logs = stack.client("logs")
    now = int(stack.aws.admin.now())
    query = logs.start_query(
        logGroupName="aws/spans",
        startTime=now - 7 * 86400,
        endTime=now + 60,
        queryString=RUN_EVAL_QUERY.format(runtime=stack.runtimes["AgentA"]),
    )["queryId"]
    answer = poll(lambda: logs.get_query_results(queryId=query), lambda a: a["status"] != "Running", 60)
    rows = [{f["field"]: f["value"] for f in row} for row in answer["results"]]
    sessions = {row.get("sessionId") for row in rows}
    if answer["status"] == "Complete" and rows and sessions <= set(stack.sessions["AgentA"]):
        return None
    return (
        "the emulator's CloudWatch Logs Insights (moto's stub) does not run `run eval`'s span query "
        f"(parse/filter/ispresent/aliases): status {answer['status']}, {len(rows)} rows, "
        f"sessionId values {sorted(map(str, sessions))[:4]} instead of only agent A's "
        f"{stack.sessions['AgentA']} (issue 9: a real Logs Insights engine)"
    )


def test_on_demand_run_eval(stack: Stack) -> None:
    """`run eval` queries agent A's spans with Logs Insights, then calls Evaluate per session."""
    before = stack.aws.admin.call_counts().get("Evaluate", 0)
    code, document, stderr = stack.cli.call("run", "eval", "-r", "AgentA", "-e", "Builtin.Helpfulness")
    gap = _insights_gap(stack)
    if gap is not None and code != 0:
        pytest.xfail(f"{gap}; `agentcore run eval` answers: {document.get('error')}")
    assert code == 0 and document.get("success") is True, (document, stderr[-2000:])
    run = document.get("run", document)
    assert run["sessionCount"] == len(stack.sessions["AgentA"])
    [result] = run["results"]
    assert result["evaluator"] == "Builtin.Helpfulness"
    assert {score["sessionId"] for score in result["sessionScores"]} <= set(stack.sessions["AgentA"])
    assert stack.aws.admin.call_counts().get("Evaluate", 0) > before
