"""The actor's answer contract and the conversation loop, with a scripted TextModel and agent function."""

from __future__ import annotations

import json
import threading

import pytest

from evalctl.cli.simulate_report import usage_line
from evalctl.engine.judge import JudgeError
from evalctl.engine.model import TokenUsage
from evalctl.runner import actor, simulate

SCENARIO = simulate.parse_scenario({
    "scenario_id": "s1",
    "scenario_description": "asks twice",
    "actor_profile": {"traits": {"tone": "terse"}, "context": "ctx", "goal": "the goal"},
    "input": {"question": "hello"},
})  # fmt: skip


USAGE = TokenUsage(3, 1)


class Script:
    """A TextModel answering from a list, recording every (system, prompt)."""

    label = "scripted model"

    def __init__(self, *answers: str, usage: TokenUsage | None = USAGE) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []
        self.usage = usage

    def complete(self, system: str, prompt: str) -> tuple[str, TokenUsage | None]:
        self.asked.append((system, prompt))
        if not self.answers:
            raise JudgeError("connection refused")
        return self.answers.pop(0), self.usage


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sure!", "not a JSON object"),
        ('{"message": "hi"}', "no boolean `stop`"),
        ('{"stop": "no", "message": "hi"}', "no boolean `stop`"),
        ('{"stop": false, "message": ""}', "neither stopped nor gave a message"),
        ('{"stop": false, "message": 3}', "must be strings"),
    ],
)
def test_unusable_answers_are_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(actor.ActorError, match=why):
        actor.parse(text)


def test_a_fenced_answer_is_read() -> None:
    decision = actor.parse('```json\n{"stop": false, "message": "next", "reasoning": "r"}\n```')
    assert decision == actor.Decision(False, "next", "r")


def test_the_loop_stops_where_the_actor_says_and_defaults_max_turns() -> None:
    assert SCENARIO["max_turns"] == 10  # the SDK's default
    sent: list[tuple[str, dict[str, object]]] = []

    def agent(session: str, payload: bytes) -> bytes:
        sent.append((session, json.loads(payload)))
        return json.dumps({"result": f"answer {len(sent)}"}).encode()

    model = Script(
        '{"stop": false, "message": "again", "reasoning": "one"}', '{"stop": true, "reasoning": "done"}'
    )
    transcript = simulate.converse(SCENARIO, agent, model)
    assert [p for _, p in sent] == [{"prompt": {"question": "hello"}}, {"prompt": "again"}]
    assert len({s for s, _ in sent}) == 1 and transcript.session_id == sent[0][0]
    assert transcript.ended == "actor stopped" and transcript.reasoning == ["one", "done"]
    system, prompt = model.asked[1]
    assert "Your goal: the goal" in system and '{"tone": "terse"}' in system and "asks twice" in system
    assert prompt.count("\nAgent: ") == 2 and "Agent: answer 2" in prompt


def test_a_failed_model_call_or_agent_fails_the_scenario() -> None:
    transcript = simulate.converse(SCENARIO, lambda _s, _p: b"plain text", Script())
    assert transcript.error == "after turn 1: the actor model call failed: connection refused"
    assert transcript.exchanges[0].reply == "plain text"

    def down(_session: str, _payload: bytes) -> bytes:
        raise simulate.AgentError("The agent at http://127.0.0.1:9 could not be reached")

    failed = simulate.converse(SCENARIO, down, Script())
    assert failed.error == "turn 1: The agent at http://127.0.0.1:9 could not be reached"
    assert failed.exchanges == []


def test_the_actor_usage_is_summed_per_scenario_and_absent_usage_is_said_not_invented() -> None:
    answers = ('{"stop": false, "message": "again", "reasoning": "one"}', "not json")
    failed = simulate.converse(SCENARIO, lambda _s, _p: b"ok", Script(*answers))
    assert failed.error is not None and "not a JSON object" in failed.error  # a garbled answer still cost
    assert failed.usage.to_json() == {"calls": 2, "inputTokens": 6, "outputTokens": 2, "totalTokens": 8}
    silent = simulate.converse(SCENARIO, lambda _s, _p: b"ok", Script(*answers, usage=None))
    assert silent.usage.to_json() == {"calls": 2, "note": "not reported by the model"}
    assert usage_line(silent.usage) == "actor usage: not reported by the model (2 call(s))"
    total = actor.ActorUsage.total([failed.usage, silent.usage])
    assert total.to_json() == {
        "calls": 4, "inputTokens": 6, "outputTokens": 2, "totalTokens": 8,
        "note": "reported by the model for 2 of 4 call(s)",
    }  # fmt: skip


def test_scenarios_run_at_once_and_come_back_in_scenario_order() -> None:
    """Three scenarios in flight together (a barrier only three parties pass), the last one finishing
    first: the transcripts and the progress calls follow the scenarios' order, not completion order."""
    started = threading.Barrier(3, timeout=10)
    finish = {"s0": threading.Event(), "s1": threading.Event(), "s2": threading.Event()}
    order = ["s2", "s1", "s0"]

    def agent(session: str, payload: bytes) -> bytes:
        name = json.loads(payload)["prompt"]
        started.wait()
        if name != order[0]:
            finish[name].wait(10)
        following = order[order.index(name) + 1 :]
        if following:
            finish[following[0]].set()
        return b"done"

    items = [{**SCENARIO, "scenario_id": n, "input": n} for n in ("s0", "s1", "s2")]
    reported: list[str] = []
    stop = '{"stop": true, "reasoning": "r"}'
    model = Script(stop, stop, stop)
    done = lambda t, _took: reported.append(t.scenario_id)  # noqa: E731
    transcripts = simulate.run_all(items, agent, model, None, parallel=3, done=done)
    assert [t.scenario_id for t in transcripts] == reported == ["s0", "s1", "s2"]
    assert all(t.ended == "actor stopped" for t in transcripts)


def test_ctrl_c_ends_scenarios_in_flight_after_their_current_turn() -> None:
    """A long scenario in flight when Ctrl-C arrives sends no turn after the one it is in; the
    interrupt still reaches the caller (exit 130 there)."""
    in_long_turn = threading.Event()
    stop = threading.Event()
    turns: list[str] = []

    def agent(session: str, payload: bytes) -> bytes:
        prompt = json.loads(payload)["prompt"]
        turns.append(prompt)
        if prompt != "short":
            in_long_turn.set()
            assert stop.wait(10)  # the turn in flight when Ctrl-C arrives ends after it
        return b"ok"

    def done(transcript: simulate.Transcript, _took: float) -> None:
        assert in_long_turn.wait(10)
        raise KeyboardInterrupt  # as Ctrl-C in the main thread, while "long" is mid-turn

    items = [
        {**SCENARIO, "scenario_id": "a", "input": "short", "max_turns": 1},
        {**SCENARIO, "scenario_id": "b", "input": "long", "max_turns": 50},
    ]
    model = Script(*['{"stop": false, "message": "again", "reasoning": "r"}'] * 60)
    with pytest.raises(KeyboardInterrupt):
        simulate.run_all(items, agent, model, None, parallel=2, done=done, stop=stop)
    assert stop.is_set()
    assert sorted(turns) == ["long", "short"], "the long scenario sent no turn after Ctrl-C"


def test_the_preflight_names_the_model_and_its_failure() -> None:
    model = Script('{"stop": true, "message": "", "reasoning": "done"}')
    usage = actor.preflight(model)
    assert usage.to_json() == {"calls": 1, "inputTokens": 3, "outputTokens": 1, "totalTokens": 4}
    # It asks as a real turn does: the actor's instructions with the answer format, and a conversation.
    system, prompt = model.asked[0]
    assert '{"stop": <true when your goal is met' in system and prompt.endswith("Your JSON answer:")
    with pytest.raises(actor.ActorError, match="scripted model cannot be used as the actor: connection"):
        actor.preflight(Script())


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("OK", "is not a JSON object: 'OK'"),
        ('{"label": "Good"}', "has no boolean `stop`"),
        ('{"stop": false, "message": " "}', "neither stopped nor gave a message"),
    ],
)
def test_a_model_that_answers_but_not_as_the_actor_is_refused_by_the_preflight(answer: str, why: str) -> None:
    """Such a model used to pass the preflight, then fail every scenario after its first agent turn."""
    from evalctl.cli.simulate import check_actor

    with pytest.raises(actor.ActorFormatError, match="scripted model answered a format check, but the actor"):
        actor.preflight(Script(answer))
    said = check_actor(Script(answer))
    assert isinstance(said, str) and why in said
    assert (
        "EVALCTL_JUDGE_MODEL to a model that follows instructions" in said and "no agent was called" in said
    )


def test_a_bedrock_actor_that_cannot_answer_says_what_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalctl.cli.simulate import check_actor
    from evalctl.engine.llm_judges import BedrockJudge

    class Denied:
        def converse(self, **_: object) -> None:
            raise RuntimeError("AccessDeniedException: no access to this model")

    monkeypatch.setenv("EVALCTL_JUDGE", "bedrock")
    said = check_actor(BedrockJudge(client=Denied(), model_id="m1"))
    assert isinstance(said, str) and said.startswith("Bedrock model m1 cannot be used as the actor: ")
    assert "AccessDeniedException" in said and "AWS credentials" in said and "no agent was called" in said
