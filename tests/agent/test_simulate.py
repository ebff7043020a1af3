"""`evalctl simulate`: the example support agent as a real process, an OpenAI-compatible loopback model
as the actor (and as the judge of the scoring batch), a simulated Dataset spec in a tmp folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalctl.cli.main import main
from tests.agent.simulate_env import refused_before_any_agent_call, simulate
from tests.chat_server import ChatServer
from tests.emulator.fixture_agent import FixtureAgent


def test_scenarios_run_as_the_actor_asks_and_their_sessions_are_scored(
    specs: Path, agent: str, port: int, actor: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    code = simulate(specs, agent, port, "--json", "--report-dir", str(reports),
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
    actor_calls = [r for r in actor.requests if r[2]["messages"][0]["content"].startswith("You play a user")]
    # stop honoured after 2; max_turns 3 asks twice; garbled once; and the preflight's format check
    assert len(actor_calls) == 2 + 2 + 1 + 1
    assert sum("format check" in r[2]["messages"][0]["content"] for r in actor_calls) == 1
    results = json.loads(out)
    assert results["job"]["status"] == "COMPLETED" and results["job"]["totalSessions"] == 3
    scored = {s["sessionId"]: s for s in results["sessions"]}
    per_trace = {sid: len(s["results"]) for sid, s in scored.items()}
    # One Helpfulness result per turn; the failed scenario's one turn is scored too.
    assert per_trace == {stop["sessionId"]: 2, more["sessionId"]: 3, garbled["sessionId"]: 1}
    assert results["gates"][0]["passed"] is False  # the averages pass, but the run is incomplete
    assert "1 of 3 scenario(s) failed" in err and (reports / "results.json").is_file()
    # The reports name the failed scenario, so no gate can read as a full run.
    failed = f"scenario garbled-actor FAILED after 1 turn(s) ({garbled['error']}); those turn(s) are scored"
    assert failed in results["job"]["errorDetails"]
    assert f"> **Error:** {failed}" in (reports / "summary.md").read_text()
    junit = (reports / "junit.xml").read_text()
    assert 'name="simulated scenarios"' in junit and 'type="ScenarioFailed"' in junit


def test_scoring_past_its_timeout_exits_2_with_what_to_do(
    specs: Path, agent: str, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert simulate(specs, agent, port, "--timeout", "0.01", "--quiet") == 2  # scoring is PENDING for 1 s
    err = capsys.readouterr().err
    assert "evalctl simulate: scoring: batch evaluation" in err and "pass a longer --timeout" in err
    assert "Traceback" not in err


def test_offline_isrefused_before_any_agent_call(
    specs: Path, port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EVALCTL_JUDGE", raising=False)
    err = refused_before_any_agent_call(specs, port, capsys)
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
def test_an_actor_model_that_cannot_be_called_isrefused_before_any_agent_call(
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
    err = refused_before_any_agent_call(specs, port, capsys)
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


def test_a_simulated_dataset_in_s3_is_refused_before_any_call(
    specs: Path, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """It ran "0 scenario(s)" after the actor's preflight call: simulate reads scenarios from the spec."""
    spec = specs / "in-s3.yaml"
    spec.write_text(
        "apiVersion: evalctl/v1alpha1\nkind: Dataset\nmetadata: {name: in-s3}\nspec:\n"
        "  schemaType: AGENTCORE_EVALUATION_SIMULATED_V1\n  s3Source: {s3Uri: s3://cases-bucket/sim.jsonl}\n"
    )
    args = ["--specs", str(specs), "--agent", "http://127.0.0.1:9", "--evaluator", "Builtin.Helpfulness"]
    assert main(["simulate", "in-s3", *args]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:6:21: Dataset 'in-s3' keeps its scenarios in s3://cases-bucket/sim.jsonl" in err
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


def test_an_average_gate_no_evaluator_can_reach_is_refused_before_any_call(
    specs: Path, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Built-ins score 0..1: a gate of 7 would run the whole simulation and then fail."""
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    args = ["simulate", "support-simulated", "--specs", str(specs), "--agent", url]
    try:
        assert (
            main([*args, "--evaluator", "Builtin.Helpfulness", "--min-average", "Builtin.Helpfulness=7"]) == 2
        )
        err = capsys.readouterr().err
        assert (
            "--min-average Builtin.Helpfulness=7: above the averages 'Builtin.Helpfulness' can reach" in err
        )
        assert "give a SCORE within 0..1" in err, err
    finally:
        agent.stop()
    assert agent.seen == [] and actor.requests == []


def test_an_agent_that_is_down_fails_each_scenario_with_the_reason(
    specs: Path, port: int, actor: ChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert simulate(specs, "http://127.0.0.1:9", port, "--json") == 2
    out, err = capsys.readouterr()
    # Warned before the first scenario, as `run --local --agent` does.
    assert "warning: GET http://127.0.0.1:9/ping failed" in err and "is the agent running?" in err
    assert err.index("/ping failed") < err.index("scenario stops-after-two")
    assert "scenario stops-after-two: 0 turn(s)" in err and "FAILED turn 1: The agent at" in err
    assert "could not be reached" in err and "no scenario produced a session to score" in err
    # --json still prints a document: FAILED, the reason, and how each scenario went.
    answer = json.loads(out)
    assert answer["status"] == "FAILED" and answer["error"] == "no scenario produced a session to score"
    simulation = answer["simulation"]
    assert simulation["scenarios"] == simulation["failed"] == len(simulation["failures"]) == 3
    assert simulation["complete"] is False and simulation["actorUsage"]["calls"] == 1
    assert all("could not be reached" in f["error"] and f["scored"] is False for f in simulation["failures"])
    # The actor is asked once before any agent call (the preflight), then only after an agent reply.
    assert len(actor.requests) == 1 and "format check" in actor.requests[0][2]["messages"][0]["content"]
