"""The simulated user of a simulated scenario: a real model asked for the next message as JSON.

The actor is the judge's model (EVALCTL_JUDGE=bedrock|openai, a `TextModel`). Each turn it gets a
system prompt built from the scenario's actor profile and description, and the conversation so far,
and must answer one JSON object `{"stop": bool, "message": str, "reasoning": str}`. An answer that
does not fit is refused with the reason: there is no retry and no made-up message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evalctl.engine.judge import JudgeError
from evalctl.engine.llm_judges import TextModel
from evalctl.engine.model import TokenUsage

MAX_QUOTED = 4000  # characters of one message quoted back to the actor: long replies stay affordable
NOT_REPORTED = "not reported by the model"


class ActorError(Exception):
    """The actor model failed or answered something unusable; the message says which."""


class ActorFormatError(ActorError):
    """The actor model answered, but not with the actor's JSON decision."""


@dataclass(frozen=True)
class Exchange:
    """One turn: what the user (the scenario's input or the actor) sent and what the agent answered."""

    message: str
    reply: str


# The preflight plays a finished one-turn conversation, so a model that answers but cannot keep the actor's
# JSON format is found before any agent turn is spent on it (every scenario would fail after its first).
PREFLIGHT_SCENARIO = {
    "scenario_description": "A format check before the real scenarios: the conversation is already over.",
    "actor_profile": {"context": "You already have what you came for.", "goal": "End the conversation."},
}
PREFLIGHT_TURN = Exchange("Thanks, that is all I needed.", "You are welcome. Goodbye!")


@dataclass
class ActorUsage:
    """The actor's tokens over its answered calls, only as the model reported them (never estimated)."""

    calls: int = 0
    reported: int = 0  # calls whose answer carried a usage
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, usage: TokenUsage | None) -> None:
        self.calls += 1
        if usage is not None:
            self.reported += 1
            self.input_tokens += usage.input_tokens
            self.output_tokens += usage.output_tokens

    @classmethod
    def total(cls, parts: Iterable[ActorUsage]) -> ActorUsage:
        """The sum of several scenarios' (and the preflight's) usage."""
        whole = cls()
        for part in parts:
            whole.calls += part.calls
            whole.reported += part.reported
            whole.input_tokens += part.input_tokens
            whole.output_tokens += part.output_tokens
        return whole

    def to_json(self) -> dict[str, Any]:
        """As simulation.json and results.json hold it: counts only where the model gave them, else a
        note saying so (the shape of evalctl.reports.models.ActorUsage)."""
        doc: dict[str, Any] = {"calls": self.calls}
        if self.reported:
            doc.update(TokenUsage(self.input_tokens, self.output_tokens).to_api())
        if self.reported < self.calls:
            doc["note"] = NOT_REPORTED
            if self.reported:
                doc["note"] = f"reported by the model for {self.reported} of {self.calls} call(s)"
        return doc


@dataclass(frozen=True)
class Decision:
    """The actor's answer: end the conversation, or send `message` next."""

    stop: bool
    message: str
    reasoning: str


def system_prompt(scenario: dict[str, Any]) -> str:
    """Who the actor plays: the profile's traits, context and goal, and the scenario's description."""
    profile = scenario.get("actor_profile") or {}
    traits = profile.get("traits") or {}
    lines = [
        "You play a user talking to an AI agent, to test the agent. Stay in character; never say you are "
        "an AI or a test.",
        f"Scenario: {scenario.get('scenario_description') or '(none given)'}",
        f"Your context: {profile.get('context', '')}",
        f"Your goal: {profile.get('goal', '')}",
    ]
    if traits:
        lines.append("Your traits: " + json.dumps(traits, sort_keys=True))
    lines.append(
        'After each agent reply answer with one JSON object only: {"stop": <true when your goal is met or '
        'the conversation cannot go further, else false>, "message": "<your next message to the agent; '
        'empty when stop is true>", "reasoning": "<one sentence: why>"}'
    )
    return "\n".join(lines)


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + " [...]"


def conversation(exchanges: list[Exchange]) -> str:
    """The conversation so far, as the actor's user message."""
    parts = []
    for number, item in enumerate(exchanges, 1):
        parts.append(f"Turn {number}\nYou: {_quote(item.message)}\nAgent: {_quote(item.reply)}")
    return "\n\n".join(parts) + "\n\nYour JSON answer:"


def parse(text: str) -> Decision:
    """The actor's decision from its answer text, or ActorError saying what is wrong with it."""
    start, end = text.find("{"), text.rfind("}")  # tolerate code fences or a sentence around it
    try:
        data = json.loads(text[start : end + 1]) if 0 <= start < end else None
    except ValueError:
        data = None
    shown = " ".join(text.split())[:200]
    if not isinstance(data, dict):
        raise ActorFormatError(f"the actor's answer is not a JSON object: {shown!r}")
    stop, message, reasoning = data.get("stop"), data.get("message", ""), data.get("reasoning", "")
    if not isinstance(stop, bool):
        raise ActorFormatError(f"the actor's answer has no boolean `stop`: {shown!r}")
    if not isinstance(message, str) or not isinstance(reasoning, str):
        raise ActorFormatError(f"the actor's `message` and `reasoning` must be strings: {shown!r}")
    if not stop and not message.strip():
        raise ActorFormatError(f"the actor neither stopped nor gave a message: {shown!r}")
    return Decision(stop, message, reasoning)


def decide(
    model: TextModel, scenario: dict[str, Any], exchanges: list[Exchange], usage: ActorUsage
) -> Decision:
    """Ask the actor model once for its next step; what the call cost is added to `usage`."""
    try:
        text, spent = model.complete(system_prompt(scenario), conversation(exchanges))
    except JudgeError as exc:
        raise ActorError(f"the actor model call failed: {exc}") from exc
    usage.add(spent)  # before parsing: an unusable answer was still paid for
    return parse(text)


def preflight(model: TextModel) -> ActorUsage:
    """One actor call on a finished conversation before any agent call: the model must answer, and with
    the actor's JSON decision (else ActorFormatError), so a model that can't play it costs no agent turn."""
    usage = ActorUsage()
    try:
        text, spent = model.complete(system_prompt(PREFLIGHT_SCENARIO), conversation([PREFLIGHT_TURN]))
    except JudgeError as exc:
        raise ActorError(f"{model.label} cannot be used as the actor: {exc}") from exc
    usage.add(spent)
    try:
        parse(text)
    except ActorFormatError as exc:
        raise ActorFormatError(f"{model.label} answered a format check, but {exc}") from exc
    return usage
