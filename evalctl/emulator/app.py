"""The WSGI app: AgentCore evaluation routes on our handlers, admin under /_emulator/, rest on moto."""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote

from evalctl.api.validation import validation_message
from evalctl.emulator import admin, agents, live, model, motoops, tags, wire
from evalctl.emulator.core import Core, Request
from evalctl.emulator.errors import ApiError, InternalError, UnknownOperationError, ValidationError
from evalctl.emulator.faults import DROP, CallCounts, Faults, committed_error
from evalctl.emulator.handlers import HANDLERS, SETTLING_READS, is_mutation
from evalctl.emulator.insights import service as insights
from evalctl.emulator.settings import DEFAULT_REGION

StartResponse = Callable[..., Any]
INPUT_GUARD = "evalctl.input_guard"
# A scope whose region is not region-shaped falls back to the default region.
_REGION = re.compile(r"Credential=[^/]+/[^/]+/([a-z0-9-]{1,32})/")
# Lambda zips travel base64 in CreateFunction bodies (50 MB zips), hence the generous cap.
MAX_BODY = 100 * 1024 * 1024
_READ_SLICE = 1 << 20


class ConnectionDropped(Exception):
    """Raised after closing the client's socket on purpose (commit-then-drop fault)."""


class EmulatorApp:
    """Dispatches every request on one port."""

    def __init__(self, core: Core, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self.core = core
        self.moto_app = moto_app
        self.faults = Faults()
        self.calls = CallCounts()
        self.queries = insights.QueryBook()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            _buffer_body(environ)
        except ValidationError as exc:
            # The body's framing is unknown: the input guard stays unarmed, so werkzeug closes.
            return _error(exc, start_response)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
        path, _, query = str(raw).partition("?")
        if path.startswith(admin.PREFIX):
            return admin.handle(self, environ, path, start_response)
        # Online evaluation catches up with emulator time before anything is read or changed.
        live.tick(self.core)
        if path in ("/v1/traces", "/v1/logs") and environ["REQUEST_METHOD"] == "POST":
            return _otlp(self.core, path, environ, start_response)
        logs_operation = _logs_operation(environ)
        if logs_operation in insights.OPERATIONS:
            self.calls.add(logs_operation)
            return self._insights(logs_operation, environ, start_response)
        found = self._route(environ, path)
        if found is None:
            unknown = _unknown_operation(environ, path)
            if unknown is not None:
                return _error(unknown, start_response)
            self.calls.add(motoops.operation_name(environ, path, query))
            return self.moto_app(environ, start_response)
        route, labels = found
        try:
            return self._serve(route, labels, environ, query, start_response)
        except ConnectionDropped:
            raise
        except Exception:  # last resort: a client must never see werkzeug's HTML traceback page
            failure = InternalError(f"The server could not process {route.operation.name}; try again")
            return _error(failure, start_response)

    def _insights(
        self, operation: str, environ: dict[str, Any], start_response: StartResponse
    ) -> list[bytes]:
        """A Logs Insights operation, answered by our engine instead of moto's stub."""
        region_match = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = region_match.group(1) if region_match else DEFAULT_REGION
        polls = self.core.settings.insights_running_polls
        status, doc = self.queries.answer(operation, _body(environ), region, self.core.clock.now(), polls)
        extra = [("x-amzn-ErrorType", str(doc["__type"]))] if status != 200 else []
        return _respond(status, json.dumps(doc).encode(), start_response, extra)

    def _route(self, environ: dict[str, Any], path: str) -> tuple[model.Route, dict[str, str]] | None:
        service = motoops.signing_service(environ)
        if service not in (None, "bedrock-agentcore"):
            return None
        found = model.match(environ["REQUEST_METHOD"], path)
        if found and "resourceArn" in found[1] and not tags.owns(unquote(found[1]["resourceArn"])):
            return None
        return found

    def _serve(
        self,
        route: model.Route,
        labels: dict[str, str],
        environ: dict[str, Any],
        query: str,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        op = route.operation
        self.calls.add(op.name)
        if self.faults.settings.latency_ms:
            time.sleep(self.faults.latency_seconds())
        try:
            self.faults.before(op.name)
            if op.name == "InvokeAgentRuntime":  # a blob in and out, forwarded without the state lock
                timeout = self.core.settings.agent_timeout_seconds
                call = agents.Call(labels, environ, _body(environ), timeout)
                return agents.serve(self.core.agents, call, start_response)
            result = self._apply(op, labels, environ, query, route.legacy)
        except ApiError as exc:
            return _error(exc, start_response)
        spoil = self.faults.after_commit(op.name)
        if spoil == DROP:
            _drop(environ)
        if spoil is not None:
            return _error(committed_error(op.name), start_response)
        status = int(op.http.get("responseCode", 200))
        # A 204 carries no body; everything else is the output shape's JSON.
        body = b"" if status == 204 else json.dumps(wire.serialize(op.output_shape, result)).encode()
        return _respond(status, body, start_response)

    def _apply(
        self, op: Any, labels: dict[str, str], environ: dict[str, Any], query: str, legacy: bool = False
    ) -> dict[str, Any]:
        headers = {
            k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        params = wire.parse_request(op, labels, query, headers, _body(environ))
        if legacy:
            params.update(wire.query_members(op, query))
        problem = validation_message(op.input_shape, params)
        if problem:
            raise ValidationError(problem)
        region_match = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        request = Request(
            region=region_match.group(1) if region_match else DEFAULT_REGION,
            host=str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "127.0.0.1")),
        )
        store = self.core.store
        with store.lock:
            now, ttl = self.core.clock.now(), self.core.settings.token_ttl_seconds
            replayed = store.replay(op.name, params, now, ttl)
            if replayed is not None:
                return replayed
            try:
                result = HANDLERS[op.name](self.core, params, request)
            except ApiError:
                raise
            except Exception as exc:  # a handler bug must still answer like AWS, not hang the client
                # The exception's text is internal; the client gets the operation name only.
                raise InternalError(f"The server could not process {op.name}; try again") from exc
            if is_mutation(op.name):
                store.remember(op.name, params, result, now)
                store.save()
            elif op.name in SETTLING_READS:
                store.save()
        return result


def _logs_operation(environ: dict[str, Any]) -> str | None:
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    prefix, _, operation = target.partition(".")
    return operation if prefix == "Logs_20140328" else None


def _otlp(core: Core, path: str, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """OTLP/HTTP export: 200 with an empty export response, or 400 naming what is wrong."""
    from evalctl.emulator import otlp

    kind = str(environ.get("CONTENT_TYPE") or "application/x-protobuf")
    try:
        request = otlp.decode(path, _body(environ), kind)
    except otlp.OtlpError as exc:
        return _respond(400, json.dumps({"message": str(exc)[:500]}).encode(), start_response)
    with core.store.lock:
        otlp.store(path, request, int(core.clock.now() * 1000), otlp.runtime_ids(core.agents))
    body, answer = (b"{}", "application/json") if "json" in kind else (b"", "application/x-protobuf")
    start_response("200 OK", [("Content-Type", answer), ("Content-Length", str(len(body)))])
    return [body]


def _buffer_body(environ: dict[str, Any]) -> None:
    """Read the whole body now; then the server may keep the connection open (see server.py)."""
    guard = environ.get(INPUT_GUARD)
    if environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""):
        return  # chunked bodies end the connection, as werkzeug does
    length = content_length(environ)
    stream = environ["wsgi.input"]
    body = io.BytesIO()
    left = length
    # Read in slices: one read(length) would allocate the claimed size before any byte arrives;
    # writing them straight into one buffer avoids a second copy of the body (list, then join).
    while left > 0:
        chunk = stream.read(min(left, _READ_SLICE))
        if not chunk:
            break  # the client sent less than it announced and closed its side
        body.write(chunk)
        left -= len(chunk)
    environ["CONTENT_LENGTH"] = str(body.tell())
    body.seek(0)
    environ["wsgi.input"] = body
    if guard is not None:
        guard.armed = True


def content_length(environ: dict[str, Any]) -> int:
    """The announced body size, or ValidationError when it is not a size we accept."""
    text = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not text.isdigit() or not text.isascii():
        raise ValidationError(f"Invalid Content-Length header: '{text[:40]}'")
    if len(text) > 12 or int(text) > MAX_BODY:
        raise ValidationError(f"Request body of {text[:40]} bytes exceeds the limit of {MAX_BODY} bytes")
    return int(text)


def _unknown_operation(environ: dict[str, Any], path: str) -> UnknownOperationError | None:
    """The error for a request signed for AgentCore that no operation of either service matches."""
    method = environ["REQUEST_METHOD"]
    if motoops.signing_service(environ) != "bedrock-agentcore" or model.known_route(method, path):
        return None
    return UnknownOperationError(f"No operation matches {method} {path[:200]}")


def _body(environ: dict[str, Any]) -> bytes:
    if environ.get("wsgi.input_terminated"):
        # A chunked body has no Content-Length; read it to its end, refusing broken chunk framing.
        try:
            return bytes(environ["wsgi.input"].read(MAX_BODY + 1))
        except (OSError, ValueError) as exc:
            raise ValidationError("Malformed chunked request body") from exc
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _respond(
    status: int, body: bytes, start_response: StartResponse, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *(extra or [])]
    start_response(f"{status} {_REASONS.get(status, 'OK')}", headers)
    return [body]


def _error(exc: ApiError, start_response: StartResponse) -> list[bytes]:
    headers = [("x-amzn-ErrorType", exc.code)]
    return _respond(exc.status, wire.error_body(exc.message), start_response, headers)


def _drop(environ: dict[str, Any]) -> None:
    conn = environ.get("werkzeug.socket")
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
    raise ConnectionDropped("connection dropped by the commit-then-fail fault")


_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    402: "Payment Required",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
