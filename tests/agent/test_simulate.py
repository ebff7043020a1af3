"""`evalctl simulate`: the example support agent as a real process, an OpenAI-compatible loopback model
as the actor (and as the judge of the scoring batch), a simulated Dataset spec in a tmp folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from tests.agent.test_support_agent import AGENT, _free_port, _healthy, _poll
from tests.chat_server import ChatServer, chat_server
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


def _answer(body: dict[str, Any]) -> tuple[int, str]:
    """The actor's script by the scenario's goal; as the judge, always Good."""
    system = body["messages"][0]["content"]
    turns = body["messages"][1]["content"].count("\nAgent: ")
    if "GOAL-STOP" in system:
        decision = {"stop": turns >= 2, "message": "" if turns >= 2 else "I want a refund for ORD-1002"}
    elif "GOAL-MORE" in system:
        decision = {"stop": False, "message": f"And now? ({turns})"}
    elif "GOAL-GARBLE" in system:
        return 200, "I am not sure what to say."
    else:
        return 200, json.dumps({"label": "Good", "explanation": "loopback judge"})
    return 200, json.dumps({**decision, "reasoning": f"after {turns} turn(s)"})


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
    with chat_server(_answer) as server:
        monkeypatch.setenv("EVALCTL_JUDGE", "openai")
        monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", server.base_url)
        yield server


def _simulate(specs: Path, agent: str, port: int, *extra: str) -> int:
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


def test_scenarios_run_as_the_actor_asks_and_their_sessions_are_scored(
    specs: Path, agent: str, port: int, actor: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    code = _simulate(specs, agent, port, "--json", "--report-dir", str(reports),
                     "--min-average", "Builtin.Helpfulness=0.9")  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2, err  # one scenario failed: the run says so whatever the scores
    transcripts = {
        t["scenarioId"]: t for t in json.loads((reports / "simulation.json").read_text())["scenarios"]
    }
    stop, more, garbled = (transcripts[k] for k in ("stops-after-two", "never-satisfied", "garbled-actor"))
    assert [t["input"] for t in stop["turns"]] == [
        "Where is my order ORD-1001?",
        "I want a refund for ORD-1002",
    ]
    assert stop["ended"] == "actor stopped" and "ORD-1001" in stop["turns"][0]["reply"]
    assert [t["input"] for t in more["turns"]] == [
        "Where is my order ORD-1002?",
        "And now? (1)",
        "And now? (2)",
    ]
    assert more["ended"] == "max_turns reached"
    assert len(garbled["turns"]) == 1 and garbled["ended"] is None
    assert (
        garbled["error"]
        == "after turn 1: the actor's answer is not a JSON object: 'I am not sure what to say.'"
    )
    actor_calls = [r for r in actor.requests if "You play a user" in r[2]["messages"][0]["content"]]
    assert len(actor_calls) == 2 + 2 + 1  # stop honoured after 2; max_turns 3 asks twice; garbled once
    results = json.loads(out)
    assert results["job"]["status"] == "COMPLETED" and results["job"]["totalSessions"] == 2
    scored = {s["sessionId"]: s for s in results["sessions"]}
    assert set(scored) == {stop["sessionId"], more["sessionId"]}  # the failed scenario is not scored
    per_trace = {sid: len(s["results"]) for sid, s in scored.items()}
    assert per_trace == {stop["sessionId"]: 2, more["sessionId"]: 3}  # one Helpfulness result per turn
    assert results["gates"][0]["passed"] is True
    assert "1 of 3 scenario(s) failed" in err and (reports / "results.json").is_file()
    # The reports name the scenario that was not scored, so a passed gate cannot read as a full run.
    unscored = f"scenario garbled-actor was not scored: {garbled['error']}"
    assert unscored in results["job"]["errorDetails"]
    assert f"> **Error:** {unscored}" in (reports / "summary.md").read_text()


def test_scoring_past_its_timeout_exits_2_with_what_to_do(
    specs: Path, agent: str, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _simulate(specs, agent, port, "--timeout", "0.01", "--quiet") == 2  # scoring is PENDING for 1 s
    err = capsys.readouterr().err
    assert "evalctl simulate: scoring: batch evaluation" in err and "pass a longer --timeout" in err
    assert "Traceback" not in err


def _refused_before_any_agent_call(specs: Path, port: int, capsys: pytest.CaptureFixture[str]) -> str:
    """simulate against a recording agent: exit 2 and no request reached the agent; its stderr."""
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    try:
        assert _simulate(specs, url, port) == 2
    finally:
        agent.stop()
    assert agent.seen == []
    return capsys.readouterr().err


def test_offline_is_refused_before_any_agent_call(
    specs: Path, port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EVALCTL_JUDGE", raising=False)
    err = _refused_before_any_agent_call(specs, port, capsys)
    assert "need an actor model" in err and "EVALCTL_JUDGE=openai" in err and "no actor is faked" in err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EVALCTL_JUDGE": "openai", "EVALCTL_JUDGE_BASE_URL": "127.0.0.1:8000/v1"},
         "EVALCTL_JUDGE_BASE_URL must be an http(s) URL"),
        ({"EVALCTL_JUDGE": "bedrock", "AWS_CONFIG_FILE": "/nonexistent"},
         "EVALCTL_JUDGE=bedrock needs an AWS region"),
    ],
)  # fmt: skip
def test_an_actor_model_that_cannot_be_called_is_refused_before_any_agent_call(
    env: dict[str, str],
    message: str,
    specs: Path,
    port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    err = _refused_before_any_agent_call(specs, port, capsys)
    assert message in err and "Traceback" not in err


def test_a_predefined_or_unknown_dataset_is_refused(
    specs: Path, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--specs", str(specs), "--agent", "http://127.0.0.1:9", "--evaluator", "Builtin.Helpfulness"]
    assert main(["simulate", "support-fixed", *args]) == 2
    assert "evalctl run <batch> --local --agent URL" in capsys.readouterr().err
    assert main(["simulate", "support-simulatd", *args]) == 2
    assert "did you mean 'support-simulated'?" in capsys.readouterr().err
    assert actor.requests == []


def test_an_unknown_evaluator_or_a_gate_on_one_not_scored_is_refused_before_any_call(
    specs: Path, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    args = ["simulate", "support-simulated", "--specs", str(specs), "--agent", url]
    try:
        assert main([*args, "--evaluator", "Builtin.Helpfulnes"]) == 2
        assert "did you mean 'Builtin.Helpfulness'?" in capsys.readouterr().err
        gated = ["--evaluator", "Builtin.Helpfulness", "--min-average", "Builtin.Correctness=0.5"]
        assert main([*args, *gated]) == 2
        assert "add --evaluator Builtin.Correctness" in capsys.readouterr().err
    finally:
        agent.stop()
    assert agent.seen == [] and actor.requests == []


TONE = """---
apiVersion: evalctl/v1alpha1
kind: Evaluator
metadata: {name: tone}
spec:
  level: TRACE
  evaluatorConfig:
    llmAsAJudge:
      instructions: "Judge the tone of {assistant_turn} given {context}."
      ratingScale:
        categorical:
          - {label: Polite, definition: Courteous throughout.}
          - {label: Rude, definition: Dismissive or curt.}
      modelConfig:
        bedrockEvaluatorModelConfig: {modelId: us.anthropic.claude-3-5-haiku-20241022-v1:0}
"""


def test_an_average_gate_on_a_categorical_evaluator_is_refused_before_any_call(
    specs: Path, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (specs / "tone.yaml").write_text(TONE)
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    args = ["simulate", "support-simulated", "--specs", str(specs), "--agent", url, "--evaluator", "tone"]
    try:
        assert main([*args, "--min-average", "tone=0.5"]) == 2
        err = capsys.readouterr().err
        assert "--min-average tone=...: 'tone' has a categorical rating scale" in err
        assert "labels without a value" in err and "a numerical scale" in err
    finally:
        agent.stop()
    assert agent.seen == [] and actor.requests == []


def test_an_agent_that_is_down_fails_each_scenario_with_the_reason(
    specs: Path, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _simulate(specs, "http://127.0.0.1:9", port) == 2
    err = capsys.readouterr().err
    assert "scenario stops-after-two: 0 turn(s)" in err and "FAILED turn 1: The agent at" in err
    assert "could not be reached" in err and "no scenario produced a session to score" in err
    assert actor.requests == []  # the actor is asked only after an agent reply
