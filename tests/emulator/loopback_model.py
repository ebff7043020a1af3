"""A real model for the emulator's recommendations: EVALCTL_JUDGE=openai against a loopback chat server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from evalctl.emulator import bridge
from evalctl.engine.llm_judges import SYSTEM_PROMPT as JUDGE_SYSTEM
from tests.chat_server import ChatServer, chat_server

VERDICT = "It skipped the arithmetic the user asked for."


class Model:
    """What the loopback model answers: judge requests get a verdict, the recommendation `reply`."""

    def __init__(self) -> None:
        self.reply: tuple[int, str] = (200, "{}")

    def __call__(self, body: dict[str, Any]) -> tuple[int, str]:
        if body["messages"][0]["content"] == JUDGE_SYSTEM:
            return 200, json.dumps({"label": "Poor", "explanation": VERDICT})
        return self.reply


@contextmanager
def loopback_judge(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Model, ChatServer]]:
    """The emulator's judge chosen from the environment, pointing at the loopback server."""
    answers = Model()
    with chat_server(answers) as server:
        monkeypatch.setenv("EVALCTL_JUDGE", "openai")
        monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", server.base_url)
        monkeypatch.setenv("EVALCTL_JUDGE_MODEL", "loopback-model")
        bridge.set_judge(None)  # chosen again from EVALCTL_JUDGE on first use
        try:
            yield answers, server
        finally:
            bridge.set_judge(None)
