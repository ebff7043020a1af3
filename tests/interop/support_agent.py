"""The example support agent (examples/support-agent) as one of the fixture project's deployed runtimes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.agent.example_agent import agent_process
from tests.interop.official_cli import REGION, RUNTIME_PREFIX, Stack


@contextmanager
def running_support_agent(stack: Stack, agent: str) -> Iterator[str]:
    """The agent process serving `agent`'s runtime ARN through the emulator, exporting as that runtime."""
    runtime = stack.runtimes[agent]
    arn = f"arn:aws:bedrock-agentcore:{REGION}:123456789012:runtime/{runtime}"
    group = f"{RUNTIME_PREFIX}{runtime}-DEFAULT"
    service = stack.service_name(agent)
    with agent_process(stack.cli.endpoint, service, group, f"{arn}/runtime-endpoint/DEFAULT") as url:
        stack.aws.admin.map_agents({arn: url})
        yield url
