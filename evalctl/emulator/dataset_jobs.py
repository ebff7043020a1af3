"""A dataset batch's background work: each scenario's turns sent to the agent in one fresh runtime
session, the session's telemetry awaited (OTLP into `aws/spans`), then scored with the scenario's
ground truth. Agent and telemetry failures are reported per scenario; nothing waits without a deadline.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

from evalctl import request_template, scenarios
from evalctl.emulator import agents, cwlogs, jobs, sources
from evalctl.engine.model import EvaluationResult, Session, SpanContext
from evalctl.engine.spans import parse_sessions

AGENT_ERROR = "AgentInvocationError"
TELEMETRY_ERROR = "TelemetryTimeout"
# Telemetry written before the run started (by clock skew between agent and emulator) still counts.
_SLACK_MS = 60_000


class ScenarioFailed(Exception):
    """A scenario could not produce an evaluable session: (error code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invoke(plan: dict[str, Any], session_id: str, turns: list[dict[str, Any]]) -> None:
    """Send every turn in order through InvokeAgentRuntime's forwarding; stop at the first failure."""
    mapping = {agents.runtime_arn(plan["endpointArn"]): plan["agentUrl"]}
    for index, turn in enumerate(turns):
        payload = request_template.render(plan["template"], turn.get("input"))
        try:
            agents.forward(
                mapping,
                plan["endpointArn"],
                payload,
                session=session_id,
                content_type="application/json",
                timeout=float(plan["agentTimeout"]),
            )
        except agents.RuntimeClientError as exc:
            raise ScenarioFailed(AGENT_ERROR, f"turn {index + 1} of {len(turns)}: {exc.message}") from exc


def _source(spec: jobs.JobSpec) -> dict[str, Any]:
    """The job's source with only log groups that exist: a deployed runtime's group always does, a
    local agent's appears with its first OTLP log export."""
    existing = set(cwlogs.groups(spec.region))
    names = [g for g in spec.source.get("logGroupNames") or [] if g in existing]
    return {**spec.source, "logGroupNames": names}


def _read(spec: jobs.JobSpec, session_id: str, since_ms: int) -> Session | None:
    """The session as its telemetry stands now (read under the state lock: exports keep arriving)."""
    source = {**_source(spec), "timeRange": {"startTime": since_ms / 1000}, "filterConfig": {}}
    with spec.lock if spec.lock is not None else contextlib.nullcontext():
        docs = sources.read_documents(spec.region, source)
    # Only this session's traces: parsing every session on every poll would grow with the run.
    traces = {d.get("traceId") for d in docs if (d.get("attributes") or {}).get("session.id") == session_id}
    wanted = [d for d in docs if d.get("traceId") in traces]
    return next((s for s in parse_sessions(wanted) if s.session_id == session_id), None)


def _await(spec: jobs.JobSpec, plan: dict[str, Any], session_id: str, turns: int, since_ms: int) -> Session:
    """Poll until a trace with an answer exists for every turn, at most `telemetryTimeout` seconds."""
    limit = float(plan["telemetryTimeout"])
    deadline = time.monotonic() + limit
    while True:
        session = _read(spec, session_id, since_ms)
        traces = session.traces if session is not None else []
        complete = len(traces) >= turns and all(t.assistant_response for t in traces)
        if complete or time.monotonic() >= deadline:
            break
        time.sleep(float(plan["pollSeconds"]))
    if session is None or len(traces) < turns:
        raise ScenarioFailed(
            TELEMETRY_ERROR,
            f"traces of {len(traces)} of {turns} turn(s) arrived within {limit:g} s; is the agent's OTLP "
            "exporter pointed at this emulator (OTEL_EXPORTER_OTLP_ENDPOINT) with the session id as "
            "`session.id`?",
        )
    return session


def _metadata(session_id: str, example: dict[str, Any]) -> dict[str, Any]:
    """The scenario's ground truth as evaluationMetadata, so it takes the path inline ground truth takes."""
    entry = {"sessionId": session_id, "testScenarioId": scenarios.scenario_id(example)}
    return {"sessionMetadata": [{**entry, "groundTruth": {"inline": scenarios.ground_truth(example)}}]}


def _failed(spec: jobs.JobSpec, session_id: str, failure: ScenarioFailed) -> dict[str, Any]:
    """A scenario with no evaluable session: every evaluator reports the failure for its session."""
    results = [
        EvaluationResult(e.evaluator_id, e.evaluator_name, e.evaluator_arn, SpanContext(session_id),
                         error_code=failure.code, error_message=failure.message).to_api()
        for e in spec.evaluators
    ]  # fmt: skip
    service = (spec.source.get("serviceNames") or [None])[0]
    return {"sessionId": session_id, "serviceName": service, "traceTimes": {}, "results": results,
            "failed": True, "error": f"{failure.code}: {failure.message}"}  # fmt: skip


def scenario(spec: jobs.JobSpec, plan: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    """One scenario end to end: the stored session outcome, tagged with the scenario it came from."""
    session_id = str(uuid.uuid4())
    turns = list(example.get("turns") or [])
    since_ms = cwlogs.now_ms() - _SLACK_MS
    try:
        _invoke(plan, session_id, turns)
        session = _await(spec, plan, session_id, len(turns), since_ms)
    except ScenarioFailed as failure:
        outcome = _failed(spec, session_id, failure)
    else:
        results = jobs.score_session(spec, session, _metadata(session_id, example))
        outcome = jobs.session_outcome(session, results)
    return {**outcome, "scenarioId": scenarios.scenario_id(example)}


def error_details(sessions: list[dict[str, Any]]) -> str | None:
    """One line (ErrorDetailsList holds one string of at most 1,000) naming the failed scenarios."""
    failed = [s for s in sessions if s.get("error")]
    if not failed:
        return None
    parts = [f"{s['scenarioId']} (session {s['sessionId']}): {s['error']}" for s in failed]
    return f"{len(failed)} of {len(sessions)} scenario(s) failed: " + "; ".join(parts)


def run(spec: jobs.JobSpec) -> dict[str, Any]:
    """The outcome of a dataset batch: one session per scenario, in the dataset's order."""
    plan = spec.dataset or {}
    sessions = [scenario(spec, plan, example) for example in plan.get("examples") or []]
    return {
        "sessions": sessions,
        "ignored": 0,
        "insights": {},
        "error": None,
        "details": error_details(sessions),
    }
