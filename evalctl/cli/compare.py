"""`evalctl compare`: baseline versus candidate result sets, with a verdict and exit 1 on regression."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalctl.cli.exits import EPILOG

if TYPE_CHECKING:
    from evalctl.reports.models import RunResults

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE = 0, 1, 2
JOB_ID = re.compile(r"[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}")


class SideError(ValueError):
    """A BASELINE or CANDIDATE argument that names no readable result set."""


def add_parser(subparsers: Any) -> None:
    """Register `evalctl compare` and its flags."""
    parser = subparsers.add_parser(
        "compare",
        help="compare a baseline and a candidate result set",
        description="Per-evaluator mean deltas with bootstrap 95% confidence intervals over sessions, "
        "label distributions of categorical evaluators, per-session regressions, the candidate's gates "
        "and a headline naming the worst finding. Each side is a report directory, a results.json file "
        "or a batch evaluation id (fetched like `evalctl results`). Exit 1 on a regression beyond "
        "tolerance or a failed candidate gate.",
        epilog=EPILOG,
    )
    parser.add_argument("baseline", metavar="BASELINE")
    parser.add_argument("candidate", metavar="CANDIDATE")
    parser.add_argument("--tolerance", type=float, default=0.05, help="allowed drop of a mean (default 0.05)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument("--out", type=Path, help="write the comparison here instead of stdout")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--endpoint", help="AgentCore endpoint URL, for sides given as job ids")
    parser.add_argument("--region", help="AWS region, for sides given as job ids")
    parser.add_argument("--profile", help="AWS profile, for sides given as job ids")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load both sides, compare, write the rendering; usage problems exit 2."""
    from evalctl.reports.compare import compare
    from evalctl.reports.compare_render import render_comparison_json, render_comparison_markdown
    from evalctl.reports.headline import headline

    if args.tolerance < 0 or args.resamples < 1:
        print("evalctl compare: --tolerance must be >= 0 and --resamples >= 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        baseline, candidate = load_side(args.baseline, args), load_side(args.candidate, args)
    except SideError as exc:
        print(f"evalctl compare: {exc}", file=sys.stderr)
        return EXIT_USAGE
    comparison = compare(baseline, candidate, args.tolerance, seed=args.seed, resamples=args.resamples)
    json_out = args.json or args.format == "json"
    render = render_comparison_json if json_out else render_comparison_markdown
    text = render(comparison)
    found = headline(comparison)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {found.title}")
    else:
        print(text, end="")
    return EXIT_REGRESSION if found.failing else EXIT_OK


def load_side(spec: str, args: argparse.Namespace) -> RunResults:
    """A report directory, a results.json file, or a batch evaluation id."""
    import pydantic

    from evalctl.reports.writers import read_json

    path = Path(spec)
    if path.exists():
        file = path / "results.json" if path.is_dir() else path
        if not file.is_file():
            raise SideError(
                f"{path} holds no results.json; pass a report directory written with --report-dir"
            )
        try:
            return read_json(file)
        except (ValueError, pydantic.ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise SideError(f"{file} is not a valid results.json ({first})") from exc
    if JOB_ID.fullmatch(spec):
        return _fetch_job(spec, args)
    raise SideError(f"{spec}: no such file or directory, and not a batch evaluation id")


def _fetch_job(job_id: str, args: argparse.Namespace) -> RunResults:
    from evalctl.cli import results as results_cli
    from evalctl.reports.results import from_batch

    fetch_args = argparse.Namespace(
        ref=job_id,
        endpoint=args.endpoint,
        region=args.region,
        profile=args.profile,
        specs=Path("evaluations"),
        stack="dev",
    )
    try:
        response, events, _ = results_cli.fetch(fetch_args)
    except results_cli.FetchError as exc:
        raise SideError(str(exc)) from exc
    return from_batch(response, events, source=results_cli.source_of(args.endpoint))
