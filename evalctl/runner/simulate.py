"""Simulated scenarios against a local agent: the conversation loop, its telemetry, the scoring request.

Each scenario runs in a fresh runtime session: its `input` is the first turn, then the actor model
(evalctl.runner.actor) writes every next message until it stops or `max_turns` agent turns were sent.
The sessions are then scored by an ordinary batch evaluation over their ids (a simulated dataset cannot
be a batch's DatasetSource: botocore says it "must use the predefined evaluation schema").

Why not the AgentCore SDK's SimulatedScenarioExecutor: it needs the `strands-agents-evals` package and
drives its actor with a Bedrock model id, so it cannot use an OpenAI-compatible model (nor the loopback
model the tests run); the SDK's SimulatedScenario type still parses every scenario.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from evalctl import request_template, scenarios
from evalctl.engine import coverage
from evalctl.engine.llm_judges import TextModel
from evalctl.engine.model import Session
from evalctl.engine.spans import parse_sessions
from evalctl.runner.actor import ActorError, ActorUsage, Exchange, decide

SPANS_GROUP = "aws/spans"
RUNTIME_PREFIX = "/aws/bedrock-agentcore/runtimes/"  # where AgentCore Runtime writes an agent's logs
REPLY_FIELDS = ("result", "response", "output", "message", "text")  # where agents put their answer text

Invoke = Callable[[str, bytes], bytes]  # (session id, payload) -> the agent's answer bytes


class AgentError(Exception):
    """The agent could not answer a turn (InvokeAgentRuntime failed); the message says why."""


@dataclass
class Transcript:
    """One simulated scenario: its session, every turn, why it ended, or why it failed."""

    scenario_id: str
    session_id: str
    exchanges: list[Exchange] = field(default_factory=list)
    ended: str = ""  # "actor stopped" or "max_turns reached"
    error: str | None = None
    reasoning: list[str] = field(default_factory=list)  # the actor's reasoning, one per decision
    usage: ActorUsage = field(default_factory=ActorUsage)
    scored: bool = False  # its turns (all, or those before it failed) went to the scoring batch
    broken_turn: bool = False  # the agent failed a turn: its session may hold that turn's broken trace

    def to_json(self) -> dict[str, Any]:
        """The transcript as written to simulation.json."""
        return {
            "scenarioId": self.scenario_id,
            "sessionId": self.session_id,
            "turns": [{"input": e.message, "reply": e.reply} for e in self.exchanges],
            "ended": self.ended or None,
            "error": self.error,
            "actorReasoning": self.reasoning,
            "actorUsage": self.usage.to_json(),
            "scored": self.scored,
        }


def parse_scenario(example: dict[str, Any]) -> dict[str, Any]:
    """The scenario as the SDK's SimulatedScenario reads it (max_turns defaulted), as plain JSON."""
    return scenarios.sdk_parse(scenarios.SIMULATED, example)


def reply_text(body: bytes) -> str:
    """The agent's answer as text for the actor: a JSON answer's text field, else the body as is."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        found = next((data[k] for k in REPLY_FIELDS if isinstance(data.get(k), str)), None)
        if found is not None:
            return str(found)
    return text


def converse(
    scenario: dict[str, Any],
    invoke: Invoke,
    actor: TextModel,
    template: str | None = None,
    stop: threading.Event | None = None,
) -> Transcript:
    """Run one scenario to its end in a fresh session (or until `stop` is set, between turns);
    failures are recorded, never raised."""
    first = scenario["input"]
    session = f"simulate-{uuid.uuid4()}"
    transcript = Transcript(str(scenario["scenario_id"]), session)
    message: Any = first
    limit = int(scenario["max_turns"])
    while True:
        if stop is not None and stop.is_set():
            transcript.error = f"interrupted before turn {len(transcript.exchanges) + 1}"
            return transcript
        shown = message if isinstance(message, str) else json.dumps(message, sort_keys=True)
        try:
            reply = reply_text(invoke(session, request_template.render(template, message)))
        except AgentError as exc:
            transcript.error = f"turn {len(transcript.exchanges) + 1}: {exc}"
            transcript.broken_turn = True
            return transcript
        transcript.exchanges.append(Exchange(shown, reply))
        if len(transcript.exchanges) >= limit:
            transcript.ended = "max_turns reached"
            return transcript
        try:
            decision = decide(actor, scenario, transcript.exchanges, transcript.usage)
        except ActorError as exc:
            transcript.error = f"after turn {len(transcript.exchanges)}: {exc}"
            return transcript
        transcript.reasoning.append(decision.reasoning)
        if decision.stop:
            transcript.ended = "actor stopped"
            return transcript
        message = decision.message


def run_all(
    scenarios: list[dict[str, Any]],
    invoke: Invoke,
    actor: TextModel,
    template: str | None,
    *,
    parallel: int,
    done: Callable[[Transcript, float], None],
    stop: threading.Event | None = None,
) -> list[Transcript]:
    """Every scenario, up to `parallel` at a time, each in its own session; the transcripts and the
    `done(transcript, seconds)` calls in the scenarios' order whatever order they finish in."""

    stop = stop or threading.Event()  # set on Ctrl-C; a caller may pass its own to stop the run

    def timed(scenario: dict[str, Any]) -> tuple[Transcript, float]:
        started = time.monotonic()
        transcript = converse(scenario, invoke, actor, template, stop)
        return transcript, time.monotonic() - started

    transcripts = []
    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="evalctl-simulate")
    try:
        for transcript, took in pool.map(timed, scenarios):  # map yields in submission order
            done(transcript, took)
            transcripts.append(transcript)
    except KeyboardInterrupt:
        # Ctrl-C: no scenario starts any more, and those in flight end after the turn they are in (a
        # call to the agent or the actor cannot be taken back), so the wait is one turn, not a scenario.
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return transcripts


def _events(logs: Any, group: str, since_ms: int) -> list[dict[str, Any]]:
    """Every document in one log group since `since_ms` ([] while the group does not exist yet)."""
    docs: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            docs += [json.loads(e["message"]) for e in page.get("events", [])]
            if not page.get("nextToken"):
                return docs
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []  # the group appears with the agent's first export


def log_groups(docs: list[dict[str, Any]]) -> list[str]:
    """The runtime log groups the spans' resources name (`aws.log.group.names`), in order."""
    groups: list[str] = []
    for doc in docs:
        named = ((doc.get("resource") or {}).get("attributes") or {}).get("aws.log.group.names") or []
        for group in [named] if isinstance(named, str) else named:
            if isinstance(group, str) and group not in groups and group != SPANS_GROUP:
                groups.append(group)
    return groups


def _documents(logs: Any, since_ms: int, wanted: set[str]) -> list[dict[str, Any]]:
    """The wanted sessions' traces: spans from `aws/spans`, their conversation events from the runtime
    log groups (where AgentCore's exporters put them), or the default runtime prefix's groups."""
    spans = _events(logs, SPANS_GROUP, since_ms)
    traces = {d.get("traceId") for d in spans if (d.get("attributes") or {}).get("session.id") in wanted}
    spans = [d for d in spans if d.get("traceId") in traces]
    groups = log_groups(spans)
    if not groups:
        listed = logs.describe_log_groups(logGroupNamePrefix=RUNTIME_PREFIX).get("logGroups", [])
        groups = [g["logGroupName"] for g in listed]
    events = [d for group in groups for d in _events(logs, group, since_ms) if d.get("traceId") in traces]
    return spans + events


def scorable(transcript: Transcript) -> bool:
    """A scenario whose every agent turn was answered: finished, or stopped by a failed actor call."""
    return bool(transcript.exchanges) and not transcript.broken_turn


def await_telemetry(
    logs: Any, transcripts: list[Transcript], since_ms: int, timeout: float
) -> tuple[dict[str, Session], list[dict[str, Any]]]:
    """Poll until every scorable scenario's traces are whole (one per turn), or the deadline passes:
    the whole sessions, and the span documents read (their resource names the service)."""
    wanted = {t.session_id: len(t.exchanges) for t in transcripts if scorable(t)}
    deadline = time.monotonic() + timeout
    while True:
        docs = _documents(logs, since_ms, set(wanted))
        found = {s.session_id: s for s in parse_sessions(docs) if s.session_id in wanted}
        whole = {sid: s for sid, s in found.items() if coverage.whole(s, wanted[sid])}
        if len(whole) == len(wanted) or time.monotonic() > deadline:
            return whole, docs
        time.sleep(0.1)


def source(docs: list[dict[str, Any]], session_ids: list[str], since_ms: int) -> dict[str, Any] | None:
    """StartBatchEvaluation's cloudWatchLogs source for the sessions: the service and log groups their
    spans name (resource `service.name`, `aws.log.group.names`), the session ids; None without a service."""
    resources = [(d.get("resource") or {}).get("attributes") or {} for d in docs]
    services = [r["service.name"] for r in resources if isinstance(r.get("service.name"), str)]
    if not services:
        return None
    groups = log_groups(docs)
    window = {"startTime": since_ms / 1000, "endTime": time.time() + 60}
    logs_source: dict[str, Any] = {
        "serviceNames": [max(set(services), key=services.count)],
        "filterConfig": {"sessionIds": session_ids, "timeRange": window},
    }
    if groups:
        logs_source["logGroupNames"] = groups[:10]  # CloudWatchLogsSourceLogGroupNamesList: max 10
    return {"cloudWatchLogs": logs_source}
