"""Dataset batches in the emulator against a real HTTP agent, next to the agent's own time, one scenario
at a time and PARALLEL at a time (`dataset_parallel_scenarios`, what `evalctl run --parallel` sets).

Side by side in one run, for an agent taking 50 ms and 200 ms a turn: (1) the same invocations sent
straight to the agent one after another (its own time, telemetry export included); (2) the dataset
batch with 1, then PARALLEL scenarios at a time: Start, every turn through the emulator, telemetry
awaited over OTLP, scoring, until GetBatchEvaluation is terminal. The ratios go in README.md.
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

COUNT = int(os.environ.get("BENCH_SCENARIOS", "50"))
WORKS = [float(w) for w in os.environ.get("BENCH_AGENT_SECONDS", "0.05,0.2").split(",")]
PARALLEL = int(os.environ.get("BENCH_PARALLEL", "4"))


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


def batch(emulator: object, label: str, parallel: int) -> tuple[float, dict[str, object]]:
    emulator.admin.configure(dataset_parallel_scenarios=parallel)  # type: ignore[attr-defined]
    control = emulator.client("bedrock-agentcore-control")  # type: ignore[attr-defined]
    data = emulator.client("bedrock-agentcore")  # type: ignore[attr-defined]
    examples = [{"scenario_id": f"case-{i:03d}", "turns": [{"input": p, "expected_response": "Tomorrow."}]}
                for i, p in enumerate(prompts())]  # fmt: skip
    made = control.create_dataset(
        datasetName=f"bench_cases_{label}", source={"inlineExamples": {"examples": examples}}
    )
    emulator.admin.advance_clock(1)  # type: ignore[attr-defined]
    control.create_dataset_version(datasetId=made["datasetId"])
    emulator.admin.advance_clock(1)  # type: ignore[attr-defined]
    began = time.perf_counter()
    job_id = data.start_batch_evaluation(
        batchEvaluationName=f"bench_{label}",
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


def counts(job: dict[str, object]) -> str:
    results: dict[str, int] = job["evaluationResults"]  # type: ignore[assignment]
    return f"{job['status']} {results['numberOfSessionsCompleted']}/{results['numberOfSessionsFailed']}"


def main() -> None:
    print(f"{COUNT} one-turn scenarios; batch seconds (x the agent's own time), status completed/failed")
    print(f"{'agent s/turn':>12} {'own time s':>10} {'1 at a time':>20} {f'{PARALLEL} at a time':>20}"
          f" {'floor at ' + str(PARALLEL):>11} {'speed-up':>9}  outcomes")  # fmt: skip
    with running_emulator() as emulator:
        answers = {p: Behaviour("It ships tomorrow.", ["track_order"]) for p in prompts()}
        for work in WORKS:
            agent = FixtureAgent(emulator.endpoint, answers, work_seconds=work)
            url = agent.start()
            emulator.admin.map_agents({RUNTIME: url})
            own = direct(url)
            runs = [batch(emulator, f"{int(work * 1000)}ms_n{n}", n) for n in (1, PARALLEL)]
            agent.stop()
            (one, job1), (many, job_n) = runs
            same = "same" if counts(job1) == counts(job_n) else "DIFFER"
            outcomes = f"{counts(job1)}, {counts(job_n)} ({same})"
            print(f"{work:>12g} {own:>10.2f} {one:>9.2f} ({one / own:.2f}x) {many:>9.2f} ({many / own:.2f}x)"
                  f" {own / PARALLEL:>11.2f} {one / many:>8.2f}x  {outcomes}")  # fmt: skip


if __name__ == "__main__":
    main()
