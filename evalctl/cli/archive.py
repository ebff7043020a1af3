"""`evalctl archive ID|SPEC`: delete a finished batch evaluation and its results (DeleteBatchEvaluation)."""

from __future__ import annotations

import argparse

from evalctl.cli import jobs


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl archive`."""
    jobs.add_job_parser(
        subparsers,
        "archive",
        "delete a finished batch evaluation and its results",
        "DeleteBatchEvaluation for a job id, or for the newest run of a BatchEvaluation "
        "given by spec name, spec file or AWS name. The service refuses a job that is still running "
        "(stop it first with `evalctl stop`); its reason is printed and the exit code is 2.",
        run,
    )


def body(args: argparse.Namespace) -> int:
    """Resolve, delete, report what the service answered."""
    return jobs.act(args, "delete_batch_evaluation")


def run(args: argparse.Namespace) -> int:
    """`evalctl archive`; exit 0, or 2 with the service's reason."""
    return jobs.guarded("archive", args, body)
