"""`evalctl init [DIR]`: a starter spec folder (an evaluator, a gated batch evaluation, schemas)."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from evalctl.cli.exits import EPILOG, EXIT_OK, EXIT_USAGE

# Starter file -> where it goes under DIR; kept as real YAML files so tests validate them as shipped.
FILES = {
    "answer-quality.yaml": "evaluations/evaluators/answer-quality.yaml",
    "nightly.yaml": "evaluations/batch/nightly.yaml",
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl init`."""
    parser = subparsers.add_parser(
        "init",
        help="create a starter evaluations/ folder that passes validate",
        description="Writes DIR/evaluations/ with a custom evaluator and a gated nightly batch "
        "evaluation, and DIR/schemas/ for editor completion (the files' yaml-language-server "
        "modelines point there). Refuses to overwrite existing files.",
        epilog=EPILOG,
    )
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: .")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the starter files; exit 2 without writing anything when one already exists."""
    from evalctl.spec import schemagen

    root: Path = args.dir
    targets = {name: root / relative for name, relative in FILES.items()}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing:
        print(f"evalctl init: {', '.join(existing)} already exist(s); nothing written", file=sys.stderr)
        return EXIT_USAGE
    starter = resources.files("evalctl.cli").joinpath("starter")
    for name, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(starter.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"wrote {path}")
    for path in schemagen.write(root / "schemas"):
        print(f"wrote {path}")
    print(f"next: evalctl validate {root / 'evaluations'}")
    return EXIT_OK
