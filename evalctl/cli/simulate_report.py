"""What `evalctl simulate` adds to its scoring batch's results: the scenarios in their order, the ones
that failed (in every report, and in every gate verdict), and the actor model's token usage."""

from __future__ import annotations

import json
from pathlib import Path

from evalctl.reports.models import ActorUsage as UsageRecord
from evalctl.reports.models import GateRecord, RunResults, ScenarioFailure, Simulation
from evalctl.runner.actor import ActorUsage
from evalctl.runner.simulate import Transcript


def write_transcripts(path: Path, transcripts: list[Transcript], usage: ActorUsage) -> Path:
    """simulation.json: every scenario's turns, why it ended or failed, the actor's reasoning and usage."""
    path.mkdir(parents=True, exist_ok=True)
    target = path / "simulation.json"
    doc = {"scenarios": [t.to_json() for t in transcripts], "actorUsage": usage.to_json()}
    target.write_text(json.dumps(doc, indent=2) + "\n")
    return target


def usage_line(usage: ActorUsage) -> str:
    """The actor's usage as the summaries say it, e.g. `actor usage: 42 in + 12 out tokens (6 call(s))`."""
    return f"actor usage: {UsageRecord(**usage.to_json()).describe()}"


def failure_detail(transcript: Transcript) -> str:
    """The failed scenario as one errorDetails line: what happened and whether its turns were scored."""
    said = f"scenario {transcript.scenario_id} FAILED after {len(transcript.exchanges)} turn(s)"
    if transcript.scored:
        return f"{said} ({transcript.error}); those turn(s) are scored"
    return f"{said} and was not scored: {transcript.error}"


def summary(transcripts: list[Transcript], usage: ActorUsage) -> Simulation:
    """How the conversations went: counts, each failed scenario and why, the actor's usage."""
    failed = [t for t in transcripts if t.error]
    failures = [
        ScenarioFailure(scenarioId=t.scenario_id, error=str(t.error), turns=len(t.exchanges), scored=t.scored)
        for t in failed
    ]
    usage_record = UsageRecord(**usage.to_json())
    return Simulation(
        scenarios=len(transcripts), failed=len(failed), complete=not failed, failures=failures,
        actorUsage=usage_record,
    )  # fmt: skip


def unscored(reason: str, transcripts: list[Transcript], usage: ActorUsage) -> dict[str, object]:
    """`--json`'s document when nothing could be scored: FAILED with the reason, as `recommend --json`
    prints a FAILED recommendation, and the summary results.json's `simulation` key would hold."""
    return {
        "status": "FAILED",
        "error": reason,
        "simulation": summary(transcripts, usage).model_dump(mode="json"),
    }


def amend(results: RunResults, transcripts: list[Transcript], usage: ActorUsage) -> RunResults:
    """The batch's results with the sessions named and ordered by scenario, the failures in the job's
    errors and in every gate verdict (a shortened run never reads as passed), and the simulation."""
    place = {t.session_id: (n, t.scenario_id) for n, t in enumerate(transcripts)}
    sessions = [
        s.model_copy(update={"scenarioId": place[s.sessionId][1]}) if s.sessionId in place else s
        for s in results.sessions
    ]
    sessions.sort(key=lambda s: place.get(s.sessionId, (len(place), ""))[0])  # stable: the rest keep theirs
    failed = [t for t in transcripts if t.error]
    simulation = summary(transcripts, usage)
    errors = [*results.job.errorDetails, *(failure_detail(t) for t in failed)]
    gates = [_incomplete(g, len(failed), len(transcripts)) if failed else g for g in results.gates]
    return results.model_copy(
        update={
            "job": results.job.model_copy(update={"errorDetails": errors}),
            "sessions": sessions,
            "gates": gates,
            "simulation": simulation,
        }
    )


def _incomplete(gate: GateRecord, failed: int, total: int) -> GateRecord:
    message = f"{gate.message}; but {failed} of {total} scenario(s) failed: the run is incomplete"
    return gate.model_copy(update={"passed": False, "message": message})
