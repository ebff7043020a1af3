"""`evalctl schema`: write, check or print the JSON Schemas generated from the spec models."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from evalctl.cli.exits import EPILOG
from evalctl.spec import schemagen
from evalctl.spec.models import KINDS


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schema", help="write, check or print the JSON Schemas of the spec kinds", epilog=EPILOG
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write schemas/*.schema.json")
    mode.add_argument(
        "--check", action="store_true", help="exit 1 when committed schemas drift from the models"
    )
    mode.add_argument(
        "--print",
        dest="kind",
        nargs="?",
        const="all",
        metavar="KIND",
        help="print one kind's schema (or the dispatch schema for any document; the default)",
    )
    parser.add_argument("--dir", type=Path, default=Path("schemas"), help="schema folder (default: schemas/)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        for path in schemagen.write(args.dir):
            print(f"wrote {path}")
        return 0
    if args.check:
        stale = schemagen.drift(args.dir)
        for name in stale:
            path = args.dir / name
            what = "out of date with the models" if path.is_file() else "missing"
            print(f"{path}: {what}; run `evalctl schema --write --dir {args.dir}`", file=sys.stderr)
        return 1 if stale else 0
    kind = args.kind or "all"
    if kind == "all":
        sys.stdout.write(schemagen.render(schemagen.dispatch_schema()))
        return 0
    if kind not in KINDS:
        close = difflib.get_close_matches(kind, list(KINDS), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        print(f"evalctl schema: unknown kind '{kind}'; {hint}kinds: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    sys.stdout.write(schemagen.render(schemagen.kind_schema(kind)))
    return 0
