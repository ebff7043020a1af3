"""The demo's traces chapter with the example agent as a real process: scenarios and a prompt diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalctl import demo
from evalctl.demo import traces
from evalctl.emulator.testing import DUMMY_KEY


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """(agent URL, the OTLP port it exports to, nothing listening there yet), as the demo runs it."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, DUMMY_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    otlp, port = demo.free_port(), demo.free_port()
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp}"}
    process = subprocess.Popen(
        [sys.executable, str(demo.ROOT / "examples" / "support-agent" / "agent.py"), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        assert demo.wait_for_ping(url, process), "the example agent did not start"
        yield url, otlp
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_new_conversations_become_scenarios_and_a_prompt_recommendation(
    agent: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, otlp = agent
    assert demo.from_traces(tmp_path, url, otlp) == 0
    out = capsys.readouterr().out
    written = tmp_path / "evaluations" / "datasets" / f"{traces.DATASET}.generated.jsonl"
    generated = [json.loads(line) for line in written.read_text().splitlines()]
    assert sorted(s["turns"][0]["input"] for s in generated) == sorted(traces.TURNS)
    # The review diff adds exactly the generated scenarios and keeps the reviewed ones as context.
    added = [line for line in out.splitlines() if line.startswith("   +{")]
    assert len(added) == len(traces.TURNS)
    assert all(f'"scenario_id":"{s["scenario_id"]}"' in "".join(added) for s in generated)
    # The recommendation keeps the agent's prompt and adds a lesson for the turn whose lookup failed.
    prompt = traces.system_prompt(demo.ROOT / "examples" / "support-agent")
    assert f" {prompt}\n" in out
    assert '+- For requests like "Where is my parcel ORD-4242?": the answer was rated Poor (0).' in out
