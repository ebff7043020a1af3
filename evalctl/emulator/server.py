"""EmulatorServer: the WSGI app on werkzeug's threaded server, in a background thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from evalctl.emulator import motostate
from evalctl.emulator.app import EmulatorApp
from evalctl.emulator.core import Core


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive (as boto3 expects) and no per-request log lines."""

    protocol_version = "HTTP/1.1"

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

    def __init__(self, host: str = "127.0.0.1", port: int = 0, data_dir: str | Path | None = None) -> None:
        self.host = host
        self.port = port
        self.core = Core(Path(data_dir) if data_dir is not None else None)
        self.app = EmulatorApp(self.core, _moto_app())
        if self.core.data_dir is not None:
            motostate.load(self.core.data_dir)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self.port = server.server_port
        # A short poll interval makes stop() return in ~50 ms instead of the default 0.5 s.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="evalctl-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; state already persisted stays in data_dir."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
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
