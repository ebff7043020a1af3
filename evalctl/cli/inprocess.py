"""What `run --local` and `simulate` share: an in-process emulator, its clients, and their errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from evalctl.aws import ClientSettings, MissingRegionError, client, describe_error, is_aws_error
from evalctl.cli.exits import EXIT_USAGE
from evalctl.cli.local_agent import UsageError

SERVICES = {
    "control": "bedrock-agentcore-control",
    "data": "bedrock-agentcore",
    "logs": "logs",
    "iam": "iam",
    "lambda": "lambda",
}


def clients_for(settings: ClientSettings) -> dict[str, Any]:
    """One boto3 client per service a run talks to, keyed control, data, logs, iam, lambda."""
    return {key: client(service, settings) for key, service in SERVICES.items()}


def start_emulator(stack: ExitStack, command: str, port: int) -> Any:
    """An emptied in-process emulator on `port` (0: any), stopped with `stack`; UsageError if it can't."""
    from evalctl.cli.extras import emulator_missing

    missing = emulator_missing()
    if missing:
        raise UsageError(f"{command} runs an in-process emulator; {missing}")
    from evalctl.emulator.server import EmulatorServer
    from evalctl.emulator.testing import Admin

    try:
        server = EmulatorServer(port=port).start()
    except OSError as exc:  # a fixed port the agent was told about is taken
        raise UsageError(
            f"cannot listen on port {port} ({exc}); pass a free --otlp-port and point the agent's "
            "OTEL_EXPORTER_OTLP_ENDPOINT at it"
        ) from exc
    stack.callback(server.stop)
    # moto's backends are process-wide: without this a second in-process run in one process (the demo,
    # a notebook, tests) would see the previous run's roles, functions and sessions.
    Admin(server.endpoint).reset()
    return server


def local_settings(endpoint: str, region: str | None) -> ClientSettings:
    """Client settings for the in-process emulator, with dummy keys where the environment has none."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    return ClientSettings(endpoint=endpoint, region=region or "us-east-1", max_attempts=3)


def guarded(command: str, resource: str, source_file: str, body: Callable[[], int]) -> int:
    """`body`'s exit code; a usage problem or an AWS error printed for `resource` as exit 2."""
    try:
        return body()
    except (UsageError, MissingRegionError) as exc:
        print(f"evalctl {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        print(describe_error(exc, resource, source_file), file=sys.stderr)
        return EXIT_USAGE
