"""Determinism: the same `evalctl run --local` over the real Strands captures, 20 times, gives the
same results.json (times and ids aside), and summaries never depend on the string hash seed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from evalctl.emulator import server as emulator_server
from evalctl.emulator.testing import Admin
from evalctl.runner import waiter
from tests.examples import copy_examples

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT.parent / "shared" / "fixtures" / "spans"
SPANS = CAPTURES if CAPTURES.is_dir() else ROOT / "tests" / "data" / "spans"
STRANDS = [
    SPANS / "raw_otel_strands_bedrock_spans.json",
    SPANS / "raw_otel_strands_bedrock_runtime_logs.json",
]
# Generated ids end in `-` plus 10 characters, run names in `_r` plus 6 hex digits; timestamps are
# ISO strings or epoch numbers.
_ID = re.compile(r"-[A-Za-z0-9]{10}\b")
_RUN = re.compile(r"_r[0-9a-f]{6}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?")
_TIME_KEYS = {"createdAt", "updatedAt", "startedAt", "finishedAt", "generatedAt", "startTime", "endTime"}


def _normalized(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<time>" if k in _TIME_KEYS else _normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, str):
        return _TIME.sub("<time>", _RUN.sub("_r<run>", _ID.sub("-<id>", value)))
    return value


@pytest.fixture
def quick_local(monkeypatch):
    """--local emulators with short lifecycles, so 20 runs stay fast (the work itself is unchanged)."""
    original = emulator_server.EmulatorServer.start

    def start(self: Any) -> Any:
        started = original(self)
        admin = Admin(self.endpoint)
        admin.reset()  # moto's backends are process-wide: the previous run's IAM role is still there
        admin.configure(batch_pending_seconds=0.01, batch_session_seconds=0.01, resource_seconds=0.01)
        return started

    monkeypatch.setattr(emulator_server.EmulatorServer, "start", start)
    # Poll often: the work and its outcome are the same, only the waiting between polls shrinks.
    monkeypatch.setattr(waiter.RealClock, "sleep", lambda self, seconds: time.sleep(min(seconds, 0.02)))


def test_twenty_local_runs_give_identical_results(quick_local, tmp_path, capsys):
    specs = tmp_path / "evaluations"
    copy_examples(specs)
    seen: list[Any] = []
    for attempt in range(20):
        out = tmp_path / f"run{attempt}"
        args = ["run", "nightly-support", "--specs", str(specs), "--local", "--skip-preflight", "--quiet"]
        main([*args, "--report-dir", str(out), "--seed", *map(str, STRANDS)])
        seen.append(_normalized(json.loads((out / "results.json").read_text())))
    capsys.readouterr()
    first = seen[0]
    assert first["sessions"], "the run scored no session"
    scores = {e["id"]: e.get("averageScore") for e in first["evaluators"]}
    assert scores["Builtin.Helpfulness"] is not None and scores["Builtin.GoalSuccessRate"] is not None
    for attempt, other in enumerate(seen[1:], start=1):
        assert other == first, f"run {attempt} differs from run 0"


_SUMMARY_SNIPPET = """
import json
from evalctl.emulator.summary import summarize
ids = ["Builtin.Helpfulness", "custom-a", "Builtin.GoalSuccessRate", "zeta", "alpha", "m"]
sessions = [{"failed": False, "results": [
    {"evaluatorId": i, "value": 0.5, "context": {}} for i in ids]}]
print(json.dumps([s["evaluatorId"] for s in summarize(sessions, 0, 1)["evaluatorSummaries"]]))
"""


def test_summary_order_does_not_depend_on_the_hash_seed():
    orders = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _SUMMARY_SNIPPET], env=env, capture_output=True, text=True, check=True
        )
        orders.add(done.stdout.strip())
    expected = ["Builtin.Helpfulness", "custom-a", "Builtin.GoalSuccessRate", "zeta", "alpha", "m"]
    assert orders == {json.dumps(expected)}


def test_the_shipped_examples_run_locally_with_their_own_sessions(quick_local, tmp_path, monkeypatch, capsys):
    """Issue 11: a ground-truth session of the examples lived only in tests/data, so `--local` on
    the shipped folder failed pre-flight; now the README's command works as written, pre-flight on."""
    copy_examples(tmp_path / "evaluations")
    monkeypatch.chdir(tmp_path)
    seeds = sorted(
        str(p.relative_to(tmp_path)) for p in (tmp_path / "evaluations" / "sessions").glob("*.json")
    )
    code = main(["run", "nightly-support", "--local", "--quiet", "--json", "--seed", *seeds])
    out = capsys.readouterr()
    assert code == 0, out.err[-2000:]
    assert {"cc8a8e69-8bed-4e5f-9a06-9a58550fd713", "383c4a9d-5682-4186-a125-e226f9f6c141"} <= set(
        re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out.out)
    )


def test_each_local_run_starts_from_an_empty_account(monkeypatch, tmp_path, capsys):
    """moto's backends are process-wide: a second --local run in one process saw the first's sessions."""
    original = emulator_server.EmulatorServer.start

    def start(self: Any) -> Any:  # short lifecycles only; the reset is the product's own now
        started = original(self)
        Admin(self.endpoint).configure(batch_pending_seconds=0.01, batch_session_seconds=0.01,
                                       resource_seconds=0.01)  # fmt: skip
        return started

    monkeypatch.setattr(emulator_server.EmulatorServer, "start", start)
    monkeypatch.setattr(waiter.RealClock, "sleep", lambda self, seconds: time.sleep(min(seconds, 0.02)))
    copy_examples(tmp_path / "evaluations")
    monkeypatch.chdir(tmp_path)
    sessions = tmp_path / "evaluations" / "sessions"
    runs = []
    for agent in ("strands_bedrock", "langchain"):
        seeds = [str(sessions / f"raw_otel_{agent}_{kind}.json") for kind in ("spans", "runtime_logs")]
        code = main(
            ["run", "nightly-support", "--local", "--quiet", "--json", "--skip-preflight", "--seed", *seeds]
        )
        assert code in (0, 1), f"run {len(runs) + 1} failed (exit {code})"
        runs.append(set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                   capsys.readouterr().out)))  # fmt: skip
    strands = "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
    langchain = "383c4a9d-5682-4186-a125-e226f9f6c141"
    assert strands in runs[0] and runs[1] == {langchain}, "the second run saw only its own sessions"
