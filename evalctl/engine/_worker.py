"""Code-evaluator worker process: imports a Lambda-style handler once, then serves calls over pipes.

Run as a script (stdlib only): `python _worker.py <directory> <module.function>`. A frame is
a codec byte (`m` marshal, `p` pickle), a 4-byte big-endian length and the payload. Requests are
JSON-like, so they travel as marshal (the fastest stdlib codec for dicts and strings); replies
are pickled. The handler's own prints go to stderr so they cannot corrupt the protocol.
"""

from __future__ import annotations

import gc
import importlib
import marshal
import os
import pickle
import struct
import sys
import time
import traceback
from typing import Any, BinaryIO

_HEADER = struct.Struct(">cI")
_DECODERS = {b"m": marshal.loads, b"p": pickle.loads}


class _Context:
    """The subset of the Lambda context object handlers commonly touch."""

    def __init__(self, function_name: str, timeout: float, request_id: str) -> None:
        self.function_name = function_name
        self.aws_request_id = request_id
        self.memory_limit_in_mb = 128
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _read_exact(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(stream: BinaryIO, message: dict[str, Any]) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(b"p", len(payload)) + payload)
    stream.flush()


def _load(directory: str, handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    sys.path.insert(0, directory)
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def main() -> None:
    directory, handler = sys.argv[1], sys.argv[2]
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    try:
        function = _load(directory, handler)
    except BaseException as exc:  # report any import failure, then stop
        _send(out, {"load_error": f"cannot load handler {handler!r}: {type(exc).__name__}: {exc}"})
        return
    # Events are large acyclic trees; default gen-0 thresholds would rescan them many times a call.
    gc.set_threshold(50_000, 20, 20)
    _send(out, {"ready": True})
    count = 0
    while True:
        header = _read_exact(requests, _HEADER.size)
        if header is None:
            return
        codec, size = _HEADER.unpack(header)
        body = _read_exact(requests, size)
        if body is None:
            return
        request = _DECODERS[codec](body)
        count += 1
        context = _Context(handler, float(request.get("timeout", 60)), f"local-{os.getpid()}-{count}")
        try:
            _send(out, {"ok": function(request["event"], context)})
        except BaseException as exc:  # the handler's failure is the caller's result, not ours
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            _send(out, {"exception": f"{type(exc).__name__}: {exc}{where}"})


if __name__ == "__main__":
    main()
