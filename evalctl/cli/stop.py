"""`evalctl stop ID|SPEC`: stop a running batch evaluation (a spec's newest running job)."""

from __future__ import annotations

import argparse
import sys

from evalctl.cli import jobs


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl stop`."""
    jobs.add_job_parser(
        subparsers,
        "stop",
        "stop a running batch evaluation",
        "StopBatchEvaluation for a job id, or for the newest PENDING/IN_PROGRESS run of a "
        "BatchEvaluation given by spec name, spec file or AWS name. Sessions already evaluated keep "
        "their results.",
        run,
    )


def body(args: argparse.Namespace) -> int:
    """Resolve, stop, report what the service answered."""
    code = jobs.act(args, "stop_batch_evaluation", running=True)
    print(f"evaluated sessions keep their results: `evalctl results {args.ref}`", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """`evalctl stop`; exit 0, or 2 with the service's reason (e.g. the job already finished)."""
    return jobs.guarded("stop", args, body)
