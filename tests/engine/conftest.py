"""The real-engine tier: the Pulumi CLI built from its Go modules (`make engine`) drives our program.

Skipped with its reason when the engine is not built (no Go, or `make engine` not run): the reproduced
harness of tests/program and tests/providers covers the same lifecycles without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from evalctl.emulator.testing import EmulatorHandle, running_emulator

if TYPE_CHECKING:
    from tests.engine.workspace import EngineStack

ROOT = Path(__file__).resolve().parents[2]
ENGINE = Path(os.environ.get("EVALCTL_ENGINE_ROOT", ROOT / ".engine"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this folder's tests when no engine was built."""
    if (ENGINE / "bin" / "pulumi").is_file() and (ENGINE / "bin" / "pulumi-resource-pulumi-python").is_file():
        return
    reason = f"the Pulumi engine is not built at {ENGINE}/bin (run `make engine`; needs Go)"
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def emulator() -> Iterator[EmulatorHandle]:
    """A fresh emulator with fast lifecycles and the demo's two recorded sessions seeded."""
    from tests.engine.workspace import FAST, SERVICE, SESSIONS

    with running_emulator() as handle:
        handle.admin.reset()  # moto's backends are per process: start from an empty account
        handle.admin.configure(**FAST)
        for pair in SESSIONS:
            handle.admin.seed(pair, SERVICE)
        yield handle


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A copy of the example specs the test may edit."""
    from tests.examples import copy_examples

    folder = tmp_path / "evaluations"
    copy_examples(folder)
    # The dataset batch invokes a running agent (tests/emulator/test_dataset_batch.py, tests/agent).
    (folder / "batch" / "support-regression.yaml").unlink()
    return folder


@pytest.fixture
def stack(tmp_path: Path, emulator: EmulatorHandle, specs: Path) -> EngineStack:
    """A fresh `local` stack of the example program over `specs`, against `emulator`."""
    from tests.engine.workspace import engine_stack, external_foundations

    return engine_stack(tmp_path, emulator, specs, external_foundations(emulator, specs))
