"""What both forms of `evalctl recommend` share: the caller's account, waiting, and showing/applying."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalctl.cli import jobs, waiting
from evalctl.reports.recommendation import (
    RecommendationFailed,
    Text,
    as_text,
    diff,
    explanations,
    label,
    recommended,
    write_back,
)

RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
NO_EXPLANATION = "(none: the service returned no explanation)"


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


def view(done: dict[str, Any], current: Text, label: str) -> dict[str, Any]:
    """A finished recommendation as stable JSON: every key always present (None when it does not apply)."""
    out = {k: done.get(k) for k in ("recommendationId", "name", "status", "type")}
    out.update(current=as_text(current), recommended=None, diff="", error=None)
    out["explanations"] = explanations(done)
    try:
        new = recommended(done, current)
    except RecommendationFailed as exc:
        return {**out, "error": str(exc)}
    return {**out, "recommended": as_text(new), "diff": diff(current, new, label)}


def render(shown: dict[str, Any]) -> str:
    """The text form of `view()`: the service's explanation(s), then the diff. RecommendationExplanation
    is optional: when the service gave none, a line says so rather than an empty `explanation:`."""
    notes = shown["explanations"] or {"systemPrompt": NO_EXPLANATION}
    lines = [f"explanation{'' if k == 'systemPrompt' else f' ({k})'}: {' '.join(v.split())}\n" for k, v in
             notes.items()]  # fmt: skip
    return "".join(lines) + (shown["diff"] or "no change recommended\n")


def show(
    args: argparse.Namespace, done: dict[str, Any], current: Text, source: Path | None,
    facts: dict[str, Any] | None = None,
) -> int:  # fmt: skip
    """Print the explanation and the diff (or JSON, with `facts` about the spec); with --apply write the
    recommended text into `source`."""
    shown = view(done, current, label(source, done.get("type")))
    if args.json:  # a FAILED one too, with its `error`, as `evalctl results RECOMMENDATION --json` does
        jobs.print_json({**shown, **(facts or {})})
    if shown["error"]:
        raise jobs.JobError(shown["error"])
    if not args.json:
        sys.stdout.write(render(shown))
    if args.apply and source is not None:
        write_back(source, recommended(done, current))
        print(f"wrote the recommendation into {source}", file=sys.stderr)
    return 0
