"""stop() ends kept-alive connections: a process-wide client never reaches a stopped emulator's state."""

from __future__ import annotations

import socket
from typing import Any

from evalctl.aws import CONTROL, ClientSettings, client
from evalctl.emulator.server import EmulatorServer
from evalctl.emulator.testing import DUMMY_KEY


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_new_emulator_on_the_same_port_answers_the_same_pooled_client(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DUMMY_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_KEY)
    port = _free_port()
    first = EmulatorServer(port=port).start()
    # evalctl.aws shares one client per settings: the second emulator is reached through its pool.
    control = client(CONTROL, ClientSettings(endpoint=first.endpoint, region="us-east-1", max_attempts=3))
    control.create_dataset(datasetName="kept", schemaType="AGENTCORE_EVALUATION_PREDEFINED_V1")
    first.stop()
    second = EmulatorServer(port=port).start()
    try:
        assert second.endpoint == first.endpoint
        assert control.list_datasets()["datasets"] == []
    finally:
        second.stop()
