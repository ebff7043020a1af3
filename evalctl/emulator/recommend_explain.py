"""What the deterministic recommendation says about itself: its `explanation` (RecommendationExplanation,
max 4096) and how it names a turn whose user input none of the documents read holds (README
"Recommendations")."""

from __future__ import annotations

from typing import Any

from evalctl.emulator.recommend_model import MAX_EXPLANATION
from evalctl.emulator.settings import RUNTIME_LOG_PREFIX, SPANS_LOG_GROUP
from evalctl.engine.coverage import is_event

EMULATED = "Emulated, deterministic recommendation (evalctl emulator: rules, no model wrote it)."
# Where the message text of the supported frameworks lives: not on their spans (see engine/extract.py).
MESSAGES_LIVE = (
    "Strands and LangChain spans carry no message text; it is in the agent's runtime log records "
    f"(body.input.messages, log group {RUNTIME_LOG_PREFIX}<agent>-<endpoint>)"
)


def _groups(traces: dict[str, Any]) -> list[str]:
    """The log groups besides aws/spans a logs source names (names or prefixes)."""
    from evalctl.emulator.trace_select import log_group_name

    if "cloudwatchLogs" in traces:
        names = [log_group_name(a) for a in traces["cloudwatchLogs"].get("logGroupArns") or []]
    else:
        source = traces.get("logSource") or {}
        names = list(source.get("logGroupNames") or [])
        names += [f"{p}*" for p in source.get("logGroupNamePrefixes") or []]
    return [n for n in names if n != SPANS_LOG_GROUP]


def source_read(traces: dict[str, Any]) -> str:
    """The documents the traces came from, as the request named them."""
    if "sessionSpans" in traces:
        return f"the {len(traces['sessionSpans'])} inline sessionSpans documents"
    groups = _groups(traces)
    return f"{SPANS_LOG_GROUP} and {', '.join(groups)}" if groups else f"{SPANS_LOG_GROUP} alone"


def no_input_hint(traces: dict[str, Any]) -> str:
    """Why the documents read hold no user input for a turn, and which documents would."""
    if "sessionSpans" in traces:
        if any(isinstance(d, dict) and is_event(d) for d in traces["sessionSpans"]):
            # Records were given, just not these turns': "add those records" would read as if none were.
            given = "the runtime log records in sessionSpans hold none for these turns: add theirs"
            return f"{MESSAGES_LIVE}; {given}"
        return f"{MESSAGES_LIVE}; add those records to sessionSpans"
    if not _groups(traces):
        return f"{MESSAGES_LIVE}; only {SPANS_LOG_GROUP} was read: name the runtime log group too"
    return f"{MESSAGES_LIVE}; the log groups read hold no such record for these turns"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_EXPLANATION else text[: MAX_EXPLANATION - 3] + "..."


def _blind(unquoted: int, turns: int, traces: dict[str, Any]) -> str:
    if not unquoted:
        return ""
    return f" {unquoted} of {turns} turns have no user input in these documents: {no_input_hint(traces)}."


def for_prompt(facts: dict[str, Any], traces: dict[str, Any]) -> str:
    """The system-prompt explanation from `facts`: turns, sessions, evaluator, summary, middle, added,
    dropped (lessons that did not fit), unchanged (nothing fitted), unquoted (turns without input)."""
    read = (
        f"Read {facts['turns']} turns in {facts['sessions']} sessions from {source_read(traces)}; evaluator "
        f"{facts['evaluator']} scored them: {facts['summary']}"
    )
    if facts["unchanged"]:
        done = " The lessons did not fit within 20000 characters, so the prompt is returned unchanged."
    elif facts["added"]:
        more = f"; {facts['dropped']} more did not fit" if facts["dropped"] else ""
        done = (
            f" Kept the current prompt unchanged and appended {facts['added']} lesson(s), one per result "
            f"below {facts['middle']:g} (lowest first, at most 5{more}), each quoting the turn's request and "
            "the judge's reason."
        )
    else:
        done = (
            f" No result fell below {facts['middle']:g}: appended only a note to keep the current guidance."
        )
    return _cut(f"{EMULATED} {read}{done}{_blind(facts['unquoted'], facts['turns'], traces)}")


def for_tool(name: str, use: str, turns: int, traces: dict[str, Any], cut: bool) -> str:
    """One tool's explanation: what was read, what the traces showed, what was appended."""
    done = "appended this note to the current description, which is otherwise unchanged"
    if cut:
        done += " (the result was cut to 20000 characters)"
    return _cut(f"{EMULATED} Read {turns} turns from {source_read(traces)}. Tool {name}: {use} Then {done}.")
