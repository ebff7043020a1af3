"""Fixtures of the `evalctl simulate` tests: the example agent as a real process, the loopback actor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.example_agent import _free_port, running_agent
from tests.agent.simulate_env import DATASET, GROUP, SERVICE, answer
from tests.chat_server import ChatServer, chat_server


@pytest.fixture(scope="module")
def port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def agent(port: int) -> Iterator[str]:
    """The example agent, exporting OTLP every 100 ms to where `simulate` will listen (--otlp-port)."""
    with running_agent(port, SERVICE, GROUP) as url:
        yield url


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
