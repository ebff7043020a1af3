"""A dataset generation's work: select sessions, turn their real turns into scenarios, redact, count."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from evalctl import scenarios
from evalctl.emulator import trace_select
from evalctl.engine.model import Session
from evalctl.service_models import DATA, service_model

FIXED, DYNAMIC = "FIXED", "DYNAMIC"
DEFAULT_MAX_SCENARIOS = 100  # GenerationSamplingConfig.maxScenarios: "The default is 100."
MAX_ERROR_CODES = 10  # errorDetails: "the 10 most frequent error codes"
MAX_ERROR_SESSIONS = 10  # GenerationErrorDetail.sessionIds: "Up to 10"
# The managed data identifiers the emulator recognises; the others are accepted and find nothing.
MANAGED = {
    "EMAIL_ADDRESS": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "IP_ADDRESS": r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    "PHONE_NUMBER_US": r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b",
    "CREDIT_CARD_NUMBER": r"\b(?:\d[ -]?){13,16}\b",
    "SSN_US": r"\b\d{3}-\d{2}-\d{4}\b",
    "AWS_SECRET_KEY": r"\b[A-Za-z0-9/+=]{40}\b",
}

# Every managed identifier the model names (a custom identifier may not take one of these names).
MANAGED_NAMES = frozenset(service_model(DATA).shape_for("RedactionIdentifierList").member.enum)


@dataclass
class Counts:
    """GenerationResults plus the per-code errors and the redaction findings."""

    matched: int = 0
    selected: int = 0
    unscored: int = 0
    failed: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    scanned: int = 0

    def error(self, code: str, ident: str) -> None:
        self.errors.setdefault(code, []).append(ident)


def _session_value(results: list[dict[str, Any]], rule: dict[str, Any]) -> list[Any] | None:
    """The values an evaluator filter compares: one per result of that evaluator (and dimension)."""
    want_label = "stringValue" in rule["value"]
    mine = [
        r for r in results
        if r.get("evaluatorId") == rule["evaluatorId"] and "errorCode" not in r
        and r.get("dimensionName") == rule.get("evaluationDimensionName")
    ]  # fmt: skip
    values = [r.get("label") if want_label else r.get("value") for r in mine]
    values = [v for v in values if v is not None]
    if not values:
        return None
    aggregation = rule.get("aggregation")
    if aggregation in ("Min", "Max", "Mean") and not want_label:
        numbers = [float(v) for v in values if v is not None]
        pick = {"Min": min(numbers), "Max": max(numbers), "Mean": sum(numbers) / len(numbers)}
        return [pick[aggregation]]
    return values


def evaluator_match(results: list[dict[str, Any]] | None, rules: list[dict[str, Any]]) -> bool | None:
    """True/False when every rule could be compared, None (unscored) when a rule had no result."""
    verdict = True
    for rule in rules:
        values = _session_value(results or [], rule)
        if values is None:
            return None
        expected = rule["value"].get("stringValue", rule["value"].get("doubleValue"))
        checks = [trace_select.compare(v, rule["operator"], expected) for v in values]
        verdict = verdict and (any(checks) if rule.get("aggregation") == "AnyMatch" else all(checks))
    return verdict


def pick_ids(sessions: list[Session], ids: dict[str, Any], counts: Counts) -> list[Session]:
    """Sessions named by id, and sessions narrowed to the traces named by id; unknown ids are errors."""
    by_id = {s.session_id: s for s in sessions}
    chosen: dict[str, Session] = {}
    for sid in ids.get("sessionIds") or []:
        if sid in by_id:
            chosen[sid] = by_id[sid]
        else:
            counts.error("SESSION_NOT_FOUND", sid)
    for tid in ids.get("traceIds") or []:
        owner = next((s for s in sessions if any(t.trace_id == tid for t in s.traces)), None)
        if owner is None:
            counts.error("TRACE_NOT_FOUND", tid)
        elif owner.session_id not in chosen:
            mine = [t for t in owner.traces if t.trace_id == tid]
            chosen[owner.session_id] = Session(owner.session_id, mine, owner.documents, owner.available_tools)
    counts.failed += sum(len(v) for v in counts.errors.values())
    return list(chosen.values())


def redactor(config: dict[str, Any] | None) -> list[tuple[str, re.Pattern[str]]]:
    """(identifier name, pattern) for the managed identifiers we know and every custom one."""
    config = config or {}
    found = [(n, re.compile(MANAGED[n])) for n in config.get("identifiers") or [] if n in MANAGED]
    return found + [(c["name"], re.compile(c["regex"])) for c in config.get("customDataIdentifiers") or []]


def _redact(text: str, rules: list[tuple[str, re.Pattern[str]]], counts: Counts) -> str:
    for name, pattern in rules:
        text, hits = pattern.subn(f"<{name}>", text)
        if hits:
            counts.findings[name] = counts.findings.get(name, 0) + hits
    return text


def _redact_doc(value: Any, rules: list[tuple[str, re.Pattern[str]]], counts: Counts) -> Any:
    """Every string inside a scenario redacted (keys and structure untouched)."""
    if isinstance(value, str):
        return _redact(value, rules, counts)
    if isinstance(value, dict):
        return {k: v if k == "metadata" else _redact_doc(v, rules, counts) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_doc(v, rules, counts) for v in value]
    return value


def scenario(session: Session, kind: str, truth: set[str], tag: dict[str, Any]) -> dict[str, Any]:
    """One scenario from a session's real turns (README "Dataset generations" gives the mapping)."""
    prompts = [t.user_prompt for t in session.traces]
    meta = {**tag, "sessionId": session.session_id}
    if kind == DYNAMIC:
        return {
            "scenario_id": session.session_id,
            "scenario_description": f"Replays session {session.session_id} ({len(prompts)} turns)",
            "actor_profile": {"goal": prompts[0], "context": " / ".join(prompts[1:]) or prompts[0]},
            "input": prompts[0],
            "max_turns": len(prompts),
            "metadata": meta,
        }
    turns: list[dict[str, Any]] = []
    for trace in session.traces:
        turn: dict[str, Any] = {"input": trace.user_prompt}
        if "expected_response" in truth:
            turn["expected_response"] = trace.assistant_response
        turns.append(turn)
    out: dict[str, Any] = {"scenario_id": session.session_id, "turns": turns, "metadata": meta}
    if "expected_trajectory" in truth:
        out["expected_trajectory"] = [c.name for t in session.traces for c in t.tool_calls]
    return out


def fingerprint(example: dict[str, Any]) -> str:
    """What makes two scenarios duplicates: everything but scenario_id, metadata and exampleId."""
    body = {k: v for k, v in scenarios.content(example).items() if k not in ("scenario_id", "metadata")}
    return json.dumps(body, sort_keys=True, default=str)


def build(  # noqa: PLR0917 -- one call site; the arguments are the request's members
    sessions: list[Session],
    kind: str,
    truth_for: set[str],
    fields: set[str],
    redaction: dict[str, Any] | None,
    tag: dict[str, Any],
    counts: Counts,
) -> list[tuple[dict[str, Any], bool]]:
    """(scenario, has ground truth) per usable session; sessions without a prompt or answer fail."""
    rules = redactor(redaction)
    built = []
    for session in sessions:
        blank = [t for t in session.traces if not t.user_prompt.strip() or not t.assistant_response.strip()]
        if not session.traces or blank:
            counts.failed += 1
            counts.error("MISSING_TURN_CONTENT", session.session_id)
            continue
        truth = fields if session.session_id in truth_for else set()
        example = scenario(session, kind, truth, tag)
        if redaction is not None:
            counts.scanned += 1
            example = _redact_doc(example, rules, counts)
        built.append((example, bool(truth)))
    return built


def error_details(counts: Counts) -> list[dict[str, Any]]:
    """GenerationErrorDetail per code, most frequent first, at most 10."""
    ranked = sorted(counts.errors.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MAX_ERROR_CODES]
    messages = {
        "SESSION_NOT_FOUND": "No session with this ID is in the source and time window",
        "TRACE_NOT_FOUND": "No trace with this ID is in the source and time window",
        "MISSING_TURN_CONTENT": "A turn of the session has no user input or no final answer",
    }
    return [
        {"errorCode": code, "errorMessage": messages.get(code, code), "count": len(ids),
         "sessionIds": ids[:MAX_ERROR_SESSIONS]}
        for code, ids in ranked
    ]  # fmt: skip
