"""Emulator time: real time plus an offset the tests advance, so long lifecycles take no real time."""

from __future__ import annotations

import math
import threading
import time


class Clock:
    """A monotonic-enough wall clock whose offset only grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Emulator time in epoch seconds."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move emulator time forward (never back, so lifecycles never un-happen)."""
        step = float(seconds)
        # An infinite offset would overflow every timestamp the emulator answers from then on.
        if not math.isfinite(step):
            raise ValueError(f"cannot advance the clock by {seconds!r} seconds")
        with self._lock:
            self._offset += max(0.0, step)
            return self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
