"""Per-scenario progress goes to an append-only journal next to the state file (one line per step),
and a restart replays it exactly; a whole-state save (or a load that replayed lines) compacts it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalctl.emulator import dataset_progress, journal
from evalctl.emulator.core import Core
from evalctl.emulator.state import STATE_FILE

JOB = "job-0123456789"


def _core(data_dir: Path, scenarios: int = 3) -> Core:
    core = Core(data_dir)
    plan = {"examples": [{"scenario_id": f"s{i}"} for i in range(scenarios)], "telemetryTimeout": 30}
    core.store.table("batches")[JOB] = {
        "batchEvaluationId": JOB,
        "status": "IN_PROGRESS",
        "_spec": {"dataset": plan},
    }
    core.store.save()
    return core


def _done(index: int) -> dict[str, Any]:
    outcome = {"sessionId": f"session-{index}", "results": [{"value": 1.0}], "failed": False}
    return {"sessionId": f"session-{index}", "state": dataset_progress.DONE, "outcome": outcome}


def _journal_lines(data_dir: Path) -> int:
    return sum(len(journal.path(data_dir, g).read_text().splitlines()) for g in journal.generations(data_dir))


def test_a_step_appends_one_line_and_leaves_the_state_file_alone(tmp_path: Path) -> None:
    core = _core(tmp_path)
    before = (tmp_path / STATE_FILE).read_bytes()
    report = dataset_progress.reporter(core, "batches", JOB)
    report(0, {"sessionId": "session-0", "state": dataset_progress.INVOKED})
    report(0, _done(0))
    assert (tmp_path / STATE_FILE).read_bytes() == before, "no whole-state save per step"
    assert _journal_lines(tmp_path) == 2


def test_a_restart_without_a_save_resumes_exactly_what_was_reported(tmp_path: Path) -> None:
    core = _core(tmp_path)
    report = dataset_progress.reporter(core, "batches", JOB)
    report(0, _done(0))
    report(1, {"sessionId": "session-1", "state": dataset_progress.INVOKED})
    # The process dies here: no save. The next emulator on this data dir replays the journal.
    again = Core(tmp_path)
    assert again.store.table("batches") == core.store.table("batches")
    assert journal.generations(tmp_path) == [], "the load compacted the journal into the state file"
    saved = json.loads((tmp_path / STATE_FILE).read_text())["tables"]["batches"][JOB]
    assert saved["_progress"] == core.store.table("batches")[JOB]["_progress"]


def test_a_save_compacts_and_later_steps_go_to_the_next_journal(tmp_path: Path) -> None:
    core = _core(tmp_path)
    report = dataset_progress.reporter(core, "batches", JOB)
    report(0, _done(0))
    core.store.save()
    assert journal.generations(tmp_path) == []
    report(1, _done(1))
    assert _journal_lines(tmp_path) == 1
    assert set(dataset_progress.of(Core(tmp_path).store.table("batches")[JOB])) == {"0", "1"}


def test_a_line_cut_short_by_a_crash_is_ignored_and_the_lines_before_it_count(tmp_path: Path) -> None:
    core = _core(tmp_path)
    report = dataset_progress.reporter(core, "batches", JOB)
    report(0, _done(0))
    report(1, _done(1))
    [generation] = journal.generations(tmp_path)
    with journal.path(tmp_path, generation).open("a") as out:
        out.write('{"table": "batches", "key": "' + JOB + '", "set": [[["_progress", "2"]')
    progress = dataset_progress.of(Core(tmp_path).store.table("batches")[JOB])
    assert progress == {"0": _done(0), "1": _done(1)}


def test_journals_a_saved_state_already_holds_are_not_replayed(tmp_path: Path) -> None:
    """A crash after the state file was replaced but before its journals were deleted."""
    core = _core(tmp_path)
    report = dataset_progress.reporter(core, "batches", JOB)
    report(0, {"sessionId": "session-0", "state": dataset_progress.INVOKED})
    [old] = journal.generations(tmp_path)
    kept = journal.path(tmp_path, old).read_text()
    report(0, _done(0))
    core.store.save()
    journal.path(tmp_path, old).write_text(kept)  # left behind: it says INVOKED, the state says DONE
    assert dataset_progress.of(Core(tmp_path).store.table("batches")[JOB]) == {"0": _done(0)}
