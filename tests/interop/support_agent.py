"""The example support agent (examples/support-agent) as one of the fixture project's deployed runtimes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.agent.test_support_agent import AGENT, _free_port, _healthy, _poll
from tests.interop.official_cli import REGION, RUNTIME_PREFIX, Stack


@contextmanager
def running_support_agent(stack: Stack, agent: str) -> Iterator[str]:
    """The agent process serving `agent`'s runtime ARN through the emulator, exporting as that runtime."""
    runtime = stack.runtimes[agent]
    arn = f"arn:aws:bedrock-agentcore:{REGION}:123456789012:runtime/{runtime}"
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": stack.cli.endpoint,
        "OTEL_SERVICE_NAME": stack.service_name(agent),
        "OTEL_RESOURCE_ATTRIBUTES": f"cloud.resource_id={arn}/runtime-endpoint/DEFAULT,"
        f"aws.log.group.names={RUNTIME_PREFIX}{runtime}-DEFAULT",
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
        stack.aws.admin.map_agents({arn: url})
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
