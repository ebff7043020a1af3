"""`evalctl run`: start a declared batch evaluation, wait with progress, gate it, report it."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from evalctl.aws import ClientSettings
from evalctl.cli import inprocess, local_agent
from evalctl.cli.argtypes import positive_float
from evalctl.cli.exits import EPILOG, EXIT_INTERRUPTED, EXIT_USAGE
from evalctl.cli.jobs import print_json
from evalctl.reports.gates import evaluate_gates, gate_exit_code
from evalctl.reports.models import GateRecord, RunResults
from evalctl.reports.results import from_batch
from evalctl.reports.text import render_text
from evalctl.reports.writers import write_reports
from evalctl.runner import batch, local
from evalctl.runner.batch import Clients
from evalctl.runner.waiter import Progress, WaitTimeout, dataset_scenarios, wait
from evalctl.spec.diagnostics import render
from evalctl.spec.project import Document, Project, load_project, project_folder


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl run` and its flags."""
    parser = subparsers.add_parser(
        "run",
        help="run a declared batch evaluation with gates and reports",
        description="Pre-flight, start, wait with progress (Ctrl-C stops the job), print the "
        "per-evaluator table and insights, judge the spec's gates, write reports.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "target", nargs="?", help="a BatchEvaluation's metadata.name, or a spec file holding one"
    )
    parser.add_argument(
        "--specs",
        type=Path,
        help="spec folder (default: evaluations/, or the project folder of a FILE target)",
    )
    parser.add_argument(
        "--stack", default=os.environ.get("PULUMI_STACK", "dev"), help="stack of the AWS names"
    )
    parser.add_argument("--endpoint", help="AgentCore/Logs endpoint URL (e.g. a running `evalctl emulator`)")
    parser.add_argument("--region", help="AWS region (default: the AWS environment)")
    parser.add_argument("--profile", help="AWS profile")
    parser.add_argument("--local", action="store_true", help="run against an in-process emulator")
    parser.add_argument(
        "--seed",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="with --local: recorded session files",
    )
    local_agent.add_arguments(parser)
    parser.add_argument(
        "--timeout", type=positive_float, default=3600.0, help="seconds to wait (default 3600)"
    )
    parser.add_argument("--detach", action="store_true", help="start the job and return its id at once")
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="start without checking log groups, spans in the window, ground-truth sessions and that custom "
        "evaluators are ACTIVE; custom evaluators and the dataset must still exist (the job needs their ids)",
    )
    parser.add_argument(
        "--report-dir", type=Path, help="write results.json, junit.xml, summary.md, report.html"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress or status messages, errors only")
    parser.add_argument(
        "--json", action="store_true", help="print results.json on stdout (messages go to stderr)"
    )
    parser.set_defaults(handler=run)


def find_target(project: Project, target: str) -> Document | None:
    """The BatchEvaluation named `target`, or the first one in the file `target`."""
    found = project.valid("BatchEvaluation", target)
    if found is not None:
        return found
    path = Path(target).resolve()
    return next((d for d in project.of_kind("BatchEvaluation") if Path(d.file).resolve() == path), None)


def fix_arguments(args: argparse.Namespace) -> str | None:
    """Recover a target swallowed by --seed and check flag combinations; the problem, or None."""
    if args.target is None and args.seed:
        args.target = str(args.seed.pop())
    if args.target is None:
        return "a BatchEvaluation name or spec file is required"
    if args.specs is None:
        target = Path(args.target)
        local = Path("evaluations")
        args.specs = project_folder(target) if target.is_file() and not local.is_dir() else local
    if args.local and args.detach:
        return (
            "--detach cannot follow a --local run: the in-process emulator stops when evalctl exits; "
            "start `evalctl emulator` and pass --endpoint instead"
        )
    if args.local and not args.seed and not args.agent:
        return (
            "--local starts an empty emulator: pass --seed FILE... with recorded sessions "
            "(e.g. evaluations/sessions/*.json), or --agent URL to run a dataset batch against your agent"
        )
    if args.seed and not args.local:
        return "--seed loads sessions into the in-process emulator: add --local"
    if args.seed:
        from evalctl.emulator.seedfiles import SeedFileError, read_session_files

        try:
            read_session_files(args.seed)
        except SeedFileError as exc:
            return f"--seed:\n{exc}"
    return local_agent.problem(args)


def load(args: argparse.Namespace) -> tuple[Project, Document] | int:
    target = Path(args.target)
    inside = target.is_file() and target.resolve().is_relative_to(args.specs.resolve())
    paths = [args.specs] + ([target] if target.is_file() and not inside else [])
    project, problems = load_project(paths, args.stack)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(render(errors, "text"), file=sys.stderr)
        print(f"evalctl run: fix the {len(errors)} spec error(s) first", file=sys.stderr)
        return EXIT_USAGE
    doc = find_target(project, args.target)
    if doc is None:
        declared = [d.name for d in project.of_kind("BatchEvaluation")]
        close = difflib.get_close_matches(args.target, declared, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        names = ", ".join(declared) or "none"
        print(f"evalctl run: no BatchEvaluation '{args.target}' (declared: {names}){hint}", file=sys.stderr)
        return EXIT_USAGE
    return project, doc


def start_local(
    stack: ExitStack, args: argparse.Namespace, project: Project, doc: Document
) -> tuple[ClientSettings, Document]:
    """An in-process emulator holding the batch's evaluators and the seeded sessions (or, with
    --agent, the dataset and the agent mapping); the batch spec to run there."""
    server = inprocess.start_emulator(stack, "--local", args.otlp_port if args.agent else 0)
    from evalctl.emulator.testing import Admin

    settings = inprocess.local_settings(server.endpoint, args.region)
    clients = inprocess.clients_for(settings)
    local.deploy_evaluators(project, list(doc.spec["evaluators"]), clients)
    service = doc.spec["dataSourceConfig"]["cloudWatchLogs"]["serviceNames"][0]
    if args.seed:
        ids = local.seed(Admin(server.endpoint), args.seed, service)
        if not args.quiet:
            print(f"seeded {len(ids)} session(s) for {service} into the local emulator", file=sys.stderr)
    if args.agent:
        doc = local_agent.prepare(
            args, project, doc, admin=Admin(server.endpoint), clients=clients, endpoint=server.endpoint
        )
    return settings, doc


def gate(
    results: RunResults, doc: Document, job: dict[str, Any], aliases: dict[str, str]
) -> tuple[RunResults, int]:
    """Apply the spec's gates: the results with the verdicts recorded, and the exit code."""
    verdicts = evaluate_gates(
        doc.spec.get("gates") or [], job.get("evaluationResults"), aliases, str(job.get("batchEvaluationId"))
    )
    gated = results.model_copy(update={"gates": [GateRecord(**v.to_dict()) for v in verdicts]})
    return gated, gate_exit_code(verdicts, str(job.get("status")))


def execute(args: argparse.Namespace, project: Project, doc: Document, settings: ClientSettings) -> int:
    made = inprocess.clients_for(settings)
    clients = Clients(made["control"], made["data"], made["logs"])
    plan = batch.plan(project, doc, clients, dt.datetime.now(dt.UTC), checks=not args.skip_preflight)
    findings = plan.findings or ([] if args.skip_preflight else batch.check(plan.request, clients))
    if findings:
        print("\n".join(f.format() for f in findings), file=sys.stderr)
        return EXIT_USAGE
    job_id = clients.data.start_batch_evaluation(**plan.request)["batchEvaluationId"]
    if not args.quiet:
        print(f"started batch evaluation {job_id} ({plan.request['batchEvaluationName']})", file=sys.stderr)
    if args.detach:
        if args.json:
            print_json(
                {"batchEvaluationId": job_id, "batchEvaluationName": plan.request["batchEvaluationName"]}
            )
        else:
            print(job_id)
        if not args.quiet:
            print(f"follow it with: evalctl results {job_id}{endpoint_flag(args)}", file=sys.stderr)
        return 0
    try:
        job = wait(
            lambda: clients.data.get_batch_evaluation(batchEvaluationId=job_id),
            args.timeout,
            progress=Progress(quiet=args.quiet, expected=dataset_scenarios(clients.control)),
        )
    except KeyboardInterrupt:
        clients.data.stop_batch_evaluation(batchEvaluationId=job_id)
        print(f"\ninterrupted: stopped batch evaluation {job_id}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WaitTimeout as exc:
        later = (
            "the in-process emulator ends with the command: pass a longer --timeout"
            if args.local
            else f"it keeps running: `evalctl results {job_id}` later"
        )
        print(f"evalctl run: {exc}; {later}", file=sys.stderr)
        return EXIT_USAGE
    return report(args, doc, job, batch.result_events(clients.logs, job), plan.aliases)


def report(
    args: argparse.Namespace, doc: Document, job: dict[str, Any], events: list[Any], aliases: dict[str, str]
) -> int:
    results = from_batch(job, events, source="emulator" if args.local or args.endpoint else "aws")
    results, code = gate(results, doc, job, aliases)
    emit(args, results)
    return code


def emit(args: argparse.Namespace, results: RunResults) -> None:
    """Print the results (text, or results.json with --json) and write --report-dir's reports."""
    if args.json:
        print_json(results.to_json_dict())
    else:
        print(render_text(results), end="")
    if args.report_dir:
        for path in write_reports(results, args.report_dir):
            if not args.quiet:
                print(f"wrote {path}", file=sys.stderr)


def endpoint_flag(args: argparse.Namespace) -> str:
    """The flags the follow-up command needs to reach the same service."""
    flags = f" --endpoint {args.endpoint}" if args.endpoint else ""
    return flags + (f" --region {args.region}" if args.region else "")


def run(args: argparse.Namespace) -> int:
    """`evalctl run`: exit 0 pass, 1 gate failed, 2 usage/spec/service error or job failed, 130 Ctrl-C."""
    problem = fix_arguments(args)
    if problem is not None:
        print(f"evalctl run: {problem}", file=sys.stderr)
        return EXIT_USAGE
    loaded = load(args)
    if isinstance(loaded, int):
        return loaded
    project, doc = loaded
    with ExitStack() as stack:

        def body() -> int:
            if args.local:
                local_agent.check_dataset(args, project, doc)  # before the emulator starts
                settings, running = start_local(stack, args, project, doc)
                return execute(args, project, running, settings)
            settings = ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
            return execute(args, project, doc, settings)

        return inprocess.guarded("run", f"BatchEvaluation/{doc.name}", doc.file, body)
