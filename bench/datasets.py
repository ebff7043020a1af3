"""Sync a 1,000-scenario dataset through the real provider server, then change 1 scenario; count calls.

Steps: create (publish on), an unchanged re-run (diff only), then one scenario's expected response
changes. The emulator counts every call it serves; the figures go in README.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.dataset import DatasetProvider  # noqa: E402
from evalctl.emulator.testing import running_emulator  # noqa: E402
from tests.providers.harness import ProviderServer, provider_input, urn  # noqa: E402

COUNT = int(os.environ.get("BENCH_SCENARIOS", "1000"))
URN = urn("dataset-bench", "dynamic/dataset:Dataset", stack="bench")
WRITES = ("CreateDataset", "AddDatasetExamples", "UpdateDatasetExamples", "DeleteDatasetExamples",
          "CreateDatasetVersion", "DeleteDataset")  # fmt: skip


def scenario(index: int, answer: str) -> dict[str, Any]:
    return {
        "scenario_id": f"case-{index:04d}",
        "turns": [{"input": f"Where is order {index}?", "expected_response": answer}],
        "expected_trajectory": ["lookup_order"],
    }


def props(answers: list[str]) -> dict[str, Any]:
    return {
        "datasetName": "bench_cases",
        "schemaType": "AGENTCORE_EVALUATION_PREDEFINED_V1",
        "scenarios": [scenario(i, a) for i, a in enumerate(answers)],
        "publish": True,
        "source": "evaluations/datasets/bench.yaml",
        "ownerUrn": urn("dataset-bench", "x/dataset", stack="bench"),
        "__provider": provider_input(DatasetProvider()),
    }


def step(emu: Any, label: str, action: Any) -> Any:
    emu.admin.clear_call_counts()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    counts = emu.admin.call_counts()
    writes = {k: counts[k] for k in WRITES if counts.get(k)}
    print(f"{label:<34} {seconds:6.2f} s  writes {writes}  all calls {sum(counts.values())}")
    return result, writes


def main() -> int:
    answers = ["Shipped."] * COUNT
    with running_emulator() as emu:
        emu.admin.configure(resource_seconds=0.0, delete_seconds=0.05)
        config = {"evalctl:endpoint": emu.endpoint, "aws:region": "us-east-1",
                  "evalctl:pollSeconds": "0.02"}  # fmt: skip
        env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        with ProviderServer(config=config, env=env) as server:
            label = f"create {COUNT} scenarios + publish"
            state, _ = step(emu, label, lambda: server.up(URN, props(answers)))
            step(emu, "unchanged re-run", lambda: server.up(URN, props(answers), state))
            answers[COUNT // 2] = "Delivered yesterday."
            changed, writes = step(emu, "change 1 scenario", lambda: server.up(URN, props(answers), state))
            print(f"version after the change: {changed.outputs['datasetVersion']}")
            ok = writes == {"UpdateDatasetExamples": 1, "CreateDatasetVersion": 1}
            print("exactly 1 UpdateDatasetExamples + 1 CreateDatasetVersion:", "yes" if ok else "NO")
            server.destroy(changed)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
