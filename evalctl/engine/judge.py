"""Judges for LLM-as-a-judge and model-scored built-ins: the protocol and the offline judge.

`OfflineJudge` is the default. It calls no model; it is deterministic and says so: every
explanation starts with `[emulated judge]`. It computes a quality score in [0, 1] (1 best) and
picks the nearest entry of the evaluator's rating scale (see `scale.pick`), per dimension for
multi-dimensional scales. The score, first rule that applies:

1. expected response given: token F1 between the assistant turn and the expected response;
2. assertions given: share of assertions whose words (3+ letters) are at least half present
   in the conversation;
3. expected tool trajectory given: share of expected tool names found (multiset, any order);
4. `Builtin.Refusal`: 0 when the assistant turn contains a refusal phrase, else 1;
5. TOOL_CALL level: 0 when the tool call failed, 0.5 when its tool is not among the agent's
   declared tools, else 1;
6. otherwise: 1 when there is a non-empty assistant turn, else 0.

Which judge runs is chosen by `llm_judges.judge_from_env()`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from evalctl.engine import scale
from evalctl.engine.model import EvaluatorDef, TokenUsage

EMULATED_PREFIX = "[emulated judge]"
_WORD = re.compile(r"[a-z0-9]+")
_REFUSALS = ("i can't", "i cannot", "i can\u2019t", "i'm unable", "i am unable", "i won't", "i will not")


class JudgeError(RuntimeError):
    """A judge could not produce a verdict (model call failed or its answer was unusable)."""


@dataclass(frozen=True)
class JudgeInput:
    """What a judge sees for one target; fields mirror the instruction placeholders."""

    level: str
    context: str
    assistant_turn: str = ""
    tool_turn: str = ""
    available_tools: list[str] = field(default_factory=list)
    expected_response: str | None = None
    assertions: list[str] = field(default_factory=list)
    expected_tool_trajectory: list[str] | None = None
    actual_tool_trajectory: list[str] = field(default_factory=list)
    tool_error: str | None = None
    tool_name: str | None = None

    def placeholders(self) -> dict[str, str]:
        """Values for the single-brace placeholders of AgentCore judge instructions."""
        return {
            "{context}": self.context,
            "{assistant_turn}": self.assistant_turn,
            "{tool_turn}": self.tool_turn,
            "{available_tools}": ", ".join(self.available_tools),
            "{expected_response}": self.expected_response or "",
            "{assertions}": "\n".join(f"- {a}" for a in self.assertions),
            "{expected_tool_trajectory}": ", ".join(self.expected_tool_trajectory or []),
            "{actual_tool_trajectory}": ", ".join(self.actual_tool_trajectory),
        }


@dataclass(frozen=True)
class Verdict:
    """One judged score: a label from the scale, its value when numerical, and why."""

    label: str
    value: float | None
    explanation: str
    dimension_name: str | None = None
    token_usage: TokenUsage | None = None


class Judge(Protocol):
    """Scores one target for one evaluator; one verdict per rating-scale dimension."""

    def judge(self, evaluator: EvaluatorDef, judge_input: JudgeInput) -> list[Verdict]:
        """Return the verdicts, or raise JudgeError."""
        ...


def render(instructions: str, judge_input: JudgeInput) -> str:
    """Instructions with placeholders filled; other braces are left alone (no str.format)."""
    text = instructions
    for placeholder, value in judge_input.placeholders().items():
        text = text.replace(placeholder, value)
    return text


class OfflineJudge:
    """Deterministic rule-based judge (see the module docstring for the rules)."""

    def judge(self, evaluator: EvaluatorDef, judge_input: JudgeInput) -> list[Verdict]:
        """One verdict per dimension, each picked from its scale with the same quality score."""
        quality, reason = offline_score(evaluator, judge_input)
        verdicts = []
        for name, _instruction, dim_scale in scale.dimensions(evaluator.rating_scale):
            try:
                label, value = scale.pick(dim_scale, quality)
            except scale.ScaleError as exc:
                raise JudgeError(str(exc)) from exc
            kind = scale.entries(dim_scale)[0]
            explanation = f"{EMULATED_PREFIX} {reason}; picked {label!r} from the {kind} scale."
            verdicts.append(Verdict(label, value, explanation, name))
        return verdicts


def offline_score(evaluator: EvaluatorDef, judge_input: JudgeInput) -> tuple[float, str]:
    """(quality in [0, 1], reason) by the first rule that applies."""
    ji = judge_input
    if ji.expected_response is not None:
        f1 = token_f1(ji.assistant_turn, ji.expected_response)
        return f1, f"token F1 with the expected response is {f1:.2f}"
    if ji.assertions:
        conversation = set(_words(ji.context + " " + ji.assistant_turn))
        held = [a for a in ji.assertions if _coverage(a, conversation) >= 0.5]
        share = len(held) / len(ji.assertions)
        return share, f"{len(held)} of {len(ji.assertions)} assertions are supported by the conversation"
    if ji.expected_tool_trajectory is not None:
        expected = Counter(ji.expected_tool_trajectory)
        found = sum((expected & Counter(ji.actual_tool_trajectory)).values())
        total = sum(expected.values())
        share = found / total if total else 1.0
        return share, f"{found} of {total} expected tool calls were made"
    ident = evaluator.base_evaluator_id or evaluator.evaluator_id
    if ident == "Builtin.Refusal":
        refused = any(phrase in ji.assistant_turn.lower() for phrase in _REFUSALS)
        return (0.0, "the assistant turn contains a refusal") if refused else (1.0, "no refusal found")
    if ji.level == "TOOL_CALL":
        return _tool_rule(ji)
    if ji.assistant_turn.strip():
        return 1.0, "the target has a non-empty assistant response"
    return 0.0, "the target has no assistant response"


def _tool_rule(ji: JudgeInput) -> tuple[float, str]:
    if ji.tool_error:
        return 0.0, f"the tool call failed: {ji.tool_error}"
    if ji.available_tools and ji.tool_name not in ji.available_tools:
        return 0.5, f"tool {ji.tool_name!r} is not among the declared tools"
    return 1.0, "the tool call succeeded"


def token_f1(candidate: str, reference: str) -> float:
    """Harmonic mean of token precision and recall (lower-cased alphanumeric tokens)."""
    cand, ref = Counter(_words(candidate)), Counter(_words(reference))
    common = sum((cand & ref).values())
    if not common:
        return 0.0
    precision, recall = common / sum(cand.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _coverage(assertion: str, conversation: set[str]) -> float:
    words = [w for w in _words(assertion) if len(w) >= 3]
    if not words:
        return 1.0
    return sum(1 for w in words if w in conversation) / len(words)
