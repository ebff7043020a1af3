"""`evalctl import`: write spec files for the evaluators, online evaluations and datasets of an account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from evalctl import aws, importer
from evalctl.cli.exits import EPILOG, EXIT_USAGE

DEFAULT_OUT = "evaluations/imported"
WHERE = "the account (--endpoint, --region, --profile)"


def add_parser(subparsers: Any) -> None:
    """Register `evalctl import` and its flags."""
    parser = subparsers.add_parser(
        "import",
        help="write specs for evaluation resources live in an account",
        description="List custom evaluators, online evaluation configs and datasets in the account and "
        "write one spec file per resource (a dataset's scenarios as JSONL beside it), with "
        "metadata.importId so that `pulumi up` adopts them unchanged.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, help=f"folder to write specs into (default {DEFAULT_OUT})"
    )
    parser.add_argument("--endpoint", help="AgentCore control-plane endpoint URL (e.g. the local emulator)")
    parser.add_argument("--region", help="AWS region (default: from the AWS environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--schemas", default="schemas", help="schema folder the modelines point to")
    parser.add_argument("--force", action="store_true", help="overwrite spec files that already exist")
    parser.set_defaults(handler=run)


def _client(args: argparse.Namespace) -> Any:
    settings = aws.ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
    return aws.client(aws.CONTROL, settings)


def run(args: argparse.Namespace) -> int:
    """List, convert and write; AWS errors become one message that says what to do."""
    try:
        inventory = importer.list_live(_client(args))
    except Exception as exc:
        if not isinstance(exc, (aws.MissingRegionError, BotoCoreError, ClientError)):
            raise
        text = (
            str(exc) if isinstance(exc, aws.MissingRegionError) else aws.describe_error(exc, "import", WHERE)
        )
        print(f"evalctl import: {text}", file=sys.stderr)
        return EXIT_USAGE  # nothing imported: no region, no credentials or the service refused
    docs = importer.documents(inventory)
    out_dir = Path(args.out)
    written, skipped = importer.write(docs, out_dir, Path(args.schemas), force=args.force)
    for path in written:
        print(f"wrote {path}")
    for path in skipped:
        print(f"kept {path} (exists; --force overwrites)")
    if not docs:
        print("no custom evaluator, online evaluation or dataset in this account and region; nothing written")
        return 0
    # A dataset writes two files (its spec and the JSONL beside it): count resources, not files.
    kept = f" ({len(skipped)} kept)" if skipped else ""
    imported = len(docs) - len(skipped)
    print(f"imported {imported} resource(s) into {out_dir}{kept}; run `evalctl validate {out_dir}` next")
    return 0
