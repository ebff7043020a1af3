"""`evalctl results`: render an existing batch evaluation (tables, gates, reports) from its result log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from evalctl.cli import jobs
from evalctl.cli.exits import EPILOG, EXIT_USAGE
from evalctl.reports.gates import EXIT_JOB_FAILED, FINISHED_STATUSES, GateSpecError

if TYPE_CHECKING:
    from evalctl.reports.models import Source
    from evalctl.spec.diagnostics import Diagnostic
    from evalctl.spec.project import Document

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def add_parser(subparsers: Any) -> None:
    """Register `evalctl results` and its flags."""
    parser = subparsers.add_parser(
        "results",
        help="render the results of a batch evaluation (a job id, or a spec's latest run), a "
        "Recommendation spec's latest recommendation or, with --online, an online evaluation's records",
        description="Fetch a batch evaluation (a job id, or the newest run of a BatchEvaluation given by "
        "spec name, spec file or AWS name) and its per-session results log, print the per-evaluator "
        "table and insight clusters, apply gates (the spec's own, or --gates-from) and write reports. "
        "Given a Recommendation spec (name or file): the newest finished recommendation `pulumi up` or "
        "`evalctl recommend NAME --start` ran for it (status, explanation, the diff of the current and the "
        "recommended text; exit 2 if it FAILED); --report-dir writes its .diff/.md/.html.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "ref",
        metavar="SPEC|ID",
        nargs="?",
        help="a BatchEvaluation's name or file, a job id, or a Recommendation's name or file",
    )
    parser.add_argument(
        "--online",
        metavar="NAME|ID",
        help="show an online evaluation's result records instead (an OnlineEvaluation spec name or "
        "file, an AWS configuration name, or a configuration id), read with FilterLogEvents",
    )
    jobs.add_service_flags(parser)
    parser.add_argument(
        "--report-dir", type=Path, help="write results.json, junit.xml, summary.md, report.html"
    )
    parser.add_argument(
        "--gates-from",
        type=Path,
        metavar="SPEC",
        help="judge these gates instead: a BatchEvaluation's name (under --specs) or a spec file",
    )
    parser.add_argument("--spec-name", help="which BatchEvaluation in --gates-from, when it holds several")
    parser.add_argument(
        "--pass-mark",
        type=float,
        default=0.5,
        help="JUnit pass mark for evaluators without a gate (default 0.5)",
    )
    parser.set_defaults(handler=run)


def source_of(endpoint: str | None) -> Source:
    """`emulator` for a loopback endpoint, else `aws`."""
    host = urlparse(endpoint).hostname if endpoint else None
    return "emulator" if host in LOOPBACK else "aws"


def make_clients(args: argparse.Namespace) -> tuple[Any, Any]:
    """The data-plane and CloudWatch Logs clients for these flags."""
    from evalctl.aws import DATA, ClientSettings, client

    settings = ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
    return client(DATA, settings), client("logs", settings)


def run(args: argparse.Namespace) -> int:
    """Fetch, render, gate and write; every failure is one line on stderr and exit code 2."""
    from evalctl.reports.decide import GatesFileError, apply_gates
    from evalctl.reports.results import from_batch
    from evalctl.reports.text import render_text
    from evalctl.reports.writers import write_reports

    if (args.online is None) == (args.ref is None):
        print("evalctl results: give SPEC|ID (a batch evaluation) or --online NAME|ID", file=sys.stderr)
        return EXIT_USAGE
    jobs.follow_file(args, args.online if args.online is not None else args.ref)
    if args.online is not None:
        if args.report_dir or args.gates_from:
            print("evalctl results: --report-dir and --gates-from are for batch evaluations", file=sys.stderr)
            return EXIT_USAGE
        from evalctl.cli import online_results

        return online_results.run(args)
    from evalctl.cli import recommend_results

    project = jobs.declared(args)
    recommendation = recommend_results.named(project, args.ref) if project is not None else None
    if project is not None and recommendation is not None:
        return recommend_results.run(args, project, recommendation)
    miss = recommend_results.near_miss(project, args.ref, args.specs) if project is not None else None
    if miss:
        print(f"evalctl results: {miss}", file=sys.stderr)
        return EXIT_USAGE
    judged = scale_gates(args) if args.gates_from else []
    if judged:
        print("\n".join(found.format() for found in judged), file=sys.stderr)
    if any(found.severity == "error" for found in judged):
        said = "its scale cannot judge that gate, as `evalctl validate` says of a spec; nothing was fetched"
        print(f"evalctl results: --gates-from {args.gates_from}: {said}", file=sys.stderr)
        return EXIT_USAGE
    try:
        gates = gates_from(args) if args.gates_from else []
        response, events, doc = fetch(args)
        if not args.gates_from and doc is not None and doc.valid:
            gates = list(doc.spec.get("gates") or [])
        results = from_batch(response, events, source=source_of(args.endpoint))
        results, code = apply_gates(results, gates)
    except (GatesFileError, GateSpecError, FetchError) as exc:
        print(f"evalctl results: {exc}", file=sys.stderr)
        return EXIT_JOB_FAILED
    if args.json:
        jobs.print_json(results.to_json_dict())
    else:
        print(render_text(results), end="")
    if results.job.status not in FINISHED_STATUSES:
        print(
            f"note: the job is {results.job.status}, not finished: its gates were judged on the results it "
            "has so far, and the exit code is 2 whatever they say",
            file=sys.stderr,
        )
    if args.report_dir:
        for path in write_reports(results, args.report_dir, args.pass_mark):
            print(f"wrote {path}", file=sys.stderr)
    return code


def gates_from(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The gates --gates-from names: a spec file's BatchEvaluation, else a declared one by name."""
    from evalctl.reports.decide import GatesFileError, load_gates

    ref = args.gates_from
    if ref.is_file():
        return load_gates(ref, args.spec_name)
    project = jobs.declared(args)
    docs = project.of_kind("BatchEvaluation") if project else []
    doc = next((d for d in docs if d.name == str(ref)), None)
    if doc is None:
        message = jobs.unknown(str(ref), [d.name for d in docs], args.specs)
        raise GatesFileError(
            f"--gates-from {message.replace('a batch evaluation id (name-XXXXXXXXXX)', 'a file')}"
        )
    if not doc.valid:
        raise GatesFileError(f"--gates-from {ref}: {doc.file} has errors; run `evalctl validate {doc.file}`")
    return list(doc.spec.get("gates") or [])


def scale_gates(args: argparse.Namespace) -> list[Diagnostic]:
    """--gates-from's average gates its evaluators' scales cannot judge (labels only, or out of reach), at
    their file:line:col (validate's rule); the evaluators are looked up in --specs and the gates file."""
    from evalctl.spec.lint.rules_batch import scale_gates as rule
    from evalctl.spec.project import load_documents

    ref = Path(args.gates_from)
    paths = [args.specs] if args.specs.exists() else []
    if ref.is_file() and not any(ref.resolve().is_relative_to(p.resolve()) for p in paths):
        paths.append(ref)
    project, _ = load_documents(paths)
    project.stack = args.stack
    batches = [d for d in [*project.documents, *project.broken] if d.kind == "BatchEvaluation"]
    if ref.is_file():
        chosen = [d for d in batches if Path(d.file).resolve() == ref.resolve()]
        chosen = [d for d in chosen if args.spec_name in (None, d.name)]
    else:
        chosen = [d for d in batches if d.name == str(ref) and d.valid]
    # More than one (or none): gates_from says which to pick before anything is judged.
    return list(rule(project, chosen[0])) if len(chosen) == 1 else []


class FetchError(RuntimeError):
    """Fetching the job or its results failed; the message says what to check."""


def fetch(args: argparse.Namespace) -> tuple[dict[str, Any], list[dict[str, Any]], Document | None]:
    """GetBatchEvaluation and the result events for `args.ref`, and its spec; FetchError says why not."""
    from botocore.exceptions import BotoCoreError, ClientError

    from evalctl.aws import MissingRegionError
    from evalctl.reports.fetch import BatchNotFoundError, fetch_batch

    try:
        data, logs = make_clients(args)
        target = jobs.resolve(args, args.ref, data)
        response, events = fetch_batch(data, logs, target.job_id)
        return response, events, target.doc
    except BatchNotFoundError as exc:
        raise FetchError(f"{exc}; check the id, --region and --endpoint") from exc
    except (MissingRegionError, jobs.JobError) as exc:
        raise FetchError(str(exc)) from exc
    except (ClientError, BotoCoreError) as exc:
        raise FetchError(jobs.service_error(exc)) from exc
