"""`evalctl emulator`: serve the local AgentCore Evaluations endpoint, or seed sessions into one."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from evalctl.cli.argtypes import fraction, non_negative_int
from evalctl.cli.exits import EPILOG, EXIT_USAGE

DEFAULT_PORT = 4566
DEFAULT_ENDPOINT = f"http://127.0.0.1:{DEFAULT_PORT}"


def add_parser(subparsers: Any) -> None:
    """Register `evalctl emulator [flags]` and `evalctl emulator seed FILE...`."""
    parser = subparsers.add_parser(
        "emulator",
        help="serve a local AgentCore Evaluations endpoint",
        description="Serve AgentCore Evaluations (control and data plane) plus IAM, CloudWatch Logs, "
        "Lambda, STS and S3 on one port, until Ctrl-C.",
        epilog=EPILOG,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep state here across restarts (AgentCore always; IAM, Logs, Lambda, S3 on exit and seed)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        help="write the admin token here, mode 0600 (default ~/.cache/evalctl/emulator-PORT.token)",
    )
    parser.add_argument("--throttle-rate", type=fraction, default=0.0, help="fraction of calls answered 429")
    parser.add_argument("--error-rate", type=fraction, default=0.0, help="fraction of calls answered 500")
    parser.add_argument(
        "--latency-ms", type=non_negative_int, default=0, help="added latency per AgentCore call"
    )
    parser.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="ARN=URL",
        help="forward InvokeAgentRuntime for this runtime ARN to a local agent (POST URL/invocations)",
    )
    parser.set_defaults(handler=run)
    commands = parser.add_subparsers(dest="emulator_command", metavar="{seed}")
    seed = commands.add_parser("seed", help="load recorded sessions into a running emulator", epilog=EPILOG)
    seed.add_argument("files", nargs="+", type=Path, help="span/event capture files (fixture formats)")
    seed.add_argument("--service-name", required=True, help="service.name the sessions are seeded under")
    seed.add_argument(
        "--endpoint",
        default=os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT),
        help="emulator URL (default $AWS_ENDPOINT_URL or %(default)s)",
    )
    seed.add_argument(
        "--token-file", type=Path, help="admin token file (default: $EVALCTL_EMULATOR_TOKEN, the port's file)"
    )
    seed.add_argument("--fresh-session-ids", action="store_true", help="give the seeded sessions new ids")
    seed.set_defaults(handler=run)


def exports(endpoint: str, region: str = "us-east-1") -> list[str]:
    """The shell lines that point boto3, the AWS CLI and an agent's OTLP exporter at the emulator."""
    return [
        f"export AWS_ENDPOINT_URL={endpoint}",
        "export AWS_ACCESS_KEY_ID=test",
        "export AWS_SECRET_ACCESS_KEY=test",
        f"export AWS_DEFAULT_REGION={region}",
        f"export OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}",
    ]


def _seed(args: argparse.Namespace) -> int:
    from evalctl.emulator.seedfiles import SeedFileError, read_session_files
    from evalctl.emulator.testing import Admin, AdminRequestError
    from evalctl.emulator.tokens import token_for

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"evalctl emulator seed: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        read_session_files(args.files)  # every bad file named before anything is sent
        endpoint = args.endpoint.rstrip("/")
        admin = Admin(endpoint, token_for(endpoint, args.token_file))
        ids = admin.seed(args.files, args.service_name, args.fresh_session_ids)
    except SeedFileError as exc:
        print(f"evalctl emulator seed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (AdminRequestError, OSError) as exc:
        running = " (is `evalctl emulator` running there? start it, or pass its URL with --endpoint)"
        print(
            f"evalctl emulator seed: {args.endpoint}: {exc}{running if isinstance(exc, OSError) else ''}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not ids:
        print(
            "evalctl emulator seed: the files hold no session (no span or log event has a session.id "
            "attribute), so no batch evaluation can find them",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"seeded {len(ids)} session(s) for service {args.service_name}:")
    for session_id in ids:
        print(f"  {session_id}")
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _serve(args: argparse.Namespace) -> int:
    from evalctl.cli.extras import emulator_missing

    missing = emulator_missing()
    if missing:
        print(f"evalctl emulator: {missing}", file=sys.stderr)
        return 2
    from evalctl.emulator.agents import parse_mapping
    from evalctl.emulator.gate import TOKEN_HEADER
    from evalctl.emulator.motostate import LegacyStateError
    from evalctl.emulator.s3state import S3StateError
    from evalctl.emulator.server import EmulatorServer
    from evalctl.emulator.tokens import default_token_file, write_token_file

    try:
        agents = dict(parse_mapping(text) for text in args.agent)
    except ValueError as exc:
        print(f"evalctl emulator: {exc}", file=sys.stderr)
        return 2
    try:
        server = EmulatorServer(args.host, args.port, args.data_dir)
    except (LegacyStateError, S3StateError) as exc:
        print(f"evalctl emulator: {exc}", file=sys.stderr)
        return EXIT_USAGE
    server.core.agents.update(agents)
    server.app.faults.configure(
        throttle_rate=args.throttle_rate, error_rate=args.error_rate, latency_ms=args.latency_ms
    )
    try:
        server.start()
    except OSError as exc:
        print(
            f"evalctl emulator: cannot bind {args.host}:{args.port}: {exc.strerror or exc}; stop what holds "
            "it or pass another --port (0 picks a free one)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # SIGTERM stops like Ctrl-C, so --data-dir state is saved on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    token_file = write_token_file(args.token_file or default_token_file(server.port), server.token)
    print(f"evalctl emulator listening on {server.endpoint}", flush=True)
    for line in exports(server.endpoint):
        print(line, flush=True)
    print(f"admin token (header {TOKEN_HEADER}) in {token_file}: {server.token}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
        token_file.unlink(missing_ok=True)
    return 0


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C, or seed files into a running emulator."""
    if getattr(args, "emulator_command", None) == "seed":
        return _seed(args)
    return _serve(args)
