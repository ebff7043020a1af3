"""Per-scenario progress saving of a 1,000-scenario dataset job in an emulator with --data-dir.

Each scenario is reported twice (INVOKED, then DONE with its outcome) through the real reporter
(evalctl.emulator.dataset_progress.reporter) into a Core whose state holds the job's plan (1,000
examples) and the dataset's DRAFT and version 1 (1,000 examples each), as in a real run. Printed: the
reporter's cost per step (mean, and over the last 200 steps, when the state is largest), next to what
one whole-state save (`Store.save`) costs at that size (what every step cost when the reporter saved
the whole state), then a restart's load: the state file plus the journal replayed, then compacted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalctl.emulator import dataset_progress  # noqa: E402
from evalctl.emulator.core import Core  # noqa: E402

COUNT = 1000
JOB = "bench-0123456789"


def example(i: int) -> dict[str, Any]:
    turn = {"input": f"Where is order ORD-{i:04d}? It was due last week.", "expected_response": "Tomorrow."}
    return {"scenario_id": f"case-{i:04d}", "turns": [turn], "assertions": ["The agent gives a date."]}


def outcome(i: int, session_id: str) -> dict[str, Any]:
    result = {
        "evaluatorId": "Builtin.Correctness",
        "value": 1.0,
        "label": "Good",
        "traceId": uuid.uuid4().hex,
        "explanation": "The reply gives the delivery date the customer asked for. " * 3,
    }
    return {"sessionId": session_id, "scenarioId": f"case-{i:04d}", "results": [result], "failed": False}


def seeded(data_dir: Path) -> Core:
    core = Core(data_dir)
    examples = [example(i) for i in range(COUNT)]
    core.store.table("datasets")["cases-0123456789"] = {"examples": {"DRAFT": examples, "1": examples}}
    plan = {"examples": examples, "telemetryTimeout": 30, "startedMs": 0}
    core.store.table("batches")[JOB] = {
        "batchEvaluationId": JOB,
        "status": "IN_PROGRESS",
        "_spec": {"dataset": plan, "region": "us-east-1"},
    }
    core.store.save()
    return core


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        core = seeded(Path(tmp))
        report = dataset_progress.reporter(core, "batches", JOB)
        steps: list[float] = []
        for i in range(COUNT):
            session_id = str(uuid.uuid4())
            invoked = {"sessionId": session_id, "state": dataset_progress.INVOKED}
            done = {**invoked, "state": dataset_progress.DONE, "outcome": outcome(i, session_id)}
            for entry in (invoked, done):
                began = time.perf_counter()
                report(i, entry)
                steps.append(time.perf_counter() - began)
        began = time.perf_counter()
        loaded = Core(Path(tmp))  # a restart with no save since the job's start: the whole journal
        load = time.perf_counter() - began
        progress = dataset_progress.of(loaded.store.table("batches")[JOB])
        assert len(progress) == COUNT and all(e["state"] == dataset_progress.DONE for e in progress.values())
        saves = []
        for _ in range(20):
            began = time.perf_counter()
            loaded.store.save()
            saves.append(time.perf_counter() - began)
    late = statistics.mean(steps[-200:])
    print(
        f"{COUNT} scenarios, {len(steps)} progress steps: reporter "
        f"{statistics.mean(steps) * 1e3:.3f} ms per step (last 200: {late * 1e3:.3f} ms); one whole-state "
        f"save at the end: {statistics.median(saves) * 1e3:.2f} ms; restart load (journal replayed, "
        f"compacted): {load * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
