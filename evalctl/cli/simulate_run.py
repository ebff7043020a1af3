"""The body of `evalctl simulate`: emulator up, conversations, telemetry, the scoring batch, the report."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import secrets
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from evalctl.aws import ClientSettings
from evalctl.cli import local_agent, run
from evalctl.cli.exits import EXIT_USAGE
from evalctl.datasets import gather
from evalctl.engine.llm_judges import TextModel
from evalctl.runner import batch, local, simulate
from evalctl.runner.waiter import Progress, WaitTimeout, wait
from evalctl.spec.names import physical_name, run_name
from evalctl.spec.project import Document, Project

_SLACK_MS = 60_000  # telemetry stamped by an agent clock a little behind ours still counts


def write_transcripts(path: Path, transcripts: list[Any]) -> Path:
    """simulation.json: every scenario's turns, why it ended or failed, the actor's reasoning."""
    path.mkdir(parents=True, exist_ok=True)
    target = path / "simulation.json"
    target.write_text(json.dumps({"scenarios": [t.to_json() for t in transcripts]}, indent=2) + "\n")
    return target


def say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _emulator(args: argparse.Namespace, stack: ExitStack) -> Any:
    """The in-process emulator on --otlp-port, empty, its judges reading EVALCTL_JUDGE as the actor does."""
    from evalctl.cli.extras import emulator_missing

    missing = emulator_missing()
    if missing:
        raise local_agent.UsageError(f"simulate runs an in-process emulator; {missing}")
    from evalctl.emulator import bridge
    from evalctl.emulator.server import EmulatorServer
    from evalctl.emulator.testing import Admin

    try:
        server = EmulatorServer(port=args.otlp_port).start()
    except OSError as exc:
        raise local_agent.UsageError(
            f"cannot listen on port {args.otlp_port} ({exc}); pass a free --otlp-port and point the agent's "
            "OTEL_EXPORTER_OTLP_ENDPOINT at it"
        ) from exc
    stack.callback(server.stop)
    Admin(server.endpoint).reset()  # moto's backends are process-wide (see `run --local`)
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
    transcripts = []
    for item in found:
        scenario = simulate.parse_scenario(item.scenario)
        started = time.monotonic()
        transcript = simulate.converse(scenario, invoke, model, args.request_template)
        took = time.monotonic() - started
        transcripts.append(transcript)
        turns = len(transcript.exchanges)
        outcome = f"FAILED {transcript.error}" if transcript.error else transcript.ended
        say(args, f"scenario {transcript.scenario_id}: {turns} turn(s) in {took:.2f} s, {outcome}")
    return transcripts


def _request(
    args: argparse.Namespace, doc: Document, aliases: dict[str, str], source: dict[str, Any]
) -> dict[str, Any]:
    """An ordinary batch evaluation over the simulated sessions (its name: `simulate_<dataset>_r<hex>`)."""
    declared = re.sub(r"[^a-zA-Z0-9_]", "_", f"simulate_{doc.name}")
    evaluators = [{"evaluatorId": aliases.get(e, e)} for e in dict.fromkeys(args.evaluator)]
    name = run_name(declared, secrets.token_hex(3))
    return {"batchEvaluationName": name, "evaluators": evaluators, "dataSourceConfig": source}


def execute(
    args: argparse.Namespace, stack: ExitStack, project: Project, doc: Document, model: TextModel
) -> int:
    """Run every scenario, score the sessions, gate and report; the exit code."""
    server = _emulator(args, stack)
    region = args.region or "us-east-1"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    clients = run.clients_for(ClientSettings(endpoint=server.endpoint, region=region, max_attempts=3))
    local.deploy_evaluators(project, list(args.evaluator), clients)
    listed = batch.list_evaluators(clients["control"])
    aliases = {}
    for ref in args.evaluator:
        target = project.valid("Evaluator", ref)
        name = physical_name("Evaluator", ref, target.spec, project.stack) if target else None
        if name in listed:
            aliases[ref] = str(listed[str(name)]["evaluatorId"])
    arn = local_agent.local_endpoint(None, region)
    from evalctl.emulator.testing import Admin

    Admin(server.endpoint).map_agents({arn.split("/runtime-endpoint/")[0]: str(args.agent).rstrip("/")})
    say(
        args,
        f"local emulator and OTLP receiver at {server.endpoint}: start your agent with\n"
        f"  OTEL_EXPORTER_OTLP_ENDPOINT={server.endpoint} OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n"
        f"simulating Dataset '{doc.name}' against {args.agent} as {arn}",
    )
    since_ms = int(time.time() * 1000) - _SLACK_MS
    transcripts = _converse(args, doc, model, _invoker(clients["data"], arn))
    sessions, docs = simulate.await_telemetry(clients["logs"], transcripts, since_ms, args.telemetry_timeout)
    for transcript in transcripts:
        if transcript.error is None and transcript.session_id not in sessions:
            transcript.error = (
                f"its spans (one whole trace per turn) did not reach {server.endpoint} within "
                f"{args.telemetry_timeout:g} s; does the agent export OTLP there with session.id set?"
            )
            say(args, f"scenario {transcript.scenario_id}: FAILED {transcript.error}")
    if args.report_dir:
        say(args, f"wrote {write_transcripts(args.report_dir, transcripts)}")
    scored = [t.session_id for t in transcripts if t.error is None]
    source = simulate.source(docs, scored, since_ms) if scored else None
    if source is None:
        print("evalctl simulate: no scenario produced a session to score", file=sys.stderr)
        return EXIT_USAGE
    data = clients["data"]
    job_id = data.start_batch_evaluation(**_request(args, doc, aliases, source))["batchEvaluationId"]
    say(args, f"scoring {len(scored)} session(s): batch evaluation {job_id}")
    progress = Progress(quiet=args.quiet, expected=lambda _job: len(scored))  # the sessions it names
    try:
        job = wait(
            lambda: data.get_batch_evaluation(batchEvaluationId=job_id), args.timeout, progress=progress
        )
    except WaitTimeout as exc:
        print(f"evalctl simulate: scoring: {exc}; pass a longer --timeout", file=sys.stderr)
        return EXIT_USAGE
    gated = dataclasses.replace(doc, spec={"gates": args.min_average})
    failed = [t for t in transcripts if t.error]
    # The reports (results.json, summary.md, the PR comment) must not read as if every scenario ran.
    unscored = [f"scenario {t.scenario_id} was not scored: {t.error}" for t in failed]
    job = {**job, "errorDetails": [*(job.get("errorDetails") or []), *unscored]}
    code = run.report(args, gated, job, batch.result_events(clients["logs"], job), aliases)
    if failed:
        print(f"evalctl simulate: {len(failed)} of {len(transcripts)} scenario(s) failed", file=sys.stderr)
    return max(code, EXIT_USAGE if failed else 0)
