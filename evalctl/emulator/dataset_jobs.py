"""A dataset batch's background work: each scenario's turns sent to the agent in one fresh runtime
session, each session scored with its scenario's ground truth once its telemetry (OTLP into `aws/spans`)
is whole. Every step is reported as it happens, so progress shows and a restart resumes; agent and
telemetry failures are reported per scenario; nothing waits without a deadline.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from evalctl import request_template, scenarios
from evalctl.emulator import agents, dataset_progress, dataset_run, jobs
from evalctl.emulator.dataset_run import ScenarioFailed
from evalctl.engine.model import Session

AGENT_ERROR = "AgentInvocationError"


class Halted(Exception):
    """The emulator is stopping: the scenario's remaining turns are not sent."""


def _invoke(
    spec: jobs.JobSpec,
    plan: dict[str, Any],
    session_id: str,
    turns: list[dict[str, Any]],
    abandon: threading.Event,
) -> None:
    """Send every turn in order through InvokeAgentRuntime's forwarding; stop at the first failure."""
    mapping = {agents.runtime_arn(plan["endpointArn"]): plan["agentUrl"]}
    for index, turn in enumerate(turns):
        if _halted(spec) or abandon.is_set():
            raise Halted
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


def _metadata(session_id: str, example: dict[str, Any]) -> dict[str, Any]:
    """The scenario's ground truth as evaluationMetadata, so it takes the path inline ground truth takes."""
    entry = {"sessionId": session_id, "testScenarioId": scenarios.scenario_id(example)}
    return {"sessionMetadata": [{**entry, "groundTruth": {"inline": scenarios.ground_truth(example)}}]}


def _failed(spec: jobs.JobSpec, session_id: str, failure: ScenarioFailed) -> dict[str, Any]:
    """A scenario with no evaluable session: every evaluator reports the failure for its session."""
    return jobs.failed_outcome(spec, session_id, failure.code, failure.message)


def _outcome(spec: jobs.JobSpec, example: dict[str, Any], session_id: str, got: object) -> dict[str, Any]:
    """One scenario's stored outcome, tagged with the scenario it came from."""
    if isinstance(got, ScenarioFailed):
        outcome = _failed(spec, session_id, got)
    else:
        assert isinstance(got, Session)
        outcome = jobs.session_outcome(got, jobs.score_session(spec, got, _metadata(session_id, example)))
    return {**outcome, "scenarioId": scenarios.scenario_id(example)}


def _stopped(spec: jobs.JobSpec) -> bool:
    return spec.cancel is not None and spec.cancel.is_set()


def _halted(spec: jobs.JobSpec) -> bool:
    return spec.halt is not None and spec.halt.is_set()


def error_details(sessions: list[dict[str, Any]]) -> str | None:
    """One line (ErrorDetailsList holds one string of at most 1,000) naming the failed scenarios."""
    failed = [s for s in sessions if s.get("error")]
    if not failed:
        return None
    parts = [f"{s['scenarioId']} (session {s['sessionId']}): {s['error']}" for s in failed]
    return f"{len(failed)} of {len(sessions)} scenario(s) failed: " + "; ".join(parts)


@dataclass(frozen=True)
class Sent:
    """One scenario's turns as sent by a worker: all reached the agent, or `failure`, or `halted` midway."""

    index: int
    example: dict[str, Any]
    session_id: str
    failure: ScenarioFailed | None = None
    halted: bool = False


def _send(spec: jobs.JobSpec, index: int, example: dict[str, Any], abandon: threading.Event) -> Sent:
    """A worker: one scenario's turns in a fresh session (also one a restart interrupted mid-turns)."""
    session_id = str(uuid.uuid4())
    try:
        _invoke(spec, spec.dataset or {}, session_id, list(example.get("turns") or []), abandon)
    except ScenarioFailed as failure:
        return Sent(index, example, session_id, failure=failure)
    except Halted:
        return Sent(index, example, session_id, halted=True)
    return Sent(index, example, session_id)


def _sent(work: dataset_run.Run, sent: Sent) -> None:
    """Record a worker's scenario: failed (finished at once), invoked (its telemetry awaited) or nothing
    (halted midway: a resumed run gives it a fresh session)."""
    if sent.failure is not None:
        work.finish(sent.index, sent.example, sent.session_id, sent.failure)
    elif not sent.halted:
        work.invoked(sent.index, sent.example, sent.session_id, len(sent.example.get("turns") or []))


def run(spec: jobs.JobSpec) -> dict[str, Any]:
    """The outcome of a dataset batch: one session per scenario, in the dataset's order.

    Scenario after scenario (up to the plan's `parallel` at a time), the agent is invoked; after each,
    one telemetry read scores every awaited session that is complete, so progress shows as it happens
    while an exporter's batching delay is still paid about once per run. Each step is reported
    (`spec.report`), and a run resumed from that report (`spec.resume`) invokes no scenario again whose
    turns all reached the agent, unless its telemetry never arrives (lost with the emulator): then once
    more, in a fresh session.
    """
    work = dataset_run.Run(spec, _outcome)
    try:
        _steps(work)
    except Exception as exc:
        # Scoring itself broke (EVALCTL_JUDGE names no judge, a scorer raised): the job FAILS with the
        # reason, keeping the scenarios finished before. Raised, it left no outcome and every Get
        # answered 500. Entries still INVOKED stay so: the stored outcome means nothing resumes them.
        return jobs.broken(exc, work.sessions())
    sessions = work.sessions()
    details = error_details(sessions)
    return {"sessions": sessions, "ignored": 0, "insights": {}, "error": None, "details": details}


def _steps(work: dataset_run.Run) -> None:
    """Every scenario not yet done: invoked (or awaited, if invoked before a restart) and scored.

    Up to the plan's `parallel` scenarios are sent at a time, each by a worker; only this thread records
    and scores, so the run's bookkeeping needs no lock. Entries are keyed by scenario, so the outcome is
    in the dataset's order whatever order the agent answers in."""
    spec = work.spec
    queue: list[tuple[int, dict[str, Any]]] = []
    for index, example in enumerate(spec.dataset["examples"] if spec.dataset else []):
        entry = work.entries.get(index) or {}
        if entry.get("state") == dataset_progress.INVOKED:  # before a restart: await, don't re-invoke
            work.invoked(index, example, entry["sessionId"], len(example.get("turns") or []), resumed=True)
        elif entry.get("state") != dataset_progress.DONE:
            queue.append((index, example))
    parallel = max(1, int(work.plan.get("parallel") or 1))
    # Set when this run ends early (scoring raised): workers send no further turn.
    abandon = threading.Event()
    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="evalctl-scenario")
    flying: set[Future[Sent]] = set()
    try:
        while True:
            queue += work.lost  # telemetry lost with a restart: once more, in a fresh session
            work.lost.clear()
            while queue and len(flying) < parallel and not _stopped(spec) and not _halted(spec):
                flying.add(pool.submit(_send, spec, *queue.pop(0), abandon))
            every = float(work.plan["pollSeconds"])
            if not flying:  # all sent: only telemetry is awaited
                if _stopped(spec) or _halted(spec) or not work.waiting:
                    return
                time.sleep(every)
            else:  # a read while agents still answer only when due (`dataset_run._READ_EVERY`)
                done, flying = wait(flying, timeout=every, return_when=FIRST_COMPLETED)
                for sent in sorted((f.result() for f in done), key=lambda s: s.index):
                    _sent(work, sent)
            if not _stopped(spec):  # after Stop nothing more is scored
                work.poll(due=not flying and not queue)
    finally:
        abandon.set()
        pool.shutdown(wait=True)
