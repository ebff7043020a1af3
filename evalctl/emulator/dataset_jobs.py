"""A dataset batch's background work: each scenario's turns sent to the agent in one fresh runtime
session, the sessions' telemetry awaited (OTLP into `aws/spans`), then each scored with its scenario's
ground truth. Agent and telemetry failures are reported per scenario; nothing waits without a deadline.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from evalctl import request_template, scenarios
from evalctl.emulator import agents, cwlogs, jobs, sources
from evalctl.engine import coverage
from evalctl.engine.model import Session
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


def _read(spec: jobs.JobSpec, wanted: set[str], since_ms: int) -> dict[str, Session]:
    """The wanted sessions as their telemetry stands now (read under the state lock: exports keep
    arriving). One read serves every session still awaited."""
    with spec.lock if spec.lock is not None else contextlib.nullcontext():
        source = {**_source(spec), "timeRange": {"startTime": since_ms / 1000}, "filterConfig": {}}
        docs = sources.read_documents(spec.region, source)
    # Only these sessions' traces: parsing every session on every poll would grow with the run.
    traces = {d.get("traceId") for d in docs if (d.get("attributes") or {}).get("session.id") in wanted}
    found = parse_sessions([d for d in docs if d.get("traceId") in traces])
    return {s.session_id: s for s in found if s.session_id in wanted}


def _complete(session: Session | None, turns: int) -> bool:
    """Every turn's trace has arrived whole: its answer, and its root span.

    An answer alone is not enough: a Strands model span carries assistant text (with its tool use)
    before the tool runs, so a trace read mid-export would score a truncated trajectory. The root span
    ends last and span processors export in end order, so once it is stored its descendants are.
    """
    if session is None or len(session.traces) < turns:
        return False
    rooted = {
        d.get("traceId") for d in session.documents if coverage.is_span(d) and not d.get("parentSpanId")
    }
    return all(t.assistant_response and t.trace_id in rooted for t in session.traces)


@dataclass
class Pending:
    """A scenario whose turns all reached the agent, awaiting its telemetry until `deadline`."""

    session_id: str
    turns: int
    deadline: float


def _await(spec: jobs.JobSpec, plan: dict[str, Any], pending: list[Pending], since_ms: int) -> dict[str, Any]:
    """Poll until every awaited session has a trace with an answer per turn, or its deadline passed;
    each session then, or a ScenarioFailed for one whose traces did not all arrive."""
    found: dict[str, Session] = {}
    waiting = {p.session_id: p for p in pending}
    while waiting and not _stopped(spec):
        found.update(_read(spec, set(waiting), since_ms))
        now = time.monotonic()
        for sid, item in list(waiting.items()):
            if _complete(found.get(sid), item.turns) or now >= item.deadline:
                del waiting[sid]
        if waiting:
            time.sleep(float(plan["pollSeconds"]))
    limit = float(plan["telemetryTimeout"])
    out: dict[str, Any] = {}
    for item in pending:
        session = found.get(item.session_id)
        traces = len(session.traces) if session is not None else 0
        out[item.session_id] = (
            session
            if session is not None and traces >= item.turns
            else ScenarioFailed(
                TELEMETRY_ERROR,
                f"traces of {traces} of {item.turns} turn(s) arrived within {limit:g} s; is the agent's OTLP "
                "exporter pointed at this emulator (OTEL_EXPORTER_OTLP_ENDPOINT) with the session id as "
                "`session.id`?",
            )
        )
    return out


def _metadata(session_id: str, example: dict[str, Any]) -> dict[str, Any]:
    """The scenario's ground truth as evaluationMetadata, so it takes the path inline ground truth takes."""
    entry = {"sessionId": session_id, "testScenarioId": scenarios.scenario_id(example)}
    return {"sessionMetadata": [{**entry, "groundTruth": {"inline": scenarios.ground_truth(example)}}]}


def _failed(spec: jobs.JobSpec, session_id: str, failure: ScenarioFailed) -> dict[str, Any]:
    """A scenario with no evaluable session: every evaluator reports the failure for its session."""
    return jobs.failed_outcome(spec, session_id, failure.code, failure.message)


Sent = tuple[dict[str, Any], str, "Pending | ScenarioFailed"]


def _stopped(spec: jobs.JobSpec) -> bool:
    return spec.cancel is not None and spec.cancel.is_set()


def _invoke_all(spec: jobs.JobSpec, plan: dict[str, Any]) -> list[Sent]:
    """Every scenario's turns, scenario after scenario, each in a fresh runtime session (until Stop)."""
    limit = float(plan["telemetryTimeout"])
    sent: list[Sent] = []
    for example in plan.get("examples") or []:
        if _stopped(spec):
            break
        session_id = str(uuid.uuid4())
        turns = list(example.get("turns") or [])
        try:
            _invoke(plan, session_id, turns)
        except ScenarioFailed as failure:
            sent.append((example, session_id, failure))
            continue
        sent.append((example, session_id, Pending(session_id, len(turns), time.monotonic() + limit)))
    return sent


def _outcome(spec: jobs.JobSpec, example: dict[str, Any], session_id: str, got: Any) -> dict[str, Any]:
    """One scenario's stored outcome, tagged with the scenario it came from."""
    if isinstance(got, ScenarioFailed):
        outcome = _failed(spec, session_id, got)
    else:
        outcome = jobs.session_outcome(got, jobs.score_session(spec, got, _metadata(session_id, example)))
    return {**outcome, "scenarioId": scenarios.scenario_id(example)}


def error_details(sessions: list[dict[str, Any]]) -> str | None:
    """One line (ErrorDetailsList holds one string of at most 1,000) naming the failed scenarios."""
    failed = [s for s in sessions if s.get("error")]
    if not failed:
        return None
    parts = [f"{s['scenarioId']} (session {s['sessionId']}): {s['error']}" for s in failed]
    return f"{len(failed)} of {len(sessions)} scenario(s) failed: " + "; ".join(parts)


def run(spec: jobs.JobSpec) -> dict[str, Any]:
    """The outcome of a dataset batch: one session per scenario, in the dataset's order. The agent is
    invoked for every scenario first, then the telemetry of all of them is awaited together, so an
    exporter's batching delay is paid once per run, not once per scenario."""
    plan = spec.dataset or {}
    since_ms = cwlogs.now_ms() - _SLACK_MS
    sent = _invoke_all(spec, plan)
    awaited = _await(spec, plan, [p for _, _, p in sent if isinstance(p, Pending)], since_ms)
    sessions = [_outcome(spec, example, sid, awaited.get(sid, got)) for example, sid, got in sent]
    return {
        "sessions": sessions,
        "ignored": 0,
        "insights": {},
        "error": None,
        "details": error_details(sessions),
    }
