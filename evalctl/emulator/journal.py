"""An append-only change log next to the state file, so that frequent small changes (a dataset job's
per-scenario progress) cost one line each instead of a save of the whole state.

Lines go to `agentcore.journal.<generation>.jsonl`. A whole-state save starts a new generation and,
once the state file is replaced, deletes the older journals: the state file names the first generation
not in it, and loading replays that one and any later, in order (replaying a change twice is harmless:
each line sets values). A last line cut short by a crash is ignored, as a save cut short leaves the
previous state file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

PATTERN = re.compile(r"^agentcore\.journal\.(\d+)\.jsonl$")

# (path inside the record, value): ["_progress", "3"] sets record["_progress"]["3"].
Change = tuple[list[str], Any]


def path(data_dir: Path, generation: int) -> Path:
    return data_dir / f"agentcore.journal.{generation}.jsonl"


def append(data_dir: Path, generation: int, table: str, key: str, changes: list[Change]) -> None:
    """One line for changes to one record (written whole, then flushed by closing)."""
    line = json.dumps({"table": table, "key": key, "set": changes}, sort_keys=True, default=str)
    data_dir.mkdir(parents=True, exist_ok=True)
    with path(data_dir, generation).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def generations(data_dir: Path) -> list[int]:
    """The journals present, oldest first."""
    found = (PATTERN.match(p.name) for p in data_dir.iterdir()) if data_dir.is_dir() else iter(())
    return sorted(int(m.group(1)) for m in found if m)


def replay(data_dir: Path, tables: dict[str, dict[str, dict[str, Any]]], first: int) -> int:
    """Apply the journals from generation `first` on; how many lines were applied."""
    applied = 0
    for generation in (g for g in generations(data_dir) if g >= first):
        for line in path(data_dir, generation).read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                break  # cut short by a crash: nothing after it was written
            record = tables.get(entry["table"], {}).get(entry["key"])
            if record is not None:  # a record deleted after the line was written keeps nothing
                _apply(record, entry["set"])
            applied += 1
    return applied


def _apply(record: dict[str, Any], changes: list[Change]) -> None:
    for keys, value in changes:
        target = record
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value


def remove_through(data_dir: Path, generation: int) -> None:
    """Delete the journals a saved state file now holds."""
    for old in (g for g in generations(data_dir) if g <= generation):
        path(data_dir, old).unlink(missing_ok=True)
