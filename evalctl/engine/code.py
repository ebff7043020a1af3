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
import os
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalctl.engine.model import CodeSource
from evalctl.engine.workers import CodeRunError, Pool

__all__ = ["CodeRunError", "CodeRunner", "CodeVerdict", "default_runner", "interpret"]


@dataclass(frozen=True)
class CodeVerdict:
    """A successful handler return: `{label, value?, explanation?}`."""

    label: str
    value: float | None
    explanation: str | None


class CodeRunner:
    """Pools of handler workers keyed by code location; thread-safe; `close()` stops them."""

    def __init__(self, workers_per_handler: int = 2) -> None:
        self._per_handler = workers_per_handler
        self._pools: dict[tuple[str, CodeSource], Pool] = {}
        # The pool of each source seen, so a call skips resolving its folder and re-keying it.
        self._by_source: dict[CodeSource, Pool] = {}
        self._extracted: dict[str, tempfile.TemporaryDirectory[str]] = {}
        self._lock = threading.Lock()

    def invoke(self, source: CodeSource, event: dict[str, Any]) -> CodeVerdict:
        """Call the handler with one event; raise CodeRunError for every kind of failure."""
        return _verdict(self._pool(source).call(event, float(source.timeout_seconds)))

    def _pool(self, source: CodeSource) -> Pool:
        known = self._by_source.get(source)
        if known is not None:
            return known
        directory = self._directory(source)
        # One pool per function configuration: memory, name and timeout shape the worker.
        key = (directory, dataclasses.replace(source, zip_bytes=None))
        with self._lock:
            if key not in self._pools:
                self._pools[key] = Pool(directory, source, self._per_handler)
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


def _verdict(reply: dict[str, Any]) -> CodeVerdict:
    """A worker's reply as a verdict, or the CodeRunError it reports."""
    if "exception" in reply:
        raise CodeRunError("HandlerException", str(reply["exception"]))
    if isinstance(reply.get("error"), list) and len(reply["error"]) == 2:
        raise CodeRunError(str(reply["error"][0]), str(reply["error"][1]))
    return interpret(reply.get("ok"))


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
