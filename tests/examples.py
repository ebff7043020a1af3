"""Copies of the example specs for tests that edit or move them, with the files they point at outside."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Files outside evaluations/ that example specs reference (the Recommendation's promptFile).
REFERENCED = ("examples/support-agent/system_prompt.md",)


def copy_examples(target: Path) -> Path:
    """evaluations/ copied to `target`, the referenced files beside it as in the repository."""
    shutil.copytree(ROOT / "evaluations", target)
    for name in REFERENCED:
        copied = target.parent / name
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copied)
    return target
