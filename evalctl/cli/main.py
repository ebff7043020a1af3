"""Entry point of `evalctl`: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence

from evalctl import __version__
from evalctl.cli.exits import EPILOG, EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_USAGE

# Each module exposes `add_parser(subparsers)` and `run(args) -> int`. Modules are imported
# lazily so that `evalctl validate` never pays for importing the emulator or boto3.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("evalctl.cli.validate", "validate spec files with file:line:col errors"),
    "schema": ("evalctl.cli.schema", "write or print the JSON Schemas of the spec kinds"),
    "emulator": ("evalctl.cli.emulator", "serve a local AgentCore Evaluations endpoint"),
    "run": ("evalctl.cli.run", "run a declared batch evaluation with gates and reports"),
    "simulate": (
        "evalctl.cli.simulate",
        "run a simulated Dataset against your local agent with an actor model, then score the sessions",
    ),
    "results": (
        "evalctl.cli.results",
        "render a batch evaluation's results (job id, or a spec's latest run)",
    ),
    "history": ("evalctl.cli.history", "list batch evaluation runs, newest first, with scores and gates"),
    "stop": ("evalctl.cli.stop", "stop a running batch evaluation (job id, or a spec's running job)"),
    "archive": ("evalctl.cli.archive", "delete a finished batch evaluation and its results"),
    "insights": ("evalctl.cli.insights", "list, show or archive Agent Insights found by batch evaluations"),
    "compare": ("evalctl.cli.compare", "compare a baseline and a candidate result set"),
    "test": ("evalctl.cli.test", "replay evaluators locally on recorded sessions"),
    "import": ("evalctl.cli.importer", "write specs for evaluation resources live in an account"),
    "list": ("evalctl.cli.listing", "print a table of what the specs declare"),
    "builtins": (
        "evalctl.cli.builtins",
        "list built-in evaluators and insights with their levels and ground-truth needs",
    ),
    "recommend": (
        "evalctl.cli.recommend",
        "recommend a system prompt or tool descriptions from agent traces, shown as a diff",
    ),
    "dataset": ("evalctl.cli.dataset", "dataset workflows: generate scenarios from agent traces"),
    "init": ("evalctl.cli.init", "create a starter evaluations/ folder that passes validate"),
    "completion": ("evalctl.cli.completion", "print a bash or zsh completion script"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser; with `only`, import just that subcommand's module (else none)."""
    parser = argparse.ArgumentParser(
        prog="evalctl", description="AgentCore Evaluations as code.", epilog=EPILOG
    )
    parser.add_argument("--version", action="version", version=f"evalctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if name != only:
            subparsers.add_parser(name, help=help_text, add_help=False)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the chosen subcommand and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    if chosen is not None and chosen not in COMMANDS:
        close = difflib.get_close_matches(chosen, list(COMMANDS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; commands: {', '.join(COMMANDS)}"
        print(f"evalctl: unknown command '{chosen}'{hint}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(chosen)
    if not args_list:
        parser.print_help()
        return EXIT_USAGE
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`evalctl list | head`): stop quietly, as a shell tool killed by SIGPIPE.
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.filename is None:
            raise
        # A path the user gave cannot be written or read (--report-dir is a file, no permission, disk
        # full): one line naming it, as for every other usage error. Socket errors have no filename.
        target = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        print(f"evalctl {chosen}: cannot use {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
