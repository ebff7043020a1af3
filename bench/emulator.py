"""Emulator figures: Get/Create requests per second, a 100-session batch, and the same IAM and Logs
calls against moto's own server side by side (ratio ours/moto).

By default the emulator runs as `evalctl emulator` in its own process (as users and the providers
meet it); `--in-process` serves it from a thread of this process instead, as the pytest fixture
does, where client and server share one interpreter lock.

Run: .venv/bin/python bench/emulator.py [--requests N] [--sessions N] [--threads N] [--in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import versus_moto  # noqa: E402  (beside this script)

from evalctl.emulator.testing import Admin, EmulatorHandle, running_emulator  # noqa: E402

SPANS = ROOT / "tests" / "data" / "spans"
FILES = [SPANS / "raw_otel_langchain_spans.json", SPANS / "raw_otel_langchain_runtime_logs.json"]
JUDGE = {
    "llmAsAJudge": {
        "instructions": "Rate {assistant_turn}",
        "ratingScale": {"numerical": [{"definition": "bad", "value": 0.0, "label": "Bad"},
                                      {"definition": "good", "value": 1.0, "label": "Good"}]},
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
    }
}  # fmt: skip
HANDLER = "def lambda_handler(event, context):\n    return {'label': 'ok', 'value': 1.0}\n"


CHILD: dict[str, int] = {}


def cpu_seconds() -> float:
    """CPU time of this process plus the emulator child, if any (Linux /proc; else ours only)."""
    total = time.process_time()
    pid = CHILD.get("pid")
    if pid:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return total


def rate(label: str, calls: int, threads: int, fn: object) -> None:
    """Wall rate, and the rate per CPU-second of client + server (steadier on a busy machine)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(fn, range(calls)))  # type: ignore[arg-type]
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    print(
        f"{label:<18} {calls / elapsed:6.0f} req/s wall, {calls / used:6.0f} req/CPU-s "
        f"({calls} calls, {threads} thread(s), {elapsed:.2f} s)"
    )


def raw_rate(endpoint: str, evaluator_id: str, calls: int) -> None:
    """Server capacity: GetEvaluator over one kept-alive connection with a minimal HTTP client."""
    host, port = endpoint.removeprefix("http://").split(":")
    auth = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/bedrock-agentcore/aws4_request, Signature=x"
    connection = http.client.HTTPConnection(host, int(port))
    started, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(calls):
        connection.request("GET", f"/evaluators/{evaluator_id}", headers={"Authorization": auth})
        response = connection.getresponse()
        assert response.status == 200, response.read()
        response.read()
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    connection.close()
    print(f"{'GetEvaluator (raw)':<18} {calls / elapsed:6.0f} req/s wall, {calls / used:6.0f} req/CPU-s "
          f"({calls} calls on one keep-alive connection, no boto3)")  # fmt: skip


def code_evaluator(handle: object, control: object) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = handle.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=trust)  # type: ignore[attr-defined]
    fn = handle.client("lambda").create_function(  # type: ignore[attr-defined]
        FunctionName="bench", Runtime="python3.11", Role=role["Role"]["Arn"],
        Handler="lambda_function.lambda_handler", Code={"ZipFile": buffer.getvalue()},
    )  # fmt: skip
    config = {"codeBased": {"lambdaConfig": {"lambdaArn": fn["FunctionArn"]}}}
    created = control.create_evaluator(evaluatorName="bench_code", level="SESSION", evaluatorConfig=config)  # type: ignore[attr-defined]
    return str(created["evaluatorId"])


def batch(handle: object, sessions: int) -> None:
    control = handle.client("bedrock-agentcore-control")  # type: ignore[attr-defined]
    data = handle.client("bedrock-agentcore")  # type: ignore[attr-defined]
    seeded = time.perf_counter()
    for _ in range(sessions):
        handle.admin.seed(FILES, "bench.DEFAULT", fresh_session_ids=True)  # type: ignore[attr-defined]
    seed_time = time.perf_counter() - seeded
    evaluators = [{"evaluatorId": "Builtin.Helpfulness"}, {"evaluatorId": code_evaluator(handle, control)}]
    handle.admin.advance_clock(5)  # type: ignore[attr-defined]
    started = time.perf_counter()
    job = data.start_batch_evaluation(
        batchEvaluationName="bench", evaluators=evaluators,
        insights=[{"insightId": "Builtin.Insight.ExecutionSummary"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["bench.DEFAULT"]}},
    )  # fmt: skip
    handle.admin.advance_clock(24 * 3600)  # type: ignore[attr-defined]
    done = data.get_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    elapsed = time.perf_counter() - started
    results = done["evaluationResults"]
    print(f"seeding {sessions} sessions: {seed_time:.2f} s")
    print(
        f"batch of {results['totalNumberOfSessions']} sessions (Helpfulness + code-based Lambda + insight): "
        f"{done['status']} in {elapsed:.2f} s wall "
        f"({sum(s['totalEvaluated'] for s in results['evaluatorSummaries'])} evaluations)"
    )


@contextlib.contextmanager
def separate_process() -> Iterator[EmulatorHandle]:
    """`evalctl emulator --port 0` as a child process; stopped (by its pid) on exit."""
    command = [str(Path(sys.executable).parent / "evalctl"), "emulator", "--port", "0"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    CHILD["pid"] = child.pid
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip().rsplit(" ", 1)[-1]
        yield EmulatorHandle(endpoint, Admin(endpoint))
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--in-process", action="store_true", help="serve from a thread of this process")
    parser.add_argument("--no-moto", action="store_true", help="skip the side-by-side run against moto")
    args = parser.parse_args()
    print("emulator:", "in-process thread" if args.in_process else "separate `evalctl emulator` process")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    with running_emulator() if args.in_process else separate_process() as handle:
        handle.admin.configure(max_evaluators=1_000_000)
        control = handle.client("bedrock-agentcore-control")
        created = control.create_evaluator(evaluatorName="probe", level="TRACE", evaluatorConfig=JUDGE)
        evaluator_id = created["evaluatorId"]
        for threads in sorted({1, args.threads}):
            get = lambda _: control.get_evaluator(evaluatorId=evaluator_id)  # noqa: E731
            rate("GetEvaluator", args.requests, threads, get)
            rate("CreateEvaluator", args.requests, threads,
                 lambda i, t=threads: control.create_evaluator(evaluatorName=f"b{t}_{i}", level="TRACE",
                                                                evaluatorConfig=JUDGE))  # fmt: skip
        raw_rate(handle.endpoint, evaluator_id, args.requests)
        handle.admin.reset()
        batch(handle, args.sessions)
    if not args.no_moto:
        print("\nside by side with moto's own server (bench/versus_moto.py):")
        versus_moto.main(args.requests)


if __name__ == "__main__":
    main()
