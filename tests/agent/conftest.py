"""Fixtures of the `evalctl simulate` tests: the example agent as a real process, the loopback actor."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.simulate_env import DATASET, GROUP, SERVICE, answer
from tests.agent.test_support_agent import AGENT, _free_port, _healthy, _poll
from tests.chat_server import ChatServer, chat_server


@pytest.fixture(scope="module")
def port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def agent(port: int) -> Iterator[str]:
    """The example agent, exporting OTLP every 100 ms to where `simulate` will listen (--otlp-port)."""
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
        "OTEL_SERVICE_NAME": SERVICE,
        "OTEL_RESOURCE_ATTRIBUTES": f"aws.log.group.names={GROUP}",
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


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "evaluations"
    folder.mkdir()
    (folder / "datasets.yaml").write_text(DATASET)
    return folder


@pytest.fixture
def actor(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    with chat_server(answer) as server:
        monkeypatch.setenv("EVALCTL_JUDGE", "openai")
        monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", server.base_url)
        yield server
