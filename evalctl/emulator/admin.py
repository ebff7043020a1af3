"""Admin endpoints under /_emulator/: reset, faults, calls, clock, settings, seed, health."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from evalctl.emulator import live, motostate, seeding
from evalctl.emulator.agents import parse_mapping as agents_parse
from evalctl.emulator.settings import Settings

if TYPE_CHECKING:
    from evalctl.emulator.app import EmulatorApp

PREFIX = "/_emulator/"
StartResponse = Callable[..., Any]


class AdminError(Exception):
    """A bad admin request (400)."""


class UnknownEndpoint(Exception):
    """No admin endpoint at that method and path (404)."""


def _json(status: int, doc: Any, start_response: StartResponse) -> list[bytes]:
    body = json.dumps(doc).encode()
    reason = "OK" if status == 200 else "Bad Request" if status == 400 else "Not Found"
    start_response(
        f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON value")


def _payload(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    doc = json.loads(raw, parse_constant=_no_constant) if raw.strip() else {}
    if not isinstance(doc, dict):
        raise AdminError("admin payload must be a JSON object")
    return doc


def reset(app: EmulatorApp) -> dict[str, Any]:
    """Forget everything: AgentCore state, moto's backends, clock, faults, settings and counts."""
    from moto.moto_api._internal.models import moto_api_backend

    with app.core.store.lock:
        app.core.store.reset()
        app.core.clock.reset()
        app.core.settings = Settings()
        app.core.futures.clear()
        for cancel in app.core.cancels.values():
            cancel.set()  # a dataset job of the old state must not keep invoking agents
        app.core.cancels.clear()
        app.core.names.clear()
        app.queries.clear()
        moto_api_backend.reset()
    app.faults.configure()
    app.calls.reset()
    return {"reset": True}


def _route(app: EmulatorApp, method: str, name: str, doc: dict[str, Any]) -> Any:
    core = app.core
    if name == "reset" and method == "POST":
        return reset(app)
    if name == "faults":
        return app.faults.as_dict() if method == "GET" else _faults(app, doc)
    if name == "calls":
        if method == "DELETE":
            app.calls.reset()
        return app.calls.snapshot()
    if name == "clock":
        if method == "POST":
            core.clock.advance(float(doc.get("advanceSeconds", 0)))
        # Sessions that went quiet during the jump are scored before the call returns.
        live.tick(core)
        return {"now": core.clock.now(), "offset": core.clock.offset}
    if name == "settings":
        if method == "POST":
            core.settings.update(**doc)
        return core.settings.as_dict()
    if name == "seed" and method == "POST":
        ids = seeding.seed_documents(core, doc)
        if core.data_dir is not None:
            motostate.save(core.data_dir)
        return {"sessionIds": ids}
    if name == "agents":
        if method == "POST":
            core.agents.update(dict(agents_parse(f"{k}={v}") for k, v in doc.items()))
        return dict(core.agents)
    if name == "health":
        return {"ok": True}
    raise UnknownEndpoint(name)


def _faults(app: EmulatorApp, doc: dict[str, Any]) -> dict[str, Any]:
    try:
        app.faults.configure(**doc)
    except TypeError as exc:
        raise AdminError(str(exc)) from exc
    return app.faults.as_dict()


def _download(app: EmulatorApp, path: str, query: str, start_response: StartResponse) -> list[bytes]:
    """A dataset's downloadUrl: the JSONL file GetDataset points at (a presigned S3 URL in AWS)."""
    from evalctl.emulator import dataset_examples

    status, body = dataset_examples.download(app.core, path, query)
    kind = "application/x-ndjson" if status == 200 else "text/plain"
    reason = {200: "OK", 403: "Forbidden"}.get(status, "Not Found")
    start_response(f"{status} {reason}", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def handle(
    app: EmulatorApp, environ: dict[str, Any], path: str, start_response: StartResponse
) -> Iterable[bytes]:
    """Serve one admin request; errors are 400 with a message, unknown paths 404."""
    name = path[len(PREFIX) :].strip("/")
    if name.startswith("datasets/") and environ["REQUEST_METHOD"] == "GET":
        return _download(app, path, str(environ.get("QUERY_STRING", "")), start_response)
    try:
        doc = _payload(environ) if environ["REQUEST_METHOD"] in ("POST", "PUT") else {}
        result = _route(app, environ["REQUEST_METHOD"], name, doc)
    except UnknownEndpoint:
        return _json(
            404, {"message": f"no admin endpoint {environ['REQUEST_METHOD']} {path}"}, start_response
        )
    except (AdminError, ValueError, KeyError, TypeError) as exc:
        return _json(400, {"message": f"{type(exc).__name__}: {exc}"}, start_response)
    return _json(200, result, start_response)
