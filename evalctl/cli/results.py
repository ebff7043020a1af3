"""`evalctl results`: render an existing batch evaluation (tables, gates, reports) from its result log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from evalctl.reports.gates import EXIT_JOB_FAILED, FINISHED_STATUSES, GateSpecError

if TYPE_CHECKING:
    from evalctl.reports.models import Source

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def add_parser(subparsers: Any) -> None:
    """Register `evalctl results` and its flags."""
    parser = subparsers.add_parser(
        "results",
        help="render the results of an existing batch evaluation",
        description="Fetch a batch evaluation and its per-session results log, print the per-evaluator "
        "table and insight clusters, apply gates and write reports. Exit 0 pass, 1 gate failed, "
        "2 job failed or usage error.",
    )
    parser.add_argument("batch_evaluation_id", metavar="BATCH_EVALUATION_ID")
    parser.add_argument("--endpoint", help="AgentCore endpoint URL (e.g. the local emulator)")
    parser.add_argument("--region", help="AWS region (default: from the AWS environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument(
        "--report-dir", type=Path, help="write results.json, junit.xml, summary.md, report.html"
    )
    parser.add_argument(
        "--gates-from", type=Path, metavar="SPEC", help="BatchEvaluation spec file with gates"
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
    from evalctl.reports.decide import GatesFileError, apply_gates, load_gates
    from evalctl.reports.results import from_batch
    from evalctl.reports.text import render_text
    from evalctl.reports.writers import write_reports

    try:
        gates = load_gates(args.gates_from, args.spec_name) if args.gates_from else []
        response, events = fetch(args)
        results = from_batch(response, events, source=source_of(args.endpoint))
        results, code = apply_gates(results, gates)
    except (GatesFileError, GateSpecError, FetchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_JOB_FAILED
    print(render_text(results), end="")
    if results.job.status not in FINISHED_STATUSES:
        print(f"note: the job is {results.job.status}; gates judge finished jobs only", file=sys.stderr)
    if args.report_dir:
        for path in write_reports(results, args.report_dir, args.pass_mark):
            print(f"wrote {path}")
    return code


class FetchError(RuntimeError):
    """Fetching the job or its results failed; the message says what to check."""


def fetch(args: argparse.Namespace) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GetBatchEvaluation and the result events for `args.batch_evaluation_id`; FetchError says why not."""
    from botocore.exceptions import BotoCoreError, ClientError

    from evalctl.aws import MissingRegionError
    from evalctl.reports.fetch import BatchNotFoundError, fetch_batch

    try:
        data, logs = make_clients(args)
        return fetch_batch(data, logs, args.batch_evaluation_id)
    except BatchNotFoundError as exc:
        raise FetchError(f"{exc}; check the id, --region and --endpoint") from exc
    except MissingRegionError as exc:
        raise FetchError(str(exc)) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise FetchError(
            f"{error.get('Code', 'Error')}: {error.get('Message', '')}; check credentials"
        ) from exc
    except BotoCoreError as exc:
        raise FetchError(f"{exc}; check --endpoint, --region and credentials") from exc
