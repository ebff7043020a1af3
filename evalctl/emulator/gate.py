"""The request gate: only the developer's own tools (SDKs, CLI, evalctl) can drive the emulator.

Reaching the emulator's port means running code (code-based evaluators run uploaded handlers),
so requests that a web page could send are refused before any route sees them: a Host that is not
the served address (DNS rebinding), any Origin or browser Fetch Metadata header, a non-JSON body
on JSON routes (HTML forms), AWS routes without a SigV4-shaped Authorization header, and admin
requests without the per-run token.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
TOKEN_HEADER = "X-Evalctl-Emulator-Token"
_TOKEN_ENVIRON = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")
ADMIN_PREFIX = "/_emulator/"
# GetDataset's downloadUrl (a presigned S3 URL in AWS): signed per URL, checked by its handler,
# so it needs no admin token; it is read-only and hands out scenarios, never runs code.
DOWNLOAD_PREFIX = "/_emulator/datasets/"
# OTLP/HTTP exporters send no SigV4 header. Their bodies are protobuf or JSON, which no web page
# can POST cross-site without a CORS preflight (refused: Origin is refused). Ingest only stores.
OTLP_PATHS = ("/v1/traces", "/v1/logs")
OTLP_TYPES = ("application/x-protobuf", "application/json")
# InvokeAgentRuntime's payload is a blob sent with the caller's own content type.
_INVOKE_PATH = re.compile(r"/runtimes/.+/invocations")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Signatures are not verified (credentials are dummies): what matters is that the header exists,
# which no web page can add without a CORS preflight that the emulator never grants.
SIGV4_PREFIX = "AWS4-HMAC-SHA256 Credential="
_AGENTCORE_SCOPE = re.compile(r"/bedrock-agentcore/aws4_request")
# PutObject stores the body with the caller's own Content-Type (its ContentType member), so S3 takes
# any type; the Authorization rule above still keeps browsers out.
_S3_SCOPE = re.compile(r"/s3/aws4_request")
# Query-protocol services routed to moto (IAM, STS) send form-encoded bodies; rest-json and
# json-1.x services (AgentCore, Lambda, Logs) send JSON. A browser form can only send the first
# kind, and it cannot add the Authorization header that every AWS route requires.
JSON_TYPES = ("application/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1")
FORM_TYPE = "application/x-www-form-urlencoded"
REFUSAL_CODES = frozenset(
    {
        "ForbiddenHostException",
        "BrowserRequestRefusedException",
        "MissingAuthenticationTokenException",
        "MissingAdminTokenException",
        "UnsupportedMediaTypeException",
    }
)


# Bodies above LARGE_BODY are buffered (and parsed) one at a time: ten parallel 100 MiB uploads
# queue in the kernel's socket buffers instead of all sitting in memory together.
LARGE_BODY = 8 * 1024 * 1024
LARGE_AT_ONCE = 1


def new_token() -> str:
    """A fresh per-run admin token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """Host header values the emulator answers: its loopback names (and its bind address) with the port."""
    names = {*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host}
    values = {f"{name}:{port}" for name in names}
    if port == 80:
        values |= names
    return frozenset(value.lower() for value in values)


class RequestGate:
    """WSGI middleware in front of EmulatorApp; `bind()` tells it the served address once known."""

    def __init__(self, app: Callable[..., Iterable[bytes]], token: str) -> None:
        self.app = app
        self.token = token
        self.hosts: frozenset[str] = frozenset()
        self._large = threading.BoundedSemaphore(LARGE_AT_ONCE)

    def bind(self, host: str, port: int) -> None:
        self.hosts = allowed_hosts(host, port)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refusal = self.refusal(environ)
        if refusal is not None:
            status, code, message = refusal
            return _refuse(status, code, message, start_response)
        if _announced(environ) <= LARGE_BODY:
            return self.app(environ, start_response)
        with self._large:
            return list(self.app(environ, start_response))

    def refusal(self, environ: dict[str, Any]) -> tuple[int, str, str] | None:
        """(status, error code, message) for a request the emulator must not serve, else None."""
        host = str(environ.get("HTTP_HOST", "")).lower()
        if host not in self.hosts:
            return 403, "ForbiddenHostException", f"Host {host[:80]!r} is not this emulator's address"
        if _from_browser(environ):
            return (
                403,
                "BrowserRequestRefusedException",
                "Requests from web browsers (Origin header) are refused",
            )
        raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(DOWNLOAD_PREFIX) and raw.startswith(DOWNLOAD_PREFIX) and _is_get(environ):
            return None
        if any(p.startswith(ADMIN_PREFIX) for p in (path, raw)):
            return _admin_refusal(environ, self.token)
        if path in OTLP_PATHS:
            return _otlp_refusal(environ)
        return _aws_refusal(environ, path)


def _from_browser(environ: dict[str, Any]) -> bool:
    """An Origin header, or Fetch Metadata as browsers send it (not Node's fetch: see below)."""
    if "HTTP_ORIGIN" in environ:
        return True
    metadata = {k for k in environ if k.startswith("HTTP_SEC_FETCH_")}
    # Node's fetch() (undici, used by the official AgentCore CLI) adds `Sec-Fetch-Mode: cors` and no
    # other Fetch Metadata header to every request. Browsers send Sec-Fetch-Site with every
    # Sec-Fetch-Mode (W3C Fetch Metadata), and an Origin on every cors-mode request.
    if metadata == {"HTTP_SEC_FETCH_MODE"} and str(environ["HTTP_SEC_FETCH_MODE"]).lower() == "cors":
        return False
    return bool(metadata)


def _admin_refusal(environ: dict[str, Any], token: str) -> tuple[int, str, str] | None:
    sent = str(environ.get(_TOKEN_ENVIRON, ""))
    if not secrets.compare_digest(sent.encode(), token.encode()):
        return (
            401,
            "MissingAdminTokenException",
            f"/_emulator/ needs the {TOKEN_HEADER} header printed at start",
        )
    if _has_body(environ) and _media_type(environ) != "application/json":
        return 415, "UnsupportedMediaTypeException", "admin requests with a body must be application/json"
    return None


def _is_get(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not _has_body(environ)


def _otlp_refusal(environ: dict[str, Any]) -> tuple[int, str, str] | None:
    if environ.get("REQUEST_METHOD") != "POST" or _media_type(environ) not in OTLP_TYPES:
        return 415, "UnsupportedMediaTypeException", "OTLP exports are POSTed as protobuf or JSON"
    return None


def _aws_refusal(environ: dict[str, Any], path: str) -> tuple[int, str, str] | None:
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    if not authorization.startswith(SIGV4_PREFIX):
        return 403, "MissingAuthenticationTokenException", "Request is missing a SigV4 Authorization header"
    if not _has_body(environ):
        return None
    media = _media_type(environ)
    if _INVOKE_PATH.fullmatch(path) or _S3_SCOPE.search(authorization):
        return None
    # AgentCore operations all take JSON bodies; moto's services also take forms (IAM, STS) and
    # untyped blobs (botocore sends Lambda's Invoke payload without a Content-Type).
    accepted = JSON_TYPES if _AGENTCORE_SCOPE.search(authorization) else (*JSON_TYPES, FORM_TYPE, "")
    if media not in accepted:
        return (
            415,
            "UnsupportedMediaTypeException",
            f"Content-Type {media[:60]!r} is not accepted on this route",
        )
    return None


def _announced(environ: dict[str, Any]) -> int:
    """The Content-Length as a number (0 when absent or malformed: the app refuses those itself)."""
    text = str(environ.get("CONTENT_LENGTH") or "0").strip()
    return int(text) if text.isdigit() and len(text) < 13 else 0


def _media_type(environ: dict[str, Any]) -> str:
    return str(environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()


def _has_body(environ: dict[str, Any]) -> bool:
    length = str(environ.get("CONTENT_LENGTH") or "0").strip()
    return length != "0" or "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()


def _refuse(status: int, code: str, message: str, start_response: StartResponse) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    reason = {401: "Unauthorized", 403: "Forbidden", 415: "Unsupported Media Type"}[status]
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", code),
    ]
    start_response(f"{status} {reason}", headers)
    return [body]
