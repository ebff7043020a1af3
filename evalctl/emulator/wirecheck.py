"""Raw HTTP to a running emulator and the error contract its AgentCore routes must keep."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from evalctl.emulator.gate import REFUSAL_CODES

SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/bedrock-agentcore/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
)
# Codes a malformed request may earn; anything else (Internal..., Throttling...) breaks the contract.
CLIENT_ERROR_CODES = (
    frozenset(
        {"ValidationException", "ResourceNotFoundException", "UnknownOperationException", "ConflictException"}
    )
    | REFUSAL_CODES
)
# Text that only a leaked traceback, repr or HTML error page would put in a body.
LEAK_MARKERS = ("Traceback", "<class '", " object at 0x", 'File "/', "<!doctype", "<html")


@dataclass
class Reply:
    """A raw HTTP response: status, lower-cased headers and the body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def send(
    endpoint: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: Mapping[str, str | None] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One request on a fresh connection; `headers` override the defaults (None values drop them)."""
    where = urlsplit(endpoint)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=timeout)
    merged: dict[str, str | None] = {
        "Authorization": SIGNED,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **(headers or {}),
    }
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in merged.items():
            if value is not None:
                conn.putheader(name, value)
        conn.endheaders(body or None)
        answer = conn.getresponse()
        return Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        conn.close()


def send_truncated(endpoint: str, path: str, announced: int, body: bytes, timeout: float = 30.0) -> Reply:
    """POST announcing `announced` bytes, send fewer, then close our side (a client that died)."""
    where = urlsplit(endpoint)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: {SIGNED}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
    )
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + body)
        sock.shutdown(socket.SHUT_WR)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    return _parse_raw(raw)


def _parse_raw(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(status, headers, body)


def violations(reply: Reply, sent: str = "") -> list[str]:
    """How an error reply breaks the AWS error contract (empty when it keeps it).

    `sent` is the request's text: markers the client itself sent may be echoed back in a message.
    """
    found: list[str] = []
    if not 400 <= reply.status < 500:
        found.append(f"status {reply.status} is not 4xx")
    code = reply.headers.get("x-amzn-errortype", "")
    if code not in CLIENT_ERROR_CODES:
        found.append(f"x-amzn-ErrorType {code!r} is not a client error code")
    try:
        doc = json.loads(reply.body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("message"), str) or not doc["message"].strip():
        found.append(f'body is not {{"message": ...}}: {reply.body[:120]!r}')
    text = reply.body.decode("utf-8", "replace")
    found += [f"body leaks {m!r}" for m in LEAK_MARKERS if m in text and m not in sent]
    return found


def success_violations(reply: Reply) -> list[str]:
    """A 2xx reply must carry a JSON object (or nothing, for 204)."""
    if reply.status == 204 and not reply.body:
        return []
    try:
        doc = json.loads(reply.body)
    except ValueError:
        return [f"{reply.status} body is not JSON: {reply.body[:120]!r}"]
    return [] if isinstance(doc, dict) else [f"{reply.status} body is not a JSON object"]


def check(reply: Reply, sent: str = "") -> list[str]:
    """Contract violations of any reply to a request that may or may not be valid."""
    return success_violations(reply) if 200 <= reply.status < 300 else violations(reply, sent)
