"""EmulatorServer: the WSGI app on werkzeug's threaded server, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from evalctl.emulator import motostate, tokens
from evalctl.emulator.app import INPUT_GUARD, EmulatorApp
from evalctl.emulator.core import Core
from evalctl.emulator.gate import RequestGate, new_token


class _InputGuard:
    """The request stream; once armed (the app has read the whole body) `read` returns b"".

    werkzeug closes every connection and, after each response, reads whatever the client sent
    next, to drain an unread body. Once EmulatorApp has buffered the body, the guard turns that
    drain into a no-op, so the next request on a kept-alive connection stays intact.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.armed = False

    def read(self, size: int = -1) -> bytes:
        return b"" if self.armed else bytes(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return bytes(self._stream.readline(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# Accepted connections per server: a kept-alive one keeps its handler thread serving the old app after
# shutdown(), so stop() ends them; a process-wide client's pooled connection would otherwise reach a
# stopped emulator's state when a new one listens on the same port.
_LIVE: weakref.WeakKeyDictionary[Any, set[socket.socket]] = weakref.WeakKeyDictionary()
_LIVE_LOCK = threading.Lock()


def _end_connections(server: Any) -> None:
    with _LIVE_LOCK:
        connections = list(_LIVE.pop(server, set()))
    for connection in connections:
        with contextlib.suppress(OSError):  # already closed by the client
            connection.shutdown(socket.SHUT_RDWR)  # its thread reads EOF, finishes and closes it


def _check_free(host: str, port: int) -> None:
    """OSError when (host, port) cannot be bound: werkzeug would print its own text and sys.exit(1)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        probe.bind((host, port))


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive connections (about twice the request rate for boto3) and no log lines."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle kept-alive connection gives its thread back after a minute
    rfile: Any

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY a kept-alive connection
        # waits out the client's delayed ACK (~40 ms) on every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = _InputGuard(self.rfile)

        with _LIVE_LOCK:
            _LIVE.setdefault(self.server, set()).add(self.connection)

    def finish(self) -> None:
        with _LIVE_LOCK:
            _LIVE.get(self.server, set()).discard(self.connection)
        super().finish()

    def handle_one_request(self) -> None:
        self.rfile.armed = False
        super().handle_one_request()

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ[INPUT_GUARD] = self.rfile
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        # werkzeug always sends "Connection: close"; keep the connection when the body was drained.
        if keyword.lower() == "connection" and value.lower() == "close" and self.rfile.armed:
            return
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log_error(self, format: str, *args: Any) -> None:
        return None

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


def _moto_app() -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


class EmulatorServer:
    """A local AgentCore Evaluations endpoint with moto's IAM/Logs/Lambda on the same port."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        token: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.core = Core(Path(data_dir) if data_dir is not None else None)
        self.app = EmulatorApp(self.core, _moto_app())
        # Every request passes the gate first (Host, Origin, content type, SigV4 shape, admin token).
        self.token = token or new_token()
        self.gate = RequestGate(self.app, self.token)
        if self.core.data_dir is not None:
            motostate.load(self.core.data_dir)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        tokens.warn_if_exposed(self.host)
        _check_free(self.host, self.port)
        server = make_server(self.host, self.port, self.gate, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self.port = server.server_port
        self.gate.bind(self.host, self.port)
        tokens.register(self.endpoint, self.token)
        # A short poll interval makes stop() return in ~50 ms instead of the default 0.5 s.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="evalctl-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; state already persisted stays in data_dir."""
        # First: a dataset job still invoking its agent must neither send more nor store more, so an
        # emulator started next on this data dir resumes it without a second worker.
        self.core.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            _end_connections(self._server)
            tokens.forget(self.endpoint)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.core.data_dir is not None and self._server is not None:
            with self.core.store.lock:
                motostate.save(self.core.data_dir)
        self._server = None
        self._thread = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"
