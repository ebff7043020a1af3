"""Run many random lifecycle sequences (tests/providers/test_lifecycle_model.py) and print the totals.

BENCH_SEQUENCES (default 200) sequences of up to BENCH_STEPS (default 50) steps each, through the
real provider server into a fresh emulator. Prints sequences run, steps, and violations (target 0).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Dummy credentials: the emulator signs nothing, and nothing here may reach real AWS.
for _key, _value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis.stateful import invariant  # noqa: E402

from evalctl.emulator.testing import running_emulator  # noqa: E402
from tests.providers.conftest import server_config  # noqa: E402
from tests.providers.harness import ProviderServer  # noqa: E402
from tests.providers.test_lifecycle_model import LifecycleMachine  # noqa: E402

SEQUENCES = int(os.environ.get("BENCH_SEQUENCES", "200"))
STEPS = int(os.environ.get("BENCH_STEPS", "50"))


class Counting(LifecycleMachine):
    """The model-based machine, counting sequences and steps across the run."""

    sequences = 0
    steps = 0
    deployments = 0

    def __init__(self) -> None:
        super().__init__()
        Counting.sequences += 1

    def check(self) -> None:
        Counting.deployments += 1
        super().check()

    @invariant()
    def no_violation(self) -> None:  # hypothesis checks invariants after every step
        Counting.steps += 1
        super().no_violation()


def main() -> int:
    """Run the sequences; exit 1 on the first violation, printed with its sequence."""
    started = time.monotonic()
    with running_emulator() as emulator:
        config = server_config(
            emulator.endpoint, maxAttempts="8", retryBaseSeconds="0.02", pollSeconds="0.02"
        )
        with ProviderServer(config=config) as server:
            Counting.server, Counting.emulator = server, emulator
            case: Any = Counting.TestCase
            case.settings = settings(
                max_examples=SEQUENCES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            )
            violations = 0
            try:
                case().runTest()
            except Exception as exc:  # an invariant or a failed `up`: both are violations
                violations = 1
                print(str(exc)[-3000:])
    seconds = time.monotonic() - started
    print(f"sequences run: {Counting.sequences}, steps: {Counting.steps}, deployments checked: "
          f"{Counting.deployments}, violations: {violations}, {seconds:.0f} s")  # fmt: skip
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
