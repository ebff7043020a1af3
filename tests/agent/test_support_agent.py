"""The example support agent as a real process: invoked through the emulator, its OTLP telemetry scored."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalctl.engine.spans import sessions_from_documents
from tests.agent.example_agent import _poll, agent_process

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "evaluations" / "datasets" / "support-scenarios.yaml"
ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
LOG_GROUP = "/aws/bedrock-agentcore/runtimes/support_agent-abcdefghij-DEFAULT"


@pytest.fixture(scope="module")
def agent_url(_emulator_session: Any) -> Iterator[str]:
    """The agent on a free port, exporting to the emulator every 100 ms."""
    resource = f"{ARN}/runtime-endpoint/DEFAULT"
    with agent_process(_emulator_session.endpoint, "support_agent.DEFAULT", LOG_GROUP, resource) as url:
        yield url


@pytest.fixture
def invoke(emulator: Any, agent_url: str) -> Callable[[str, str], str]:
    """InvokeAgentRuntime through the emulator, which forwards to the agent; returns the reply."""
    emulator.admin.map_agents({ARN: agent_url})
    client = emulator.client("bedrock-agentcore")

    def call(session: str, prompt: str) -> str:
        answer = client.invoke_agent_runtime(
            agentRuntimeArn=ARN, runtimeSessionId=session, payload=json.dumps({"prompt": prompt}).encode()
        )
        body = json.loads(answer["response"].read())
        assert body["session"] == session
        return str(body["result"])

    return call


def _scenarios() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = yaml.safe_load(DATASET.read_text())["spec"]["scenarios"]
    return found


def _scenario(scenario_id: str) -> dict[str, Any]:
    return next(s for s in _scenarios() if s["scenario_id"] == scenario_id)


def _telemetry(emulator: Any, session: str, turns: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The session's spans and runtime log records, once every turn's agent span and record are in."""
    logs = emulator.client("logs")

    def read(group: str) -> list[dict[str, Any]]:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [json.loads(e["message"]) for e in events]

    def complete() -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        spans = [d for d in read("aws/spans") if d["attributes"].get("session.id") == session]
        records = [d for d in read(LOG_GROUP) if (d.get("attributes") or {}).get("session.id") == session]
        agents = {d["spanId"] for d in spans if d["name"].startswith("invoke_agent")}
        # Spans and records export in the order they end; the agent span of a turn ends last.
        done = len(agents) == turns and agents <= {r["spanId"] for r in records}
        return (spans, records) if done else None

    found: tuple[list[dict[str, Any]], list[dict[str, Any]]] = _poll(f"telemetry of {session}", complete)
    return found


def test_a_failing_tool_is_recorded_and_scored(emulator: Any, invoke: Any) -> None:
    session = "support-unknown-order-0123456789abcdef"
    scenario = _scenario("unknown-order")
    reply = invoke(session, scenario["turns"][0]["input"])
    assert reply == scenario["turns"][0]["expected_response"]
    spans, records = _telemetry(emulator, session, 1)
    names = sorted(d["name"] for d in spans)
    assert names == sorted(
        ["invoke_agent support_agent", "execute_event_loop_cycle", "execute_event_loop_cycle",
         "chat", "chat", "execute_tool lookup_order"]
    )  # fmt: skip
    assert {d["scope"]["name"] for d in spans} == {"strands.telemetry.tracer"}
    assert {d["resource"]["attributes"]["service.name"] for d in spans} == {"support_agent.DEFAULT"}
    (tool,) = [d for d in spans if d["name"] == "execute_tool lookup_order"]
    assert tool["status"]["code"] == "ERROR"
    assert tool["attributes"]["gen_ai.tool.status"] == "error"
    assert tool["attributes"]["gen_ai.operation.name"] == "execute_tool"
    (agent,) = [d for d in spans if d["name"].startswith("invoke_agent")]
    assert agent["attributes"]["gen_ai.request.model"] == "scripted-support-v1"
    assert agent["attributes"]["gen_ai.usage.total_tokens"] > 0
    # The engine reads the session as the service would: prompt, reply, and the failed call.
    (parsed,) = sessions_from_documents(spans + records)
    (trace,) = parsed.traces
    assert (trace.user_prompt, trace.assistant_response.strip()) == (scenario["turns"][0]["input"], reply)
    (call,) = trace.tool_calls
    assert (call.name, call.arguments) == ("lookup_order", {"order_id": "ORD-9999"})
    assert call.error is not None


def test_evaluate_scores_the_sessions_against_the_dataset(emulator: Any, invoke: Any) -> None:
    data = emulator.client("bedrock-agentcore")
    scores = {}
    for scenario in _scenarios():
        scenario_id = scenario["scenario_id"]
        session = f"support-{scenario_id}-0123456789abcdefgh"
        for turn in scenario["turns"]:
            invoke(session, turn["input"])
        spans, records = _telemetry(emulator, session, len(scenario["turns"]))
        answer = data.evaluate(
            evaluatorId="Builtin.TrajectoryInOrderMatch",
            evaluationInput={"sessionSpans": spans + records},
            evaluationReferenceInputs=[
                {
                    "context": {"spanContext": {"sessionId": session}},
                    "expectedTrajectory": {"toolNames": scenario["expected_trajectory"]},
                }
            ],
        )
        (result,) = answer["evaluationResults"]
        assert result["context"]["spanContext"]["sessionId"] == session
        scores[scenario_id] = result["value"]
    # Every scenario follows its expected trajectory but late-return, the dataset's deliberate miss.
    assert scores.pop("late-return") == 0.0
    assert set(scores.values()) == {1.0} and len(scores) == 5


def _content(spans: list[dict[str, Any]]) -> list[Any]:
    """What must not change between runs: names, statuses, attributes and events less ids and times."""
    volatile = ("time", "session.id", "cycle_id")
    rows = []
    for doc in spans:
        attributes = {k: v for k, v in doc["attributes"].items() if not any(w in k for w in volatile)}
        events = [(e["name"], e.get("attributes")) for e in doc.get("events", [])]
        rows.append((doc["name"], doc["status"], doc["kind"], attributes, events))
    return sorted(rows, key=json.dumps)


def test_same_input_same_spans(emulator: Any, invoke: Any) -> None:
    prompt = _scenario("refund-eligible")["turns"][0]["input"]
    runs = []
    for session in ("support-determinism-a-0123456789abcdef", "support-determinism-b-0123456789abcdef"):
        invoke(session, prompt)
        runs.append(_content(_telemetry(emulator, session, 1)[0]))
    assert runs[0] == runs[1]
    assert len(runs[0]) == 9  # agent, 3 cycles, 3 model calls, lookup_order, refund_policy
