"""The body of `evalctl simulate`: emulator up, conversations, telemetry, the scoring batch, the report."""

from __future__ import annotations

import argparse
import dataclasses
import re
import secrets
import sys
import time
from contextlib import ExitStack
from typing import Any

from evalctl.cli import inprocess, local_agent, run, simulate_report
from evalctl.cli.exits import EXIT_USAGE
from evalctl.cli.jobs import print_json
from evalctl.datasets import gather
from evalctl.engine.llm_judges import TextModel
from evalctl.reports.models import RunResults
from evalctl.reports.results import from_batch
from evalctl.runner import batch, local, simulate
from evalctl.runner.actor import ActorUsage
from evalctl.runner.waiter import Progress, WaitTimeout, wait
from evalctl.spec.names import physical_name, run_name
from evalctl.spec.project import Document, Project

_SLACK_MS = 60_000  # telemetry stamped by an agent clock a little behind ours still counts


def say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _emulator(args: argparse.Namespace, stack: ExitStack) -> Any:
    """The in-process emulator on --otlp-port, empty, its judges reading EVALCTL_JUDGE as the actor does."""
    server = inprocess.start_emulator(stack, "simulate", args.otlp_port)
    from evalctl.emulator import bridge

    bridge.set_judge(None)
    stack.callback(bridge.set_judge, None)
    return server


def _invoker(data: Any, arn: str) -> simulate.Invoke:
    """InvokeAgentRuntime through the emulator, which forwards to the mapped agent."""

    def invoke(session: str, payload: bytes) -> bytes:
        try:
            answer = data.invoke_agent_runtime(
                agentRuntimeArn=arn, runtimeSessionId=session, payload=payload, contentType="application/json"
            )
        except data.exceptions.ClientError as exc:
            raise simulate.AgentError(str(exc.response.get("Error", {}).get("Message", exc))) from exc
        body: bytes = answer["response"].read()
        return body

    return invoke


def _converse(
    args: argparse.Namespace, doc: Document, model: TextModel, invoke: simulate.Invoke
) -> list[simulate.Transcript]:
    found, _ = gather(doc.spec, doc.file, doc.at)  # the project loaded without errors: all valid
    items = [simulate.parse_scenario(item.scenario) for item in found]
    parallel = args.parallel or min(local_agent.DEFAULT_PARALLEL, max(1, len(items)))

    def done(transcript: simulate.Transcript, took: float) -> None:
        turns = len(transcript.exchanges)
        outcome = f"FAILED {transcript.error}" if transcript.error else transcript.ended
        say(args, f"scenario {transcript.scenario_id}: {turns} turn(s) in {took:.2f} s, {outcome}")

    say(args, f"{len(items)} scenario(s), {parallel} at a time")
    return simulate.run_all(items, invoke, model, args.request_template, parallel=parallel, done=done)


def _request(
    args: argparse.Namespace, doc: Document, aliases: dict[str, str], source: dict[str, Any]
) -> dict[str, Any]:
    """An ordinary batch evaluation over the simulated sessions (its name: `simulate_<dataset>_r<hex>`)."""
    declared = re.sub(r"[^a-zA-Z0-9_]", "_", f"simulate_{doc.name}")
    evaluators = [{"evaluatorId": aliases.get(e, e)} for e in dict.fromkeys(args.evaluator)]
    name = run_name(declared, secrets.token_hex(3))
    return {"batchEvaluationName": name, "evaluators": evaluators, "dataSourceConfig": source}


def _aliases(args: argparse.Namespace, project: Project, clients: dict[str, Any]) -> dict[str, str]:
    """The declared --evaluator names deployed into the emulator, and the ids it gave them."""
    local.deploy_evaluators(project, list(args.evaluator), clients)
    listed = batch.list_evaluators(clients["control"])
    aliases = {}
    for ref in args.evaluator:
        target = project.valid("Evaluator", ref)
        name = physical_name("Evaluator", ref, target.spec, project.stack) if target else None
        if name in listed:
            aliases[ref] = str(listed[str(name)]["evaluatorId"])
    return aliases


def _telemetry(
    args: argparse.Namespace, endpoint: str, logs: Any, transcripts: list[simulate.Transcript], since_ms: int
) -> list[dict[str, Any]]:
    """Wait for the scorable sessions' spans; mark each transcript scored or failed; the documents read."""
    sessions, docs = simulate.await_telemetry(logs, transcripts, since_ms, args.telemetry_timeout)
    for transcript in transcripts:
        transcript.scored = transcript.session_id in sessions
        if simulate.scorable(transcript) and not transcript.scored:
            missing = (
                f"its spans (one whole trace per turn) did not reach {endpoint} within "
                f"{args.telemetry_timeout:g} s; does the agent export OTLP there with session.id set?"
            )
            transcript.error = f"{transcript.error}; {missing}" if transcript.error else missing
            say(args, f"scenario {transcript.scenario_id}: FAILED {missing}")
    return docs


def _score(
    args: argparse.Namespace,
    doc: Document,
    clients: dict[str, Any],
    request: dict[str, Any],
    *,
    aliases: dict[str, str],
    sessions: int,
) -> tuple[RunResults, int] | int:
    """The scoring batch run to its end: its results gated, and the gates' exit code; or EXIT_USAGE."""
    data = clients["data"]
    job_id = data.start_batch_evaluation(**request)["batchEvaluationId"]
    say(args, f"scoring {sessions} session(s): batch evaluation {job_id}")
    try:
        job = wait(
            lambda: data.get_batch_evaluation(batchEvaluationId=job_id),
            args.timeout,
            progress=Progress(quiet=args.quiet, expected=lambda _job: sessions),  # the sessions it names
        )
    except WaitTimeout as exc:
        print(f"evalctl simulate: scoring: {exc}; pass a longer --timeout", file=sys.stderr)
        return EXIT_USAGE
    gated = dataclasses.replace(doc, spec={"gates": args.min_average})
    results = from_batch(job, batch.result_events(clients["logs"], job), source="emulator")
    return run.gate(results, gated, job, aliases)


def execute(
    args: argparse.Namespace,
    stack: ExitStack,
    project: Project,
    doc: Document,
    model: TextModel,
    *,
    preflight: ActorUsage,
) -> int:
    """Run every scenario, score the sessions, gate and report; the exit code."""
    server = _emulator(args, stack)
    settings = inprocess.local_settings(server.endpoint, args.region)
    region = settings.region or "us-east-1"
    clients = inprocess.clients_for(settings)
    aliases = _aliases(args, project, clients)
    arn = local_agent.local_endpoint(None, region)
    from evalctl.emulator.testing import Admin

    Admin(server.endpoint).map_agents({arn.split("/runtime-endpoint/")[0]: str(args.agent).rstrip("/")})
    say(
        args,
        f"local emulator and OTLP receiver at {server.endpoint}: start your agent with\n"
        f"  OTEL_EXPORTER_OTLP_ENDPOINT={server.endpoint} OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n"
        f"simulating Dataset '{doc.name}' against {args.agent} as {arn}",
    )
    if not args.quiet:
        local_agent.warn_if_down(str(args.agent))
    since_ms = int(time.time() * 1000) - _SLACK_MS
    transcripts = _converse(args, doc, model, _invoker(clients["data"], arn))
    usage = ActorUsage.total([preflight, *(t.usage for t in transcripts)])
    say(args, simulate_report.usage_line(usage))
    docs = _telemetry(args, server.endpoint, clients["logs"], transcripts, since_ms)
    if args.report_dir:
        say(args, f"wrote {simulate_report.write_transcripts(args.report_dir, transcripts, usage)}")
    scored = [t.session_id for t in transcripts if t.scored]
    source = simulate.source(docs, scored, since_ms) if scored else None
    if source is None:
        reason = "no scenario produced a session to score"
        if args.json:  # stdout still says what happened, as on every other outcome
            print_json(simulate_report.unscored(reason, transcripts, usage))
        print(f"evalctl simulate: {reason}", file=sys.stderr)
        return EXIT_USAGE
    request = _request(args, doc, aliases, source)
    outcome = _score(args, doc, clients, request, aliases=aliases, sessions=len(scored))
    if isinstance(outcome, int):
        return outcome
    results, code = outcome
    # The reports (results.json, summary.md, junit.xml, the PR comment) must not read as a full run.
    run.emit(args, simulate_report.amend(results, transcripts, usage))
    failed = [t for t in transcripts if t.error]
    if failed:
        print(f"evalctl simulate: {len(failed)} of {len(transcripts)} scenario(s) failed", file=sys.stderr)
    return max(code, EXIT_USAGE if failed else 0)
