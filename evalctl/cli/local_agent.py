"""`evalctl run --local --agent URL`: a dataset batch against the user's own agent on this machine.

The in-process emulator stands in for AgentCore: the batch's agent runtime endpoint (its runtime name
kept, in the emulator's account and Region; a synthetic one when the spec names none) is mapped to
the URL, the dataset is created and published there, and the emulator listens on a fixed port
(`--otlp-port`, default 4318, OTLP/HTTP's own port) so the agent's OTLP exporter can reach it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from evalctl import dataset_s3, scenarios
from evalctl.aws import ClientSettings, client
from evalctl.cli.argtypes import positive_int
from evalctl.emulator.settings import ACCOUNT_ID
from evalctl.runner import local
from evalctl.spec.project import Document, Project

OTLP_PORT = 4318  # the OTLP/HTTP default: an exporter left at its defaults already sends here
SYNTHETIC_RUNTIME = "local_agent-0000000000"
DEFAULT_PARALLEL = 4  # scenarios at a time unless --parallel says: a local agent, a rate-limited model


class UsageError(RuntimeError):
    """A local agent run that cannot start; the message says what to do."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent",
        metavar="URL",
        help="with --local: run the batch's dataset against your agent at URL (POST /invocations)",
    )
    parser.add_argument(
        "--dataset-file",
        metavar="FILE",
        help="with --agent: a local copy (JSONL) of an S3-backed dataset's object, put at its s3Uri locally",
    )
    parser.add_argument(
        "--otlp-port",
        type=int,
        default=OTLP_PORT,
        help=f"with --agent: port of the local emulator and its OTLP/HTTP receiver (default {OTLP_PORT})",
    )
    parser.add_argument(
        "--parallel", type=positive_int, metavar="N",
        help=f"with --local --agent: scenarios sent to your agent at a time (default {DEFAULT_PARALLEL}, or "
        "fewer scenarios; 1 runs them one by one); results and reports are the same whatever N",
    )  # fmt: skip


def problem(args: argparse.Namespace) -> str | None:
    """Flag combinations --agent (and --parallel and --dataset-file, which need it) do not take; None
    when fine."""
    if args.dataset_file is not None and args.agent is None:
        return "--dataset-file stands in for an S3-backed dataset's object in a --local --agent run: add both"
    if args.parallel is not None and not (args.local and args.agent):
        return (
            "--parallel sets how many dataset scenarios the in-process emulator sends to your agent at a "
            "time: it needs --local --agent URL (a batch over recorded sessions invokes no agent)"
        )
    if args.agent is None:
        return None
    if not args.local:
        return "--agent runs against the in-process emulator: add --local"
    if not str(args.agent).startswith(("http://", "https://")):
        return (
            f"--agent expects the URL your agent listens on, e.g. http://127.0.0.1:8080, not {args.agent!r}"
        )
    return None


def check_dataset(args: argparse.Namespace, project: Project, doc: Document) -> None:
    """Before anything starts: an S3-backed dataset needs --dataset-file (the emulator's S3 is empty),
    a valid one; UsageError saying what to pass."""
    ref = doc.spec.get("dataset")
    dataset = project.valid("Dataset", str(ref["name"])) if args.agent and ref else None
    where = in_s3(dataset) if dataset is not None else None
    if dataset is None or where is None:
        if args.dataset_file is not None:
            raise UsageError(f"--dataset-file: BatchEvaluation '{doc.name}' runs no S3-backed dataset")
        return
    uri = dataset.spec["s3Source"]["s3Uri"]
    if args.dataset_file is None:
        raise UsageError(
            f"{where}, which the in-process emulator does not have: pass --dataset-file FILE, a local "
            f"copy of that object (`aws s3 cp {uri} FILE`), or run against AWS without --local"
        )
    try:
        text = Path(args.dataset_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--dataset-file: cannot read {args.dataset_file}: {exc.strerror}") from exc
    schema_type = str(dataset.spec.get("schemaType") or scenarios.PREDEFINED)
    found = dataset_s3.problems(text, str(args.dataset_file), schema_type)
    if found:
        raise UsageError(f"--dataset-file (for {uri}) holds invalid scenarios:\n" + "\n".join(found))
    args.dataset_text = text  # what prepare puts at the URI in the emulator's S3


def in_s3(dataset: Document) -> str | None:
    """`file:line:col: Dataset 'x' keeps its scenarios in s3://...` for a Dataset whose scenarios are in
    S3 (which the in-process emulator has no copy of); None for scenarios in git."""
    uri = (dataset.spec.get("s3Source") or {}).get("s3Uri")
    if not uri:
        return None
    line, col = dataset.at("/spec/s3Source/s3Uri")
    return f"{dataset.file}:{line}:{col}: Dataset '{dataset.name}' keeps its scenarios in {uri}"


def s3_problem(dataset: Document) -> str | None:
    """Why a Dataset whose scenarios are in S3 cannot run on this machine (the in-process emulator has no
    copy of the object and never reads the real one); None for scenarios in git."""
    where = in_s3(dataset)
    if where is None:
        return None
    return (
        f"{where} (s3Source), which the in-process emulator cannot read: download the object next to a "
        "Dataset spec that lists it under `files:` to run it on this machine"
    )


def local_endpoint(spec_arn: str | None, region: str) -> str:
    """The endpoint ARN in the emulator's account and Region, keeping the spec's runtime and endpoint."""
    runtime, endpoint = SYNTHETIC_RUNTIME, "DEFAULT"
    if spec_arn:
        tail = spec_arn.split(":runtime/", 1)[-1]
        runtime, _, endpoint = tail.partition("/runtime-endpoint/")
    return f"arn:aws:bedrock-agentcore:{region}:{ACCOUNT_ID}:runtime/{runtime}/runtime-endpoint/{endpoint}"


def warn_if_down(url: str) -> None:
    """A warning on stderr when the agent does not answer GET /ping (`run --local --agent`, `simulate`)."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/ping", timeout=5) as answer:
            answer.read()
    except (urllib.error.URLError, OSError) as exc:
        down = getattr(exc, "reason", exc)
        print(f"warning: GET {url}/ping failed ({down}); is the agent running?", file=sys.stderr)


def _log_groups(logs: Any, doc: Document) -> None:
    """The runtime's log groups: AgentCore Runtime creates them for a deployed agent."""
    source = doc.spec["dataSourceConfig"].get("cloudWatchLogs") or {}
    existing = {g["logGroupName"] for g in logs.describe_log_groups().get("logGroups", [])}
    for group in source.get("logGroupNames") or []:
        if group not in existing:
            logs.create_log_group(logGroupName=group)


def prepare(
    args: argparse.Namespace,
    project: Project,
    doc: Document,
    *,
    admin: Any,
    clients: dict[str, Any],
    endpoint: str,
) -> Document:
    """Map the agent, deploy and publish the dataset; the batch spec to run (its agent made local)."""
    ref = doc.spec.get("dataset")
    if ref is None:
        raise UsageError(
            f"BatchEvaluation '{doc.name}' has no `dataset`: --agent runs a dataset against an agent"
        )
    arn = local_endpoint(doc.spec.get("agent"), args.region or "us-east-1")
    admin.map_agents({arn.split("/runtime-endpoint/")[0]: str(args.agent).rstrip("/")})
    parallel = args.parallel or DEFAULT_PARALLEL  # the emulator never has more in flight than scenarios
    admin.configure(dataset_parallel_scenarios=parallel)
    _log_groups(clients["logs"], doc)
    body = getattr(args, "dataset_text", None)
    s3 = client("s3", ClientSettings(endpoint=endpoint, region=args.region or "us-east-1")) if body else None
    dataset_id = local.deploy_dataset(project, str(ref["name"]), clients["control"], object_body=(s3, body))
    if not args.quiet:
        count = clients["control"].get_dataset(datasetId=dataset_id).get("exampleCount")
        at_once = min(parallel, count) if isinstance(count, int) and count > 0 else parallel
        print(
            f"local emulator and OTLP receiver at {endpoint}: start your agent with\n"
            f"  OTEL_EXPORTER_OTLP_ENDPOINT={endpoint} OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n"
            f"dataset '{ref['name']}' published as {dataset_id} version 1; invoking {args.agent} as {arn}, "
            f"up to {at_once} scenario(s) at a time",
            file=sys.stderr,
        )
        warn_if_down(str(args.agent))
    return dataclasses.replace(doc, spec={**doc.spec, "agent": arn})
