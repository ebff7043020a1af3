"""The example support agent (examples/support-agent) as a real process, exporting OTLP to an emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.agent.test_support_agent import AGENT, _free_port, _healthy, _poll


@contextmanager
def running_agent(otlp_port: int, service: str, log_group: str) -> Iterator[str]:
    """The agent's URL; its spans and log records (in `log_group`) go to the emulator on `otlp_port`
    every 100 ms, where a later in-process emulator (--otlp-port) will listen."""
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}",
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": f"aws.log.group.names={log_group}",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_BLRP_SCHEDULE_DELAY": "100",
    }
    agent_port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(AGENT), "--port", str(agent_port)], env=env, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{agent_port}"
    try:
        _poll("healthy agent", lambda: _healthy(url, process))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
