"""Fault injection (throttling, 5xx, latency, commit-then-fail) and per-operation call counts."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from evalctl.emulator.errors import ApiError, InternalError, ThrottlingError

DROP = "drop"
ERROR = "error"


@dataclass
class FaultSettings:
    """What to inject into AgentCore operations; moto's services are never faulted.

    `commit_then_fail` names an operation that is applied and then answered with a 500
    InternalServerException (`commit_then_fail_mode="error"`) or a dropped connection ("drop"),
    `commit_then_fail_times` times (then it clears itself, so a retry can succeed).
    """

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency_ms: int = 0
    commit_then_fail: str | None = None
    commit_then_fail_mode: str = ERROR
    commit_then_fail_times: int = 1
    seed: int | None = None


@dataclass
class Faults:
    """The live fault state; `before` may raise, `after_commit` says how to spoil a success."""

    settings: FaultSettings = field(default_factory=FaultSettings)
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, **changes: Any) -> FaultSettings:
        """Replace the settings (unnamed keys take their defaults) and reseed the generator."""
        settings = FaultSettings(**changes)
        if settings.commit_then_fail_mode not in (DROP, ERROR):
            raise ValueError(f"commit_then_fail_mode must be {DROP!r} or {ERROR!r}")
        with self.lock:
            self.settings = settings
            self.rng = random.Random(settings.seed)
        return settings

    def latency_seconds(self) -> float:
        return self.settings.latency_ms / 1000.0

    def before(self, operation: str) -> None:
        """Raise an injected throttle or server error before the operation touches state."""
        with self.lock:
            roll_throttle = self.rng.random()
            roll_error = self.rng.random()
        if roll_throttle < self.settings.throttle_rate:
            raise ThrottlingError(f"Rate exceeded (injected by the emulator for {operation})")
        if roll_error < self.settings.error_rate:
            raise InternalError(f"Internal server error (injected by the emulator for {operation})")

    def after_commit(self, operation: str) -> str | None:
        """`error` or `drop` when this successful call must be spoiled, else None."""
        with self.lock:
            s = self.settings
            if s.commit_then_fail != operation or s.commit_then_fail_times <= 0:
                return None
            s.commit_then_fail_times -= 1
            if s.commit_then_fail_times == 0:
                s.commit_then_fail = None
            return s.commit_then_fail_mode

    def as_dict(self) -> dict[str, Any]:
        return asdict(self.settings)


def committed_error(operation: str) -> ApiError:
    return InternalError(f"Internal server error after {operation} was applied (injected by the emulator)")


@dataclass
class CallCounts:
    """Thread-safe counts of calls per operation name."""

    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str) -> None:
        with self.lock:
            self.counts[operation] += 1

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
