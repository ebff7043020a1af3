"""How cheaply `evalctl run` waits: a 30-minute batch job on the emulator's controllable clock.

The waiter's clock is the emulator's: sleeping advances emulator time, so half an hour of job
takes well under a second of real time. Prints GetBatchEvaluation calls and how late the waiter
noticed the finish (targets: at most 20 calls, within 2 s).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from evalctl.emulator.testing import running_emulator
from evalctl.runner.waiter import Schedule, wait
from evalctl.spec.mapping import window

SPAN_FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "data" / "spans"

JOB_SECONDS = 1800.0
SESSIONS = 30
SERVICE = "bench_agent.DEFAULT"


class EmulatorClock:
    """Time is the emulator's; sleeping moves it forward instead of waiting."""

    def __init__(self, admin) -> None:
        self.admin = admin

    def now(self) -> float:
        return self.admin.now()

    def sleep(self, seconds: float) -> None:
        self.admin.advance_clock(seconds)


def main() -> None:
    files = [
        SPAN_FIXTURES / "raw_otel_strands_bedrock_spans.json",
        SPAN_FIXTURES / "raw_otel_strands_bedrock_runtime_logs.json",
    ]
    with running_emulator() as emu:
        pending, per_session = 5.0, JOB_SECONDS / SESSIONS
        emu.admin.configure(batch_pending_seconds=pending, batch_session_seconds=per_session)
        for _ in range(SESSIONS):
            emu.admin.seed([str(f) for f in files], SERVICE, fresh_session_ids=True)
        data = emu.client("bedrock-agentcore")
        now = dt.datetime.fromtimestamp(emu.admin.now(), dt.UTC)
        job = data.start_batch_evaluation(
            batchEvaluationName="bench_wait",
            evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
            dataSourceConfig={
                "cloudWatchLogs": {
                    "serviceNames": [SERVICE],
                    "filterConfig": {"timeRange": window("1d", now)},
                }
            },
        )
        job_id = job["batchEvaluationId"]
        emu.admin.clear_call_counts()
        clock = EmulatorClock(emu.admin)
        started, real = clock.now(), time.monotonic()
        final = wait(
            lambda: data.get_batch_evaluation(batchEvaluationId=job_id),
            timeout=4 * JOB_SECONDS,
            clock=clock,
            schedule=Schedule(),
        )
        observed = clock.now()
        polls = emu.admin.call_counts().get("GetBatchEvaluation", 0)
        # The emulator's schedule is exact: pending, then one session after another.
        finished = job["createdAt"].timestamp() + pending + SESSIONS * per_session
        results = final.get("evaluationResults") or {}
    total = results.get("totalNumberOfSessions")
    print(f"job: {total} sessions, {finished - started:,.0f} s of emulator time, status {final['status']}")
    print(f"GetBatchEvaluation calls while waiting: {polls} (target <= 20)")
    print(f"noticed the finish {observed - finished:.2f} s after it happened (target <= 2 s)")
    print(f"real time for the whole wait: {time.monotonic() - real:.2f} s")


if __name__ == "__main__":
    main()
