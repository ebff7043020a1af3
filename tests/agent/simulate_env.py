"""What the `evalctl simulate` tests share: the simulated Dataset spec, the loopback actor's script, and
running the command against an agent (the fixtures are in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from tests.emulator.fixture_agent import FixtureAgent

SERVICE = "support_agent.DEFAULT"
GROUP = "/aws/bedrock-agentcore/runtimes/local_agent-0000000000-DEFAULT"
DATASET = """apiVersion: evalctl/v1alpha1
kind: Dataset
metadata: {name: support-simulated}
spec:
  schemaType: AGENTCORE_EVALUATION_SIMULATED_V1
  scenarios:
    - scenario_id: stops-after-two
      scenario_description: A customer asks about an order, then its refund.
      actor_profile: {traits: {tone: terse}, context: Bought headphones., goal: GOAL-STOP}
      input: Where is my order ORD-1001?
      max_turns: 5
    - scenario_id: never-satisfied
      scenario_description: A customer who keeps asking.
      actor_profile: {context: Impatient., goal: GOAL-MORE}
      input: Where is my order ORD-1002?
      max_turns: 3
    - scenario_id: garbled-actor
      scenario_description: The actor model answers nonsense.
      actor_profile: {context: None., goal: GOAL-GARBLE}
      input: Where is ORD-9999?
---
apiVersion: evalctl/v1alpha1
kind: Dataset
metadata: {name: support-fixed}
spec:
  scenarios:
    - scenario_id: plain
      turns: [{input: Where is my order ORD-1001?}]
"""


def answer(body: dict[str, Any]) -> tuple[int, str]:
    """The actor's script by the scenario's goal; as the judge, always Good."""
    system = body["messages"][0]["content"]
    turns = body["messages"][1]["content"].count("\nAgent: ")
    if "GOAL-STOP" in system:
        decision = {"stop": turns >= 2, "message": "" if turns >= 2 else "I want a refund for ORD-1002"}
    elif "GOAL-MORE" in system:
        decision = {"stop": False, "message": f"And now? ({turns})"}
    elif "GOAL-GARBLE" in system:
        return 200, "I am not sure what to say."
    elif "format check" in system:  # the preflight: a finished conversation
        decision = {"stop": True, "message": ""}
    else:
        return 200, json.dumps({"label": "Good", "explanation": "loopback judge"})
    return 200, json.dumps({**decision, "reasoning": f"after {turns} turn(s)"})


def simulate(specs: Path, agent: str, port: int, *extra: str) -> int:
    args = [
        "simulate",
        "support-simulated",
        "--specs",
        str(specs),
        "--agent",
        agent,
        "--otlp-port",
        str(port),
    ]
    return main([*args, "--evaluator", "Builtin.Helpfulness", "--telemetry-timeout", "20", *extra])


def refused_before_any_agent_call(specs: Path, port: int, capsys: pytest.CaptureFixture[str]) -> str:
    """simulate against a recording agent: exit 2 and no request reached the agent; its stderr."""
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    try:
        assert simulate(specs, url, port) == 2
    finally:
        agent.stop()
    assert agent.seen == []
    return capsys.readouterr().err
