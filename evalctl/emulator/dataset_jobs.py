"""A dataset batch's background work: each scenario's turns sent to the agent in one fresh runtime
session, each session scored with its scenario's ground truth once its telemetry (OTLP into `aws/spans`)
is whole. Every step is reported as it happens, so progress shows and a restart resumes; agent and
telemetry failures are reported per scenario; nothing waits without a deadline.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from evalctl import request_template, scenarios
from evalctl.emulator import agents, dataset_progress, dataset_run, jobs
from evalctl.emulator.dataset_run import ScenarioFailed
from evalctl.engine.model import Session

AGENT_ERROR = "AgentInvocationError"


class Halted(Exception):
    """The emulator is stopping: the scenario's remaining turns are not sent."""


def _invoke(spec: jobs.JobSpec, plan: dict[str, Any], session_id: str, turns: list[dict[str, Any]]) -> None:
    """Send every turn in order through InvokeAgentRuntime's forwarding; stop at the first failure."""
    mapping = {agents.runtime_arn(plan["endpointArn"]): plan["agentUrl"]}
    for index, turn in enumerate(turns):
        if _halted(spec):
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


def _send(work: dataset_run.Run, index: int, example: dict[str, Any]) -> bool:
    """Invoke one scenario in a fresh session (also one a restart interrupted mid-turns); False once the
    run must invoke nothing more (Stop, or the emulator stopping)."""
    spec = work.spec
    if _stopped(spec) or _halted(spec):
        return False
    session_id = str(uuid.uuid4())
    turns = list(example.get("turns") or [])
    try:
        _invoke(spec, work.plan, session_id, turns)
    except ScenarioFailed as failure:
        work.finish(index, example, session_id, failure)
        return True
    except Halted:
        return False
    work.invoked(index, example, session_id, len(turns))
    if not _stopped(spec):  # after Stop nothing more is scored
        work.poll(due=False)
    return True


def _await(work: dataset_run.Run) -> None:
    """Poll until no session is awaited (or Stop, or the emulator stopping)."""
    while work.waiting and not _stopped(work.spec) and not _halted(work.spec):
        time.sleep(float(work.plan["pollSeconds"]))
        work.poll()


def run(spec: jobs.JobSpec) -> dict[str, Any]:
    """The outcome of a dataset batch: one session per scenario, in the dataset's order.

    Scenario after scenario, the agent is invoked; after each, one telemetry read scores every awaited
    session that is complete, so progress shows as it happens while an exporter's batching delay is
    still paid about once per run. Each step is reported (`spec.report`), and a run resumed from that
    report (`spec.resume`) invokes no scenario again whose turns all reached the agent, unless its
    telemetry never arrives (lost with the emulator): then once more, in a fresh session.
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
    """Every scenario not yet done: invoked (or awaited, if invoked before a restart) and scored."""
    spec = work.spec
    for index, example in enumerate(spec.dataset["examples"] if spec.dataset else []):
        entry = work.entries.get(index) or {}
        if entry.get("state") == dataset_progress.DONE:
            continue
        if entry.get("state") == dataset_progress.INVOKED:  # before a restart: await, don't re-invoke
            work.invoked(index, example, entry["sessionId"], len(example.get("turns") or []), resumed=True)
        elif not _send(work, index, example):
            break
    _await(work)
    while work.lost and _send(work, *work.lost.pop(0)):
        _await(work)
