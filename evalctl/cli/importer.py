"""`evalctl import`: write spec files for the evaluators and online evaluations live in an account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalctl import importer

DEFAULT_OUT = "evaluations/imported"


def add_parser(subparsers: Any) -> None:
    """Register `evalctl import` and its flags."""
    parser = subparsers.add_parser(
        "import",
        help="write specs for evaluation resources live in an account",
        description="List custom evaluators and online evaluation configs in the account and write one "
        "spec file per resource, with metadata.importId so that `pulumi up` adopts them unchanged.",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, help=f"folder to write specs into (default {DEFAULT_OUT})"
    )
    parser.add_argument("--endpoint", help="AgentCore control-plane endpoint URL (e.g. the local emulator)")
    parser.add_argument("--region", help="AWS region (default: from the AWS environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--schemas", default="schemas", help="schema folder the modelines point to")
    parser.set_defaults(handler=run)


def _client(args: argparse.Namespace) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    config = Config(retries={"mode": "adaptive", "max_attempts": 8})
    return session.client("bedrock-agentcore-control", endpoint_url=args.endpoint, config=config)


def run(args: argparse.Namespace) -> int:
    """List, convert and write; AWS errors become one line that says what to do."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        inventory = importer.list_live(_client(args))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", "")
        print(f"error: import failed: {code}: {message}; check credentials and region", file=sys.stderr)
        return 1
    except BotoCoreError as exc:
        print(f"error: import failed: {exc}; check --endpoint, --region and credentials", file=sys.stderr)
        return 1
    docs = importer.documents(inventory)
    out_dir = Path(args.out)
    for path in importer.write(docs, out_dir, Path(args.schemas)):
        print(f"wrote {path}")
    print(f"imported {len(docs)} resource(s) into {out_dir}; run `evalctl validate {out_dir}` next")
    return 0
