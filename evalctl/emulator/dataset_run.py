"""A dataset run's bookkeeping: the sessions awaiting their telemetry (OTLP into `aws/spans`), each
scored as soon as its traces are whole, and every scenario's step reported as it happens."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalctl.emulator import cwlogs, dataset_progress, jobs, sources
from evalctl.engine import coverage
from evalctl.engine.model import Session
from evalctl.engine.spans import parse_sessions

TELEMETRY_ERROR = "TelemetryTimeout"
# Telemetry written before the run started (by clock skew between agent and emulator) still counts.
_SLACK_MS = 60_000
# While scenarios are still being invoked, scores are counted at most this often (real seconds): progress
# a person or a poller reads needs no finer grain, and each read costs as much as the run so far.
_READ_EVERY = 1.0


class ScenarioFailed(Exception):
    """A scenario could not produce an evaluable session: (error code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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


@dataclass
class Pending:
    """A scenario whose turns all reached the agent, awaiting its telemetry until `deadline`."""

    index: int
    example: dict[str, Any]
    turns: int
    deadline: float
    resumed: bool = False  # invoked before a restart


Outcome = Callable[[jobs.JobSpec, dict[str, Any], str, object], dict[str, Any]]


class Run:
    """One run (or resumed run) of a dataset job: each scenario's entry and the sessions awaited."""

    def __init__(self, spec: jobs.JobSpec, outcome: Outcome) -> None:
        self.spec = spec
        self.plan: dict[str, Any] = spec.dataset or {}
        self.outcome = outcome
        self.entries = {int(k): copy.deepcopy(v) for k, v in (spec.resume or {}).items()}
        self.waiting: dict[str, Pending] = {}
        # Scenarios invoked before a restart whose telemetry never came: invoked again, in a fresh session.
        self.lost: list[tuple[int, dict[str, Any]]] = []
        self.last_read = 0.0
        # Since the job started (saved in its plan), so a resumed run still finds earlier telemetry.
        started = self.plan.get("startedMs")
        self.since_ms = int(started if started is not None else cwlogs.now_ms()) - _SLACK_MS

    def _record(self, index: int, entry: dict[str, Any]) -> None:
        self.entries[index] = entry
        if self.spec.report is not None:
            self.spec.report(index, entry)

    def finish(self, index: int, example: dict[str, Any], session_id: str, got: object) -> None:
        """A scenario is done: scored, or failed with `got` (a ScenarioFailed)."""
        outcome = self.outcome(self.spec, example, session_id, got)
        self._record(index, {"sessionId": session_id, "state": dataset_progress.DONE, "outcome": outcome})

    def invoked(
        self, index: int, example: dict[str, Any], session_id: str, turns: int, resumed: bool = False
    ) -> None:
        """Every turn reached the agent: await the session's telemetry (for `dataset_telemetry_seconds`)."""
        self._record(index, {"sessionId": session_id, "state": dataset_progress.INVOKED})
        deadline = time.monotonic() + float(self.plan["telemetryTimeout"])
        self.waiting[session_id] = Pending(index, example, turns, deadline, resumed)

    def poll(self, *, due: bool = True) -> None:
        """One telemetry read: score every awaited session that is whole; fail those past their deadline.
        With `due=False` only if `_READ_EVERY` passed since the last read: between quick invocations a
        read per scenario would cost more than the agent (each reads the run so far)."""
        now = time.monotonic()
        if not self.waiting or (not due and now - self.last_read < _READ_EVERY):
            return
        self.last_read = now
        found = _read(self.spec, set(self.waiting), self.since_ms)
        now = time.monotonic()
        for session_id, item in list(self.waiting.items()):
            session = found.get(session_id)
            if coverage.whole(session, item.turns):
                got: object = session
            elif now >= item.deadline and item.resumed and session is None:
                del self.waiting[session_id]  # none of it survived the restart: invoke it again
                self.lost.append((item.index, item.example))
                continue
            elif now >= item.deadline:
                # Stricter reading: a session with fewer traces than turns fails; one with all of them is
                # scored even if an answer is still missing.
                got = (
                    session
                    if session is not None and len(session.traces) >= item.turns
                    else self._late(session, item.turns)
                )
            else:
                continue
            del self.waiting[session_id]
            self.finish(item.index, item.example, session_id, got)

    def _late(self, session: Session | None, turns: int) -> ScenarioFailed:
        traces = len(session.traces) if session is not None else 0
        limit = float(self.plan["telemetryTimeout"])
        return ScenarioFailed(
            TELEMETRY_ERROR,
            f"traces of {traces} of {turns} turn(s) arrived within {limit:g} s; is the agent's OTLP exporter "
            "pointed at this emulator (OTEL_EXPORTER_OTLP_ENDPOINT) with the session id as `session.id`?",
        )

    def sessions(self) -> list[dict[str, Any]]:
        """The finished scenarios' outcomes, in the dataset's order."""
        return dataset_progress.done_outcomes({str(k): v for k, v in self.entries.items()})
