"""Run code-based evaluators locally: a persistent pool of worker processes per handler.

Each worker imports the handler once and serves many calls, so a replay pays process start-up
once per worker, not once per call. A call that outlives its timeout kills its worker's process
group (the pool starts a fresh one on demand) and becomes a failed result, as do handler exceptions, error
returns and malformed returns.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import io
import json
import marshal
import os
import pickle
import select
import struct
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CodeVerdict:
    """A successful handler return: `{label, value?, explanation?}`."""

    label: str
    value: float | None
    explanation: str | None


class _Worker:
    """One worker process, its pipes and its private folder."""

    def __init__(self, directory: str, source: CodeSource) -> None:
        self.sandbox = Sandbox(source, directory)
        self.proc = self.sandbox.popen([sys.executable, "-I", "-B", str(_WORKER), directory, source.handler])
        hello = self._receive(time.monotonic() + _STARTUP_SECONDS)
        if "load_error" in hello:
            self.kill()
            raise CodeRunError("HandlerLoadError", str(hello["load_error"]))

    def call(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        codec, payload = _encode({"event": event, "timeout": timeout})
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(_HEADER.pack(codec, len(payload)) + payload)
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise CodeRunError("HandlerCrashed", f"worker stopped accepting calls: {exc}") from exc
        return self._receive(time.monotonic() + timeout, timeout)

    def _receive(self, deadline: float, timeout: float | None = None) -> dict[str, Any]:
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
        return message if isinstance(message, dict) else {}

    def _read(self, size: int, deadline: float, timeout: float | None) -> bytes:
        assert self.proc.stdout is not None
        fd, chunks, got = self.proc.stdout.fileno(), [], 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                self.kill()
                limit = f"{timeout:g} s" if timeout is not None else "start-up"
                raise CodeRunError("Timeout", f"handler did not return within {limit}")
            chunk = os.read(fd, size - got)
            if not chunk:
                self.kill()
                raise CodeRunError("HandlerCrashed", f"worker exited (code {self.proc.poll()}) mid-call")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        kill_group(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.sandbox.cleanup()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _encode(request: dict[str, Any]) -> tuple[bytes, bytes]:
    """Marshal for JSON-like events (fast); pickle when a document holds other types."""
    try:
        return b"m", marshal.dumps(request)
    except ValueError:
        return b"p", pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)


class _Pool:
    """Up to `size` workers for one (directory, handler); callers wait for a free one."""

    def __init__(self, directory: str, source: CodeSource, size: int) -> None:
        self._args = (directory, source)
        self._size = size
        self._idle: list[_Worker] = []
        self._started = 0
        self._cond = threading.Condition()

    def call(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        worker = self._acquire()
        try:
            return worker.call(event, timeout)
        finally:
            self._release(worker)

    def _acquire(self) -> _Worker:
        with self._cond:
            # A waiter must wake when a worker dies too, not only when one is returned.
            while not self._idle and self._started >= self._size:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            return _Worker(*self._args)
        except BaseException:
            self._forget()
            raise

    def _release(self, worker: _Worker) -> None:
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


class CodeRunner:
    """Pools of handler workers keyed by code location; thread-safe; `close()` stops them."""

    def __init__(self, workers_per_handler: int = 2) -> None:
        self._per_handler = workers_per_handler
        self._pools: dict[tuple[str, CodeSource], _Pool] = {}
        # The pool of each source seen, so a call skips resolving its folder and re-keying it.
        self._by_source: dict[CodeSource, _Pool] = {}
        self._extracted: dict[str, tempfile.TemporaryDirectory[str]] = {}
        self._lock = threading.Lock()

    def invoke(self, source: CodeSource, event: dict[str, Any]) -> CodeVerdict:
        """Call the handler with one event; raise CodeRunError for every kind of failure."""
        pool = self._pool(source)
        reply = pool.call(event, float(source.timeout_seconds))
        if "exception" in reply:
            raise CodeRunError("HandlerException", str(reply["exception"]))
        if isinstance(reply.get("error"), list) and len(reply["error"]) == 2:
            raise CodeRunError(str(reply["error"][0]), str(reply["error"][1]))
        return interpret(reply.get("ok"))

    def _pool(self, source: CodeSource) -> _Pool:
        known = self._by_source.get(source)
        if known is not None:
            return known
        directory = self._directory(source)
        # One pool per function configuration: memory, name and timeout shape the worker.
        key = (directory, dataclasses.replace(source, zip_bytes=None))
        with self._lock:
            if key not in self._pools:
                self._pools[key] = _Pool(directory, source, self._per_handler)
            self._by_source[source] = self._pools[key]
            return self._pools[key]

    def _directory(self, source: CodeSource) -> str:
        if source.directory is not None:
            return str(Path(source.directory).resolve())
        if source.zip_bytes is None:
            raise CodeRunError("CodeUnavailable", f"no local code for {source.lambda_arn or 'evaluator'}")
        digest = hashlib.sha256(source.zip_bytes).hexdigest()
        with self._lock:
            if digest not in self._extracted:
                self._extracted[digest] = _extract(source.zip_bytes)
            return self._extracted[digest].name

    def close(self) -> None:
        """Stop every worker and delete extracted zips."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
            self._by_source = {}
            extracted, self._extracted = list(self._extracted.values()), {}
        for pool in pools:
            pool.close()
        for folder in extracted:
            folder.cleanup()


def _extract(zip_bytes: bytes) -> tempfile.TemporaryDirectory[str]:
    folder = tempfile.TemporaryDirectory(prefix="evalctl-code-")
    root = Path(folder.name).resolve()
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            for name in archive.namelist():
                # Refuse entries that would land outside the folder (zip slip).
                if not (root / name).resolve().is_relative_to(root):
                    raise CodeRunError("InvalidCodePackage", f"zip entry {name!r} escapes the package")
            archive.extractall(root)
    except zipfile.BadZipFile as exc:
        folder.cleanup()
        raise CodeRunError("InvalidCodePackage", f"code package is not a zip file: {exc}") from exc
    return folder


def interpret(returned: Any) -> CodeVerdict:
    """Check a handler's return against the Lambda contract."""
    if not isinstance(returned, dict):
        raise CodeRunError(
            "InvalidHandlerResponse", f"handler returned {type(returned).__name__}, not an object"
        )
    if "errorCode" in returned:
        message = str(returned.get("errorMessage") or returned["errorCode"])
        raise CodeRunError(str(returned["errorCode"]), message)
    label, value = returned.get("label"), returned.get("value")
    if not isinstance(label, str) or not label:
        raise CodeRunError("InvalidHandlerResponse", "handler return has no string 'label'")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise CodeRunError("InvalidHandlerResponse", f"handler 'value' must be a number, got {value!r}")
    explanation = returned.get("explanation")
    return CodeVerdict(
        label, None if value is None else float(value), None if explanation is None else str(explanation)
    )


_default: dict[str, CodeRunner] = {}
_default_lock = threading.Lock()


def default_runner() -> CodeRunner:
    """A process-wide runner, closed at interpreter exit."""
    with _default_lock:
        if "runner" not in _default:
            runner = CodeRunner(workers_per_handler=max(1, min(4, os.cpu_count() or 1)))
            atexit.register(runner.close)
            _default["runner"] = runner
        return _default["runner"]
