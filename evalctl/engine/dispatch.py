"""Many calls to one handler from one thread: each of the pool's workers gets the next call when free.

One thread feeding every worker spends less CPU than one thread per worker blocked on its pipe
(no GIL hand-offs and wake-ups between threads on every reply), and events are drawn from the
iterable only when a worker is free, so the caller can do its own work in between. Each call keeps
its own timeout, counted from the moment it is written to its worker, as in `Pool.call`. The
workers stay with the batch until it ends: another thread calling the same pool meanwhile waits.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterable, Iterator
from typing import Any

from evalctl.engine.workers import CodeRunError, Pool, Worker, timed_out

Reply = dict[str, Any] | CodeRunError


def call_all(pool: Pool, events: Iterable[dict[str, Any]], timeout: float) -> list[Reply]:
    """Each event's reply (or failure), in the events' order."""
    return _Dispatch(pool, timeout).run(iter(events))


class _Dispatch:
    """The state of one `call_all`: workers in hand, idle or mid-call, and the replies so far."""

    def __init__(self, pool: Pool, timeout: float) -> None:
        self.pool, self.timeout = pool, timeout
        self.replies: list[Reply] = []
        self.idle: list[Worker] = []
        self.busy: dict[int, tuple[Worker, int, float]] = {}  # by reply pipe: worker, call, deadline

    def run(self, upcoming: Iterator[dict[str, Any]]) -> list[Reply]:
        try:
            held = next(upcoming, None)  # the next event, drawn before a worker is started for it
            while held is not None or self.busy:
                while held is not None and self._may_take():
                    try:
                        worker = self._worker()
                    except CodeRunError as exc:  # a worker that cannot start fails this call, like Pool.call
                        self.replies.append(exc)
                    else:
                        if worker is None:  # the pool is at its size (other callers hold workers)
                            break
                        self._send(worker, held)
                    held = next(upcoming, None)
                if self.busy:
                    self._collect()
        finally:
            for worker, _, _ in self.busy.values():
                worker.kill()  # interrupted mid-call: its reply would desynchronise the pipe
                self.pool.release(worker)
            for worker in self.idle:
                self.pool.release(worker)
        return self.replies

    def _may_take(self) -> bool:
        """A worker is idle, none is busy (so wait for one), or the pool may start another."""
        return bool(self.idle) or not self.busy or len(self.idle) + len(self.busy) < self.pool.size

    def _worker(self) -> Worker | None:
        if self.idle:
            return self.idle.pop()
        return self.pool.acquire() if not self.busy else self.pool.try_acquire()

    def _send(self, worker: Worker, event: dict[str, Any]) -> None:
        index = len(self.replies)
        self.replies.append(CodeRunError("HandlerCrashed", "no reply"))  # replaced by the reply
        try:
            self.busy[worker.fd] = (worker, index, worker.send(event, self.timeout))
        except CodeRunError as exc:
            self.replies[index] = exc
            self.pool.release(worker)

    def _collect(self) -> None:
        """Wait for the first reply (or deadline) among the busy workers and take every reply ready."""
        wait = max(0.0, min(deadline for _, _, deadline in self.busy.values()) - time.monotonic())
        ready = select.select(list(self.busy), [], [], wait)[0]
        now = time.monotonic()
        for fd in list(self.busy):
            worker, index, deadline = self.busy[fd]
            if fd not in ready and deadline > now:
                continue
            del self.busy[fd]
            try:
                if fd not in ready:
                    worker.kill()
                    raise timed_out(self.timeout)
                self.replies[index] = worker.receive(deadline, self.timeout)
            except CodeRunError as exc:
                self.replies[index] = exc
            if worker.alive:
                self.idle.append(worker)
            else:
                self.pool.release(worker)
