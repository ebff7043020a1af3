"""Shared by the job verbs (results, history, stop, archive): flags, ID|SPEC resolution, JSON output."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalctl.cli.exits import EPILOG, EXIT_USAGE
from evalctl.spec.names import is_run_of

if TYPE_CHECKING:
    from evalctl.spec.project import Document, Project

# botocore's BatchEvaluationId pattern: the name, a hyphen, then exactly 10 alphanumerics.
ID_SHAPE = re.compile(r"[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}")
RUNNING = frozenset({"PENDING", "IN_PROGRESS"})


class JobError(RuntimeError):
    """The verb cannot go on; the message says what to do (exit code 2)."""


@dataclass
class Target:
    """What `ID|SPEC` resolved to: a job id, and the spec that declares the job when known."""

    job_id: str
    doc: Document | None = None


def add_service_flags(parser: argparse.ArgumentParser, specs: bool = True) -> None:
    """--endpoint/--region/--profile, --json, and (for SPEC references) --specs/--stack."""
    parser.add_argument("--endpoint", help="AgentCore/Logs endpoint URL (e.g. a running `evalctl emulator`)")
    parser.add_argument("--region", help="AWS region (default: the AWS environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--json", action="store_true", help="print JSON on stdout (messages go to stderr)")
    if specs:
        parser.add_argument(
            "--specs", type=Path, default=Path("evaluations"), help="spec folder (default: evaluations/)"
        )
        parser.add_argument(
            "--stack", default=os.environ.get("PULUMI_STACK", "dev"), help="stack of the AWS names"
        )


def add_job_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """Register a subcommand that acts on one batch evaluation: `ID|SPEC` and the service flags."""
    parser = subparsers.add_parser(name, help=summary, description=description, epilog=EPILOG)
    parser.add_argument("ref", metavar="ID|SPEC", help="a batch evaluation id, or a BatchEvaluation's name")
    add_service_flags(parser)
    parser.set_defaults(handler=handler)
    return parser


def data_client(args: argparse.Namespace) -> Any:
    """The bedrock-agentcore client for these flags."""
    from evalctl.aws import DATA, ClientSettings, client

    return client(DATA, ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))


def _plain(value: Any) -> str:
    """botocore's datetimes as ISO 8601 (`str()` would put a space where the `T` goes)."""
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


def print_json(data: Any) -> None:
    """Clean, sorted JSON on stdout; timestamps in ISO 8601."""
    print(json.dumps(data, indent=2, sort_keys=True, default=_plain))


def follow_file(args: argparse.Namespace, ref: str | None) -> None:
    """A spec FILE outside --specs brings its own project folder, as `evalctl run FILE` does."""
    from evalctl.spec.project import project_folder

    if ref and Path(ref).is_file() and not Path(ref).resolve().is_relative_to(args.specs.resolve()):
        args.specs = project_folder(Path(ref))


def declared(args: argparse.Namespace) -> Project | None:
    """The project under --specs (None when the folder is absent), errors or not."""
    from evalctl.spec.project import load_documents

    if not args.specs.exists():
        return None
    project, _ = load_documents([args.specs])
    project.stack = args.stack
    return project


def aws_name(doc: Document, stack: str) -> str:
    """The batchEvaluationName a declared BatchEvaluation runs under."""
    from evalctl.spec.names import physical_name

    return str(physical_name("BatchEvaluation", doc.name, doc.spec, stack))


def spec_of_name(project: Project | None, name: str) -> Document | None:
    """The declared BatchEvaluation that job `name` is a run of (its AWS name, alternate or run name)."""
    docs = project.of_kind("BatchEvaluation") if project else []
    return next((d for d in docs if project and is_run_of(name, aws_name(d, project.stack))), None)


def list_runs(data: Any, name: str | None = None) -> list[dict[str, Any]]:
    """ListBatchEvaluations (every page), only the runs of batch name `name` when given, newest first."""
    from evalctl.awsops import token_items

    listed = token_items(data.list_batch_evaluations, "batchEvaluations", maxResults=100)
    runs = [r for r in listed if name is None or is_run_of(r["batchEvaluationName"], name)]
    return sorted(runs, key=lambda r: (str(r.get("createdAt")), r["batchEvaluationId"]), reverse=True)


def by_name_or_file(docs: list[Document], ref: str) -> Document | None:
    """The spec among `docs` that `ref` names by its metadata.name or its file."""
    path = Path(ref).resolve() if Path(ref).is_file() else None
    return next((d for d in docs if d.name == ref or (path and Path(d.file).resolve() == path)), None)


def resolve_name(args: argparse.Namespace, ref: str) -> tuple[str, Document | None]:
    """A spec name, spec file or AWS batch name -> (AWS batch name, spec); JobError with hints."""
    project = declared(args)
    docs = project.of_kind("BatchEvaluation") if project else []
    doc = by_name_or_file(docs, ref)
    if doc is not None:
        return aws_name(doc, args.stack), doc
    if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]{0,47}", ref):
        return ref, spec_of_name(project, ref)
    raise JobError(unknown(ref, [d.name for d in docs], args.specs))


def unknown(ref: str, names: list[str], specs: Path) -> str:
    """`'x' is neither ...; did you mean 'y'?` with the declared names."""
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listed = ", ".join(sorted(names)) or f"none under {specs}"
    return (
        f"'{ref}' is neither a BatchEvaluation declared under {specs} (declared: {listed}) nor a batch "
        f"evaluation id (name-XXXXXXXXXX){hint}"
    )


def resolve(args: argparse.Namespace, ref: str, data: Any, running: bool = False) -> Target:
    """ID|SPEC -> the job: an id as given, a spec's newest run (its newest running one with `running`)."""
    project = declared(args)
    known = {d.name for d in project.of_kind("BatchEvaluation")} if project else set()
    if ref not in known and ID_SHAPE.fullmatch(ref):
        return Target(ref, spec_of_name(project, ref.rsplit("-", 1)[0]))
    name, doc = resolve_name(args, ref)
    runs = list_runs(data, name)
    if running:
        runs = [r for r in runs if r["status"] in RUNNING]
    if not runs:
        raise no_runs(args, ref, name, doc, "running job" if running else "run")
    return Target(runs[0]["batchEvaluationId"], doc)


def no_runs(
    args: argparse.Namespace, ref: str, name: str, doc: Document | None, what: str = "run"
) -> JobError:
    """Nothing ran under `name`: for a name no spec declares, say so with the closest declared one."""
    if doc is not None:
        return JobError(f"no {what} of '{ref}' (AWS name {name}) in this account and region")
    project = declared(args)
    names = [d.name for d in project.of_kind("BatchEvaluation")] if project else []
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listed = ", ".join(sorted(names)) or "none"
    return JobError(
        f"no {what} of '{ref}' in this account and region, and no BatchEvaluation of that name is declared "
        f"under {args.specs} (declared: {listed}){hint}"
    )


def act(args: argparse.Namespace, operation: str, running: bool = False) -> int:
    """Resolve `args.ref` and call Stop/DeleteBatchEvaluation on it; print what the service answered."""
    follow_file(args, args.ref)
    data = data_client(args)
    target = resolve(args, args.ref, data, running=running)
    response = getattr(data, operation)(batchEvaluationId=target.job_id)
    answer = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if args.json:
        print_json(answer)
    else:
        print(f"batch evaluation {answer['batchEvaluationId']}: {answer['status']}")
    return 0


def service_error(exc: BaseException) -> str:
    """One line for a failed call: the service's code and reason, or what to check."""
    from evalctl.aws import MissingRegionError

    if isinstance(exc, (MissingRegionError, JobError)):
        return str(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
    return f"{exc}; check --endpoint, --region and credentials"


def guarded(verb: str, args: argparse.Namespace, body: Any) -> int:
    """Run `body(args)`; a service or resolution failure is one line on stderr and exit 2."""
    from botocore.exceptions import BotoCoreError, ClientError

    from evalctl.aws import MissingRegionError

    try:
        return int(body(args))
    except (ClientError, BotoCoreError, MissingRegionError, JobError) as exc:
        print(f"evalctl {verb}: {service_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
