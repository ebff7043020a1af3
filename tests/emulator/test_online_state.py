"""Hypothesis state machine over online scoring: seed sessions, speak again, advance the clock,
toggle, resample; the configuration starts at a drawn sampling percentage.

Invariant: every scored session is of the configured service, was sampled, went quiet for the
timeout while the configuration was enabled, and was scored at most once. And the converse with a
margin: a sampled session that went quiet well inside one enabled, same-sampling stretch is scored.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.emulator.online_helpers import OTHER_SERVICE, SERVICE, make_live, records, seed

TIMEOUT = 60.0
SAMPLINGS = (100.0, 50.0, 10.0, 0.01)


def _point(session_id: str) -> float:
    return int(hashlib.sha256(session_id.encode()).hexdigest()[:16], 16) / 2**64 * 100


@dataclass
class Stretch:
    """A span of emulator time with one state (enabled or a sampling percentage); end None = open."""

    start: float
    value: Any
    end: float | None = None

    def covers(self, low: float, high: float) -> bool:
        return self.start <= low and (self.end is None or high <= self.end)

    def overlaps(self, low: float, high: float) -> bool:
        return self.start <= high and (self.end is None or low <= self.end)


@dataclass
class Session:
    service: str
    # Bounds of the last activity: seeding ends the data 1 ms before the whole second it ran in.
    low: float = 0.0
    high: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)


class OnlineMachine(RuleBasedStateMachine):
    emulator: ClassVar[Any] = None
    folder: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        admin = self.emulator.admin
        admin.reset()
        admin.configure(resource_seconds=0)
        self.control = self.emulator.client("bedrock-agentcore-control")
        self.logs = self.emulator.client("logs")
        self.sessions: dict[str, Session] = {}
        self.enabled: list[Stretch] = []
        self.samplings: list[Stretch] = []

    @initialize(percentage=st.sampled_from((100.0, *SAMPLINGS)))
    def create(self, percentage: float) -> None:
        start = self.emulator.admin.now()
        created = make_live(self.control, sampling=percentage)
        self.config_id = created["onlineEvaluationConfigId"]
        self.group = created["outputConfig"]["cloudWatchConfig"]["logGroupName"]
        self.enabled = [Stretch(start, True)]
        self.samplings = [Stretch(start, percentage)]

    def _close(self, stretches: list[Stretch], value: Any, before: float, after: float) -> None:
        stretches[-1].end = after
        stretches.append(Stretch(before, value))

    @rule(service=st.sampled_from([SERVICE, SERVICE, OTHER_SERVICE]))
    def seed_session(self, service: str) -> None:
        self._seed(f"s{len(self.sessions)}-{service[:4]}", service)

    @precondition(lambda self: bool(self.sessions))
    @rule(data=st.data())
    def speak_again(self, data: st.DataObject) -> None:
        """New activity in a known session, scored or not."""
        session_id = data.draw(st.sampled_from(sorted(self.sessions)))
        self._seed(session_id, self.sessions[session_id].service)

    def _seed(self, session_id: str, service: str) -> None:
        before = self.emulator.admin.now()
        seed(self.emulator, self.folder, session_id, service=service)
        found = self.sessions.setdefault(session_id, Session(service))
        found.low, found.high = math.floor(before) - 0.001, self.emulator.admin.now()
        found.history.append((found.low, found.high))

    @rule(seconds=st.sampled_from([20.0, 45.0, 61.0, 150.0]))
    def advance(self, seconds: float) -> None:
        self.emulator.admin.advance_clock(seconds)

    @rule()
    def toggle(self) -> None:
        status = "DISABLED" if self.enabled[-1].value else "ENABLED"
        before = self.emulator.admin.now()
        self.control.update_online_evaluation_config(
            onlineEvaluationConfigId=self.config_id, executionStatus=status
        )
        self._close(self.enabled, status == "ENABLED", before, self.emulator.admin.now())

    @rule(percentage=st.sampled_from(SAMPLINGS))
    def resample(self, percentage: float) -> None:
        rule_ = {
            "samplingConfig": {"samplingPercentage": percentage},
            "sessionConfig": {"sessionTimeoutMinutes": 1},
        }
        before = self.emulator.admin.now()
        self.control.update_online_evaluation_config(onlineEvaluationConfigId=self.config_id, rule=rule_)
        self._close(self.samplings, percentage, before, self.emulator.admin.now())

    @invariant()
    def scored_sessions_were_due_and_scored_once(self) -> None:
        found = records(self.logs, self.group)
        targets = Counter(
            (r["attributes"]["session.id"], r.get("traceId"), r["attributes"]["gen_ai.evaluation.name"])
            for r in found
        )
        assert max(targets.values(), default=1) == 1, "a target was scored twice"
        times: dict[str, set[int]] = {}
        for r in found:
            times.setdefault(r["attributes"]["session.id"], set()).add(r["observedTimeUnixNano"])
        now = self.emulator.admin.now()
        for session_id, session in self.sessions.items():
            if session_id in times:
                assert len(times[session_id]) == 1, f"{session_id} scored at several times"
                self._check_scored(session_id, session, next(iter(times[session_id])) / 1e9)
            else:
                self._check_not_due(session_id, session, now)

    def _check_scored(self, session_id: str, session: Session, when: float) -> None:
        assert session.service == SERVICE, f"{session_id} of {session.service} scored"
        # Some seeding of the session went quiet (last activity + timeout) by `when`, while enabled.
        quiet = [(low + TIMEOUT, high + TIMEOUT) for low, high in session.history if low + TIMEOUT <= when]
        assert quiet, f"{session_id} scored at {when} before going quiet for {TIMEOUT}s"
        enabled = [s for s in self.enabled if s.value and s.overlaps(when, when)]
        assert any(s.overlaps(lo, hi) for s in enabled for lo, hi in quiet), (
            f"{session_id} scored while the configuration was disabled"
        )
        assert any(_point(session_id) < s.value and s.overlaps(quiet[0][0], when) for s in self.samplings), (
            f"{session_id} scored but not sampled"
        )

    def _check_not_due(self, session_id: str, session: Session, now: float) -> None:
        """Unscored: fine unless it went quiet well inside one enabled stretch that samples it."""
        if session.service != SERVICE or len(session.history) > 1:
            return  # re-seeded sessions may have been quiet between seedings; only the strict side is checked
        low, high = session.low + TIMEOUT, session.high + TIMEOUT + 1.0
        if high > now:
            return
        enabled = any(s.value and s.covers(low, now) for s in self.enabled)
        sampled = any(_point(session_id) < s.value and s.covers(low, now) for s in self.samplings)
        assert not (enabled and sampled), f"{session_id} went quiet while enabled and sampled, never scored"


def test_online_scoring_state_machine(emulator: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        OnlineMachine.emulator = emulator
        OnlineMachine.folder = Path(folder)
        run_state_machine_as_test(
            OnlineMachine,
            settings=settings(
                max_examples=40,
                stateful_step_count=16,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
