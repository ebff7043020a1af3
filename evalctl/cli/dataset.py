"""`evalctl dataset generate NAME`: scenarios from traces into a declared dataset, as JSONL for review."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import sys
import time
from pathlib import Path
from typing import Any

from evalctl import scenarios
from evalctl.cli import jobs, waiting
from evalctl.cli.argtypes import positive_float, positive_int
from evalctl.cli.exits import EPILOG

RUNNING = frozenset({"IN_PROGRESS"})


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl dataset generate`."""
    parser = subparsers.add_parser("dataset", help="dataset workflows", description="Dataset workflows.")
    commands = parser.add_subparsers(dest="dataset_command", metavar="COMMAND", required=True)
    generate = commands.add_parser(
        "generate",
        help="generate scenarios from agent traces into a declared dataset",
        description="StartDatasetGeneration into the deployed dataset of a Dataset spec, wait, then write "
        "the scenarios it added to the DRAFT as <name>.generated.jsonl next to the spec, for review.",
        epilog=EPILOG,
    )
    generate.add_argument("ref", metavar="NAME", help="a Dataset spec's metadata.name")
    generate.add_argument("--service", required=True, help="the agent's service.name in its traces")
    generate.add_argument(
        "--log-group", action="append", default=[], help="trace log group name (repeatable)"
    )
    generate.add_argument(
        "--since", type=positive_float, default=24 * 7, help="read the last N hours (default 168)"
    )
    generate.add_argument(
        "--max-scenarios", type=positive_int, help="at most this many scenarios (service default 100)"
    )
    generate.add_argument(
        "--ground-truth", action="append", choices=("expected_response", "expected_trajectory"), default=[],
        help="copy this reference field from the sessions (FIXED scenarios; repeatable)",
    )  # fmt: skip
    generate.add_argument("--name", help="generation name (default: evalctl_generate_<time>)")
    waiting.add_wait_flags(generate)
    jobs.add_service_flags(generate)
    generate.set_defaults(handler=run)


def _spec(args: argparse.Namespace) -> Any:
    """The declared Dataset; JobError naming the declared ones."""
    project = jobs.declared(args)
    docs = project.of_kind("Dataset") if project else []
    doc = next((d for d in docs if d.name == args.ref), None)
    if doc is None:
        names = sorted(d.name for d in docs)
        close = difflib.get_close_matches(args.ref, names, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listed = ", ".join(names) or f"none under {args.specs}"
        raise jobs.JobError(
            f"'{args.ref}' is not a Dataset declared under {args.specs} (declared: {listed}){hint}"
        )
    return doc


def _dataset_id(control: Any, name: str) -> str:
    from evalctl.awsops import token_items

    for dataset in token_items(control.list_datasets, "datasets"):
        if dataset.get("datasetName") == name:
            return str(dataset["datasetId"])
    raise jobs.JobError(
        f"dataset {name} is not deployed in this account and region; run `pulumi up` first (or check "
        "--stack, --region and --endpoint)"
    )


def source(args: argparse.Namespace, schema_type: str) -> dict[str, Any]:
    """StartDatasetGeneration's traceGeneration source from the flags."""
    now = dt.datetime.now(dt.UTC)
    logs: dict[str, Any] = {"serviceNames": [args.service], "startTime": now - dt.timedelta(hours=args.since),
                            "endTime": now}  # fmt: skip
    if args.log_group:
        logs["logGroupNames"] = args.log_group
    trace: dict[str, Any] = {"sourceConfig": {"cloudWatchLogs": logs}}
    if args.max_scenarios:
        trace["sampling"] = {"maxScenarios": args.max_scenarios}
    if args.ground_truth and schema_type == scenarios.PREDEFINED:
        trace["groundTruth"] = {"fields": sorted(set(args.ground_truth))}
    return {"traceGeneration": trace}


def generated(control: Any, dataset_id: str, generation_id: str) -> list[dict[str, Any]]:
    """The examples the generation added to the DRAFT (every page), without their exampleId."""
    from evalctl.awsops import token_items

    found = token_items(
        control.list_dataset_examples,
        "examples",
        datasetId=dataset_id,
        filter={"generationIds": [generation_id]},
    )
    return sorted((scenarios.content(e) for e in found), key=scenarios.scenario_id)


def _counts(current: dict[str, Any]) -> str:
    """The generation's counts as reported; none are claimed before the service reports any (PENDING)."""
    counts = current.get("generationResults")
    if not counts:
        return "no counts reported yet"
    return (
        f"{counts.get('sessionsSelected', 0)} sessions, {counts.get('examplesWritten', 0)} examples written"
    )


def body(args: argparse.Namespace) -> int:
    from evalctl.aws import CONTROL, ClientSettings, client
    from evalctl.spec.names import physical_name

    doc = _spec(args)
    schema_type = str(doc.spec.get("schemaType") or scenarios.PREDEFINED)
    settings = ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
    control, data = client(CONTROL, settings), jobs.data_client(args)
    dataset_id = _dataset_id(control, str(physical_name("Dataset", doc.name, doc.spec, args.stack)))
    kind = "FIXED" if schema_type == scenarios.PREDEFINED else "DYNAMIC"
    name = args.name or f"evalctl_generate_{int(time.time())}"
    started = data.start_dataset_generation(
        datasetId=dataset_id, name=name, scenarioType=kind, source=source(args, schema_type)
    )
    gen_id = started["generationId"]
    done = waiting.wait(
        lambda: data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id), RUNNING,
        f"dataset generation {gen_id}", args.poll, args.timeout, describe=_counts,
    )  # fmt: skip
    if done["status"] == "FAILED":
        raise jobs.JobError(f"dataset generation {gen_id} FAILED: {done.get('failureReason', '')}")
    examples = generated(control, dataset_id, gen_id)
    path = Path(doc.file).parent / f"{doc.name}.generated.jsonl"
    if examples:  # nothing new must not wipe scenarios an earlier run wrote and nobody reviewed yet
        path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in examples))
    if not (done.get("generationResults") or {}).get("sessionsMatched"):
        print(
            f"  no session of service '{args.service}' in the last {args.since:g} h"
            f"{' in ' + ', '.join(args.log_group) if args.log_group else ''}: check --service "
            "(the agent's service.name), --since and --log-group",
            file=sys.stderr,
        )
    answer = {k: v for k, v in done.items() if k != "ResponseMetadata"}
    if args.json:
        shown = str(path) if examples else None
        jobs.print_json({"generation": answer, "file": shown, "examples": len(examples)})
        return 0
    for detail in done.get("errorDetails") or []:
        print(
            f"  {detail.get('errorCode')}: {detail.get('errorMessage')} ({detail.get('count')})",
            file=sys.stderr,
        )
    if not examples:
        kept = f"; {path} left as it was" if path.exists() else ""
        print(f"{done['status']}: no scenario generated{kept}")
        return 0
    print(f"{done['status']}: {len(examples)} scenarios written to {path} (review them in a PR; "
          "they are already in the dataset's DRAFT)")  # fmt: skip
    return 0


def run(args: argparse.Namespace) -> int:
    """`evalctl dataset generate`; exit 0, or 2 with the reason."""
    return jobs.guarded("dataset generate", args, body)
