"""What both forms of `evalctl recommend` share: the caller's account, waiting, and showing/applying."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalctl.cli import jobs, waiting
from evalctl.reports.recommendation import RecommendationFailed, Text, as_text, diff, recommended, write_back

RUNNING = frozenset({"PENDING", "IN_PROGRESS"})


def account(args: argparse.Namespace) -> str:
    """The caller's account (log group ARNs name it)."""
    from evalctl.aws import ClientSettings, client

    sts = client("sts", ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))
    return str(sts.get_caller_identity()["Account"])


def wait_done(args: argparse.Namespace, data: Any, rec_id: str) -> dict[str, Any]:
    """Poll GetRecommendation until it leaves PENDING/IN_PROGRESS (--poll, --timeout)."""
    return dict(
        waiting.wait(
            lambda: data.get_recommendation(recommendationId=rec_id), RUNNING, f"recommendation {rec_id}",
            args.poll, args.timeout,
        )
    )  # fmt: skip


def show(args: argparse.Namespace, done: dict[str, Any], current: Text, source: Path | None) -> int:
    """Print the diff (or JSON); with --apply write the recommended text into `source`."""
    try:
        new = recommended(done, current)
    except RecommendationFailed as exc:
        raise jobs.JobError(str(exc)) from exc
    label = str(source) if source else "system prompt"
    patch = diff(current, new, label)
    if args.json:
        out = {"recommendationId": done["recommendationId"], "status": done["status"]}
        jobs.print_json({**out, "current": as_text(current), "recommended": as_text(new), "diff": patch})
    else:
        sys.stdout.write(patch or "no change recommended\n")
    if args.apply and source is not None:
        write_back(source, new)
        print(f"wrote the recommendation into {source}", file=sys.stderr)
    return 0
