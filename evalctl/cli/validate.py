"""`evalctl validate`: every problem of every spec file, located, before anything touches AWS."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evalctl import term
from evalctl.cli.exits import EPILOG
from evalctl.spec.diagnostics import Diagnostic, render, summary
from evalctl.spec.loader import discover
from evalctl.spec.project import Project, load_project, with_context

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
# Past a screenful the rest is counted, not printed (a generated file can hold a million problems).
MAX_SHOWN = 200


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate spec files with file:line:col errors", epilog=EPILOG
    )
    parser.add_argument("paths", nargs="*", type=Path, help="spec files or folders (default: evaluations/)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text lines (default), a JSON list, or GitHub Actions annotations",
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--stack",
        default=os.environ.get("PULUMI_STACK", "dev"),
        help="stack name used to derive physical names (default: $PULUMI_STACK or dev)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="color text output (default auto)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    paths = list(args.paths) or [Path("evaluations")]
    loaded = with_context(paths)
    project, problems = load_project(loaded, args.stack)
    files, documents = len(project.files), project.document_count
    if loaded != paths:
        problems, files, documents = only_requested(project, problems, paths)
    if not project.files and not problems:
        print(
            f"evalctl validate: no *.yaml or *.yml files under {', '.join(map(str, paths))}", file=sys.stderr
        )
        return EXIT_USAGE
    # term's policy (NO_COLOR, FORCE_COLOR, TTY) without rich: validate prints two colours, and start-up
    # must stay under 0.3 s, which rich's ~40 ms import would put at risk.
    color = args.color == "always" or (args.color == "auto" and term.color_enabled(sys.stdout))
    text = render(problems, args.format, color, limit=MAX_SHOWN)
    if text:
        print(text)
    if args.format == "text":
        print(summary(problems, files, documents))
    errors = [p for p in problems if p.severity == "error" or args.strict]
    if any(not p.exists() for p in paths):
        return EXIT_USAGE  # a path that does not exist is a usage error, not a finding in the specs
    return EXIT_ERRORS if errors else EXIT_OK


def only_requested(
    project: Project, problems: list[Diagnostic], paths: list[Path]
) -> tuple[list[Diagnostic], int, int]:
    """Problems and counts of the files asked for, when their project folder was read for context."""
    asked = {p.resolve() for p in discover(paths)[0]}

    def requested(file: str) -> bool:
        path = Path(file)
        return not path.is_file() or path.resolve() in asked

    def shown(problem: Diagnostic) -> bool:
        # A sibling that is not valid YAML hides what the asked-for files reference: say so.
        return requested(problem.file) or problem.code == "yaml-syntax"

    docs = [d for d in [*project.documents, *project.broken] if requested(d.file)]
    kept = [p for p in problems if shown(p)]
    # The summary counts the siblings whose problems it shows too: "2 errors in 1 file" for two files
    # would disagree with the lines above it.
    files = asked | {Path(p.file).resolve() for p in kept if Path(p.file).is_file()}
    return kept, len(files), len(docs)
