"""The actor's answer contract and the conversation loop, with a scripted TextModel and agent function."""

from __future__ import annotations

import json

import pytest

from evalctl.engine.judge import JudgeError
from evalctl.engine.model import TokenUsage
from evalctl.runner import actor, simulate

SCENARIO = simulate.parse_scenario({
    "scenario_id": "s1",
    "scenario_description": "asks twice",
    "actor_profile": {"traits": {"tone": "terse"}, "context": "ctx", "goal": "the goal"},
    "input": {"question": "hello"},
})  # fmt: skip


class Script:
    """A TextModel answering from a list, recording every (system, prompt)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    def complete(self, system: str, prompt: str) -> tuple[str, TokenUsage]:
        self.asked.append((system, prompt))
        if not self.answers:
            raise JudgeError("connection refused")
        return self.answers.pop(0), TokenUsage(1, 1)


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
