"""A 100-scenario dataset batch in the emulator against a real HTTP agent, next to the agent's own time.

Side by side in one run: (1) the same 100 invocations sent straight to the agent (its own time,
telemetry export included); (2) the dataset batch: Start, every turn through the emulator, telemetry
awaited over OTLP, scoring, until GetBatchEvaluation is terminal. The ratio goes in README.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalctl.emulator.testing import running_emulator  # noqa: E402
from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME, SERVICE, Behaviour, FixtureAgent  # noqa: E402

COUNT = int(os.environ.get("BENCH_SCENARIOS", "100"))
WORK = float(os.environ.get("BENCH_AGENT_SECONDS", "0.05"))


def prompts() -> list[str]:
    return [f"Where is order {i}?" for i in range(COUNT)]


def direct(url: str) -> float:
    """The agent's own time for the same invocations, one fresh session each."""
    began = time.perf_counter()
    for prompt in prompts():
        body = json.dumps({"prompt": prompt}).encode()
        headers = {"Content-Type": "application/json",
                   "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": str(uuid.uuid4())}  # fmt: skip
        with urllib.request.urlopen(urllib.request.Request(f"{url}/invocations", body, headers)) as answer:
            answer.read()
    return time.perf_counter() - began


def batch(emulator: object) -> tuple[float, dict[str, object]]:
    control = emulator.client("bedrock-agentcore-control")  # type: ignore[attr-defined]
    data = emulator.client("bedrock-agentcore")  # type: ignore[attr-defined]
    examples = [{"scenario_id": f"case-{i:03d}", "turns": [{"input": p, "expected_response": "Tomorrow."}]}
                for i, p in enumerate(prompts())]  # fmt: skip
    made = control.create_dataset(
        datasetName="bench_cases", source={"inlineExamples": {"examples": examples}}
    )
    emulator.admin.advance_clock(1)  # type: ignore[attr-defined]
    control.create_dataset_version(datasetId=made["datasetId"])
    emulator.admin.advance_clock(1)  # type: ignore[attr-defined]
    began = time.perf_counter()
    job_id = data.start_batch_evaluation(
        batchEvaluationName="bench",
        evaluators=[{"evaluatorId": "Builtin.Correctness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": [LOG_GROUP]}},
        datasetExecutionConfig={
            "dataset": {"datasetId": made["datasetId"]},
            "agentInvocation": {"agentCoreRuntime": {"agentRuntimeEndpointArn": ENDPOINT_ARN}},
        },
    )["batchEvaluationId"]
    emulator.admin.advance_clock(2)  # type: ignore[attr-defined]  # past PENDING: the run is real time
    while True:
        job = data.get_batch_evaluation(batchEvaluationId=job_id)
        if job["status"] not in ("PENDING", "IN_PROGRESS"):
            return time.perf_counter() - began, job
        time.sleep(0.02)


def main() -> None:
    with running_emulator() as emulator:
        answers = {p: Behaviour("It ships tomorrow.", ["track_order"]) for p in prompts()}
        agent = FixtureAgent(emulator.endpoint, answers, work_seconds=WORK)
        url = agent.start()
        emulator.admin.map_agents({RUNTIME: url})
        own = direct(url)
        took, job = batch(emulator)
        agent.stop()
    results = job["evaluationResults"]
    done, failed = results["numberOfSessionsCompleted"], results["numberOfSessionsFailed"]
    print(
        f"{COUNT} scenarios, agent work {WORK:g} s each: agent's own time {own:.2f} s, dataset batch "
        f"{took:.2f} s ({took / own:.2f}x), {job['status']}, {done} completed / {failed} failed"
    )


if __name__ == "__main__":
    main()
