"""A `make demo` chapter: the example agent's own traces grow its dataset and tune its system prompt."""

from __future__ import annotations

import difflib
import json
import shutil
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from evalctl import awsops

DATASET = "support-scenarios"
EVALUATOR = "Builtin.ToolSelectionAccuracy"  # TOOL_CALL level: the offline judge rates a failed call 0
PROMPT_FILE = "system_prompt.md"  # the example agent reads its prompt from this file
# Questions the reviewed dataset does not hold yet; ORD-4242 does not exist, so its lookup fails.
TURNS = (
    "Has ORD-1001 been delivered yet?",
    "Where is my parcel ORD-4242?",
    "What is your refund policy for opened items?",
)
# The emulator's job lifecycles last seconds by default; the demo shortens them (its clock is real time).
FAST = {"resource_seconds": 0.05, "generation_session_seconds": 0.1,
        "recommendation_pending_seconds": 0.05, "recommendation_run_seconds": 0.1}  # fmt: skip
WIDTH = 106  # diff lines are cut to the demo's text width; the file holds them whole


def talk(agent: str, prompt: str) -> str:
    """One turn in a new session of the running agent (POST /invocations); the session id."""
    session = f"demo-{uuid.uuid4().hex[:8]}"  # short: it becomes the generated scenario's id
    request = urllib.request.Request(
        f"{agent}/invocations",
        json.dumps({"prompt": prompt}).encode(),
        {"Content-Type": "application/json", "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": session},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
    return session


def _docs(logs: Any, group: str) -> list[dict[str, Any]]:
    """The group's documents; none while the group does not exist yet (spans and logs arrive apart)."""
    try:
        events = list(awsops.token_items(logs.filter_log_events, "events", logGroupName=group))
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"]) for e in events]


def _arrived(logs: Any, sessions: list[str]) -> str | None:
    """The runtime log group once every session's root span and that span's log record are stored."""
    from evalctl.emulator.settings import RUNTIME_LOG_PREFIX, SPANS_LOG_GROUP

    groups = logs.describe_log_groups(logGroupNamePrefix=RUNTIME_LOG_PREFIX)["logGroups"]
    if not groups:
        return None
    group = str(groups[0]["logGroupName"])
    # The root span ends last; its log record is emitted when it ends: both stored means the turn is.
    roots = {(d["attributes"].get("session.id"), d["spanId"]) for d in _docs(logs, SPANS_LOG_GROUP)
             if not d.get("parentSpanId")}  # fmt: skip
    records = {(d["attributes"].get("session.id"), d.get("spanId")) for d in _docs(logs, group)}
    return group if all(any(r in records for r in roots if r[0] == s) for s in sessions) else None


def wait_for_telemetry(logs: Any, sessions: list[str], seconds: float = 20.0) -> str:
    """Poll until the agent's exports of these sessions are stored; the runtime log group."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        group = _arrived(logs, sessions)
        if group is not None:
            return group
        time.sleep(0.1)
    raise TimeoutError(f"the agent's telemetry for {len(sessions)} session(s) did not arrive in {seconds:g}s")


def _review_order(scenario: dict[str, Any]) -> dict[str, Any]:
    """What a reviewer reads first leads the line: the id, the turns, the expectations; metadata last."""
    first = ("scenario_id", "turns", "expected_trajectory", "assertions")
    rest = sorted(k for k in scenario if k not in first and k != "metadata")
    keys = [k for k in (*first, *rest, "metadata") if k in scenario]
    return {k: scenario[k] for k in keys}


def scenario_diff(reviewed: list[dict[str, Any]], generated: list[dict[str, Any]], label: str) -> str:
    """The dataset's scenarios before and after the generated ones, one JSON line each, as a PR shows."""

    def lines(items: list[dict[str, Any]]) -> list[str]:
        ordered = sorted(items, key=lambda s: str(s.get("scenario_id")))
        return [json.dumps(_review_order(s), separators=(",", ":")) + "\n" for s in ordered]

    found = difflib.unified_diff(
        lines(reviewed), lines(reviewed + generated), f"{label} (reviewed)", f"{label} (+ generated)", n=1
    )
    return "".join(line if len(line) <= WIDTH else line[: WIDTH - 4] + "...\n" for line in found)


def system_prompt(agent_dir: Path) -> str:
    """The agent's system prompt, kept beside it (the Recommendation spec's promptFile)."""
    return (agent_dir / PROMPT_FILE).read_text(encoding="utf-8").strip()


def copy_specs(specs: Path, into: Path) -> Path:
    """A scratch copy of the specs, so the generated JSONL lands beside a copy of the Dataset spec."""
    target = into / "evaluations"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(specs, target)
    # The Recommendation spec's promptFile lives beside the agent, outside evaluations/.
    prompt = into / "examples" / "support-agent" / PROMPT_FILE
    prompt.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(specs.parent / "examples" / "support-agent" / PROMPT_FILE, prompt)
    return target
