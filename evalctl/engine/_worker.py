"""Code-evaluator worker process: imports a Lambda-style handler once, then serves calls over pipes.

Run as a script (stdlib only): `python -I -B _worker.py <directory> <module.function>`. A frame is
a codec byte, a 4-byte big-endian length and the payload. Requests (from the trusted parent) are
marshal (`m`) or pickle (`p`); replies are JSON (`j`) only, so nothing the handler writes into the
pipe can run code in the parent. The handler's own prints go to stderr so they cannot corrupt the
protocol. The function's memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) is a hard limit.
"""

from __future__ import annotations

import gc
import importlib
import json
import marshal
import os
import resource
import struct
import sys
import time
from typing import Any, BinaryIO

_HEADER = struct.Struct(">cI")
MAX_RESPONSE_BYTES = 6 * 1024 * 1024


class _Context:
    """The subset of the Lambda context object handlers commonly touch."""

    def __init__(self, function_name: str, memory_mb: int, timeout: float, request_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.aws_request_id = request_id
        self.memory_limit_in_mb = memory_mb
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _read_exact(fd: int, size: int) -> bytes | None:
    """`size` bytes straight from the pipe (no buffer in between: one copy), or None at its end."""
    chunks, got = [], 0
    while got < size:
        chunk = os.read(fd, size - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _send(stream: BinaryIO, payload: bytes) -> None:
    stream.write(_HEADER.pack(b"j", len(payload)) + payload)
    stream.flush()


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": [code, message]}).encode()


def _reply(returned: Any) -> bytes:
    """The handler's return as Lambda would send it: JSON, at most 6 MB."""
    try:
        body = json.dumps(returned)
    except (TypeError, ValueError) as exc:
        return _error("Runtime.MarshalError", f"Unable to marshal response: {exc}")
    if len(body.encode()) > MAX_RESPONSE_BYTES:
        return _error(
            "Function.ResponseSizeTooLarge",
            f"Response payload size ({len(body.encode())} bytes) exceeded maximum allowed payload "
            f"size ({MAX_RESPONSE_BYTES} bytes).",
        )
    return ('{"ok": ' + body + "}").encode()


def _limit_memory(memory_mb: int) -> None:
    """Cap the data segment and private writable mappings (the heap) at the function's memory size."""
    limit = memory_mb * 1024 * 1024
    # RLIMIT_DATA counts what Lambda's memory counts (heap, anonymous memory), not reserved
    # address space, so thread stacks and malloc arenas don't fail a function well under its size.
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _unpickle(body: bytes) -> Any:
    """Requests holding non-JSON types come pickled (rare): import pickle only for them."""
    import pickle

    return pickle.loads(body)


def _load(directory: str, handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    sys.path.insert(0, directory)
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def _call(function: Any, request: dict[str, Any], context: _Context, memory_mb: int) -> bytes:
    try:
        return _reply(function(request["event"], context))
    except MemoryError:
        return _error("Runtime.OutOfMemory", f"Runtime exited: the function exceeded its {memory_mb} MB")
    except BaseException as exc:  # the handler's failure is the caller's result, not ours
        import traceback  # only on failure: the import is a few ms of every worker's start-up

        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        return json.dumps({"exception": f"{type(exc).__name__}: {exc}{where}"}).encode()


def main() -> None:
    directory, handler = sys.argv[1], sys.argv[2]
    memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", handler)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = sys.stdin.fileno()
    _limit_memory(memory_mb)
    try:
        function = _load(directory, handler)
    except BaseException as exc:  # report any import failure, then stop
        message = f"cannot load handler {handler!r}: {type(exc).__name__}: {exc}"
        _send(out, json.dumps({"load_error": message}).encode())
        return
    # Events are large acyclic trees; default gen-0 thresholds would rescan them many times a call.
    gc.set_threshold(50_000, 20, 20)
    _send(out, b'{"ready": true}')
    count = 0
    while True:
        header = _read_exact(requests, _HEADER.size)
        if header is None:
            return
        codec, size = _HEADER.unpack(header)
        body = _read_exact(requests, size)
        if body is None:
            return
        # Decoding builds an acyclic tree: no cycle to find, so the collector is off meanwhile.
        gc.disable()
        try:
            request = marshal.loads(body) if codec == b"m" else _unpickle(body)
        finally:
            gc.enable()
        count += 1
        timeout = float(request.get("timeout", 60))
        context = _Context(name, memory_mb, timeout, f"local-{os.getpid()}-{count}")
        reply = _call(function, request, context, memory_mb)
        _send(out, reply)
        if reply.startswith(b'{"error": ["Runtime.OutOfMemory"'):
            return  # Lambda restarts the runtime after running out of memory


if __name__ == "__main__":
    main()
