"""The example support agent (examples/support-agent) as a real process, exporting OTLP to an emulator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

AGENT = Path(__file__).resolve().parents[2] / "examples" / "support-agent" / "agent.py"
DEADLINE_S = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _poll(what: str, probe: Callable[[], Any]) -> Any:
    """The first truthy answer of `probe` within the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {DEADLINE_S:g} s")


def _healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, process.stderr.read().decode() if process.stderr else "agent exited"
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=1) as answer:
            return bool(json.loads(answer.read())["status"] == "Healthy")
    except OSError:
        return False


@contextmanager
def agent_process(
    endpoint: str, service: str, log_group: str, resource_id: str | None = None
) -> Iterator[str]:
    """The agent's URL; its spans and log records (in `log_group`, as runtime `resource_id` when given)
    go to the OTLP `endpoint` every 100 ms; stopped (killed if it must be) on exit."""
    attributes = f"aws.log.group.names={log_group}"
    if resource_id is not None:
        attributes = f"cloud.resource_id={resource_id},{attributes}"
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": attributes,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_BLRP_SCHEDULE_DELAY": "100",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(AGENT), "--port", str(port)], env=env, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _poll("healthy agent", lambda: _healthy(url, process))
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@contextmanager
def running_agent(otlp_port: int, service: str, log_group: str) -> Iterator[str]:
    """The agent exporting to the emulator that will listen on `otlp_port` (a later in-process
    emulator started with --otlp-port)."""
    with agent_process(f"http://127.0.0.1:{otlp_port}", service, log_group) as url:
        yield url
