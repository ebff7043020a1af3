"""Fixtures for the emulator tests: clients that check every response against its output shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from evalctl.emulator.conform import output_problems
from tests.chat_server import ChatServer
from tests.emulator.loopback_model import Model, loopback_judge


class Conformance:
    """Records wire-format problems of every successful response seen by the registered clients."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: dict[str, int] = {}

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parse", self._check)
        return client

    def _check(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        if response_dict["status_code"] >= 300:
            return
        body = response_dict["body"]
        wire = json.loads(body) if body else {}
        if operation_model.output_shape is None and not wire:
            wire = None
        for problem in output_problems(operation_model.output_shape, wire):
            self.problems.append(f"{operation_model.name}: {problem}")
        self.checked[operation_model.name] = self.checked.get(operation_model.name, 0) + 1


@pytest.fixture
def conformance() -> Conformance:
    return Conformance()


@pytest.fixture
def control(emulator: Any, conformance: Conformance) -> Any:
    """bedrock-agentcore-control client; every response is shape-checked (see `conformance`)."""
    return conformance.attach(emulator.client("bedrock-agentcore-control"))


@pytest.fixture
def data(emulator: Any, conformance: Conformance) -> Any:
    return conformance.attach(emulator.client("bedrock-agentcore"))


@pytest.fixture
def raw_control(emulator: Any) -> Any:
    """A control client without client-side validation, to reach the server's own checks."""
    return emulator.client("bedrock-agentcore-control", parameter_validation=False)


@pytest.fixture(autouse=True)
def _no_shape_problems(conformance: Conformance) -> Any:
    yield
    assert conformance.problems == []


@pytest.fixture
def insights(emulator: Any, conformance: Conformance) -> Any:
    """A CloudWatch Logs client (shape-checked) over a fresh emulator holding the Logs Insights event set."""
    from tests.emulator import insights_data

    logs = conformance.attach(emulator.client("logs"))
    insights_data.load(logs)
    return logs


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Model, ChatServer]]:
    """A loopback model as the emulator's judge and recommendation writer (tests/emulator/loopback_model)."""
    with loopback_judge(monkeypatch) as found:
        yield found


class _HarshJudge:
    """Rates every turn at the bottom of its scale, so every result falls short."""

    def judge(self, evaluator: Any, judge_input: Any) -> list[Any]:
        from evalctl.engine.judge import Verdict

        return [Verdict(label="Poor", value=0.0, explanation="It ignored the question.")]


@pytest.fixture
def harsh() -> Iterator[None]:
    """The emulator's judge (in this process) rates every turn Poor (0) for the test."""
    from evalctl.emulator import bridge

    bridge.set_judge(_HarshJudge())
    yield
    bridge.set_judge(None)
