"""Handler worker processes and their pools: one process per worker, framed requests and replies.

A frame is a codec byte, a 4-byte big-endian length and the payload. Requests (trusted, from this
process) are marshal or pickle; replies must be bounded JSON, so nothing a handler writes into the
pipe can run code here.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import select
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

from evalctl.engine.model import CodeSource
from evalctl.engine.sandbox import MAX_RESPONSE_BYTES, Sandbox, kill_group

_WORKER = Path(__file__).with_name("_worker.py")
_HEADER = struct.Struct(">cI")
_STARTUP_SECONDS = 30.0
# A reply frame holds the 6 MB response plus its JSON wrapper (and escaping of that response).
_MAX_FRAME = 2 * MAX_RESPONSE_BYTES


class CodeRunError(RuntimeError):
    """A code evaluator call failed; `code` becomes the result's errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Worker:
    """One worker process, its pipes and its private folder."""

    def __init__(self, directory: str, source: CodeSource) -> None:
        self.sandbox = Sandbox(source, directory)
        self.proc = self.sandbox.popen([sys.executable, "-I", "-B", str(_WORKER), directory, source.handler])
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        hello = self.receive(time.monotonic() + _STARTUP_SECONDS)
        if "load_error" in hello:
            self.kill()
            raise CodeRunError("HandlerLoadError", str(hello["load_error"]))

    def call(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one event and wait for its reply."""
        return self.receive(self.send(event, timeout), timeout)

    def send(self, event: dict[str, Any], timeout: float) -> float:
        """Write one request; return the deadline of its reply."""
        parts = _frame(event, timeout)
        assert self.proc.stdin is not None
        try:
            # One system call for header and payload, without copying the payload: a separate header
            # write would wake the worker twice per call.
            _write_all(self.proc.stdin.fileno(), parts)
        except OSError as exc:
            self.kill()
            raise CodeRunError("HandlerCrashed", f"worker stopped accepting calls: {exc}") from exc
        return time.monotonic() + timeout

    def receive(self, deadline: float, timeout: float | None = None) -> dict[str, Any]:
        """The next reply (timeout None: the hello), or CodeRunError, the worker killed, past `deadline`."""
        codec, size = _HEADER.unpack(self._read(_HEADER.size, deadline, timeout))
        # Replies are JSON and bounded: a handler that writes into the pipe gets an error, not eval.
        if codec != b"j" or size > _MAX_FRAME:
            self.kill()
            raise CodeRunError("HandlerCrashed", "worker sent a malformed reply")
        try:
            message = json.loads(self._read(size, deadline, timeout))
        except ValueError as exc:
            self.kill()
            raise CodeRunError("HandlerCrashed", "worker sent a malformed reply") from exc
        if not isinstance(message, dict):
            return {}
        error = message.get("error")
        if isinstance(error, list) and error[:1] == ["Runtime.OutOfMemory"]:
            # The worker exits after this reply; stopping it here means no next call races its exit.
            self.kill()
        return message

    def _read(self, size: int, deadline: float, timeout: float | None) -> bytes:
        chunks, got = [], 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                self.kill()
                raise _timed_out(timeout)
            chunk = os.read(self.fd, size - got)
            if not chunk:
                self.kill()
                raise CodeRunError("HandlerCrashed", f"worker exited (code {self.proc.poll()}) mid-call")
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def kill(self) -> None:
        """Stop the process group and delete the private folder."""
        kill_group(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.sandbox.cleanup()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _write_all(fd: int, parts: list[bytes]) -> None:
    """Write every byte of `parts` (a signal can cut a pipe write short)."""
    sent = os.writev(fd, parts)
    rest = memoryview(b"".join(parts))[sent:] if sent < sum(map(len, parts)) else memoryview(b"")
    while rest:
        rest = rest[os.write(fd, rest) :]


def _timed_out(timeout: float | None) -> CodeRunError:
    """The error of a call (or a start-up, without a timeout) that ran out of time."""
    limit = f"{timeout:g} s" if timeout is not None else "start-up"
    return CodeRunError("Timeout", f"handler did not return within {limit}")


def _frame(event: dict[str, Any], timeout: float) -> list[bytes]:
    """A request's header and payload: marshal for JSON-like events (fast), pickle for other types."""
    request = {"event": event, "timeout": timeout}
    try:
        codec, payload = b"m", marshal.dumps(request)
    except ValueError:
        codec, payload = b"p", pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    return [_HEADER.pack(codec, len(payload)), payload]


class Pool:
    """Up to `size` workers for one (directory, handler); callers wait for a free one."""

    def __init__(self, directory: str, source: CodeSource, size: int) -> None:
        self._args = (directory, source)
        self.size = size
        self._idle: list[Worker] = []
        self._started = 0
        self._cond = threading.Condition()

    def call(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        worker = self.acquire()
        try:
            return worker.call(event, timeout)
        finally:
            self.release(worker)

    def acquire(self) -> Worker:
        """An idle worker, else a new one while under `size`, else the next one released."""
        with self._cond:
            # A waiter must wake when a worker dies too, not only when one is returned.
            while not self._idle and self._started >= self.size:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            return Worker(*self._args)
        except BaseException:
            self._forget()
            raise

    def release(self, worker: Worker) -> None:
        """Give a worker back; a dead one frees its place for a fresh start."""
        if not worker.alive:
            self._forget()
            return
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def _forget(self) -> None:
        with self._cond:
            self._started -= 1
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
