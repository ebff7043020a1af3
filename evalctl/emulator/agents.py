"""InvokeAgentRuntime forwarded to local agents (`evalctl emulator --agent ARN=URL`).

A local agent follows the AgentCore runtime contract: `POST /invocations` with the payload, the
session in the `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` header (InvokeAgentRuntime's
`runtimeSessionId` member), and `GET /ping`. The call runs outside the state lock: an agent may
take seconds, and its telemetry may come back to this emulator meanwhile.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from evalctl.emulator.errors import ApiError, NotFoundError, ValidationError

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
_ENDPOINT = re.compile(r"/runtime-endpoint/[^/]+$")
_RUNTIME_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}"
)


class RuntimeClientError(ApiError, code="RuntimeClientError", status=424):
    """The agent could not be reached or failed (botocore: RuntimeClientError, HTTP 424)."""


def runtime_arn(arn: str) -> str:
    """A runtime ARN from a runtime or runtime-endpoint ARN (DatasetExecutionConfig names endpoints)."""
    return _ENDPOINT.sub("", arn)


def parse_mapping(text: str) -> tuple[str, str]:
    """`ARN=URL` from the command line, or ValueError naming what is wrong."""
    arn, sep, url = text.partition("=")
    if not sep or not _RUNTIME_ARN.fullmatch(runtime_arn(arn)) or not url.startswith(("http://", "https://")):
        raise ValueError(
            f"--agent expects ARN=URL, e.g. arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/"
            f"support_agent-abcdefghij=http://127.0.0.1:8080, not {text!r}"
        )
    return runtime_arn(arn), url.rstrip("/")


def forward(
    agents: dict[str, str], arn: str, payload: bytes, *, session: str, content_type: str, timeout: float
) -> tuple[bytes, str]:
    """POST the payload to the mapped agent; (body, content type), or an AWS-shaped error."""
    url = agents.get(runtime_arn(arn))
    if url is None:
        raise NotFoundError(
            f"Agent runtime {arn} is not mapped to a local agent; start the emulator with --agent {arn}=URL"
        )
    request = urllib.request.Request(
        f"{url}/invocations",
        data=payload,
        method="POST",
        headers={"Content-Type": content_type, SESSION_HEADER: session},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.read(), answer.headers.get("Content-Type", "application/json")
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise RuntimeClientError(f"The agent at {url} answered HTTP {exc.code}: {detail}") from exc
    except TimeoutError as exc:
        raise RuntimeClientError(f"The agent at {url} did not answer within {timeout:g} s") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RuntimeClientError(f"The agent at {url} could not be reached: {reason}") from exc


@dataclass(frozen=True)
class Call:
    """One InvokeAgentRuntime request as received: path labels, WSGI environ, raw body, timeout."""

    labels: dict[str, str]
    environ: dict[str, Any]
    body: bytes
    timeout: float


def serve(agents: dict[str, str], call: Call, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer one InvokeAgentRuntime request with the agent's own bytes (a blob payload, not JSON)."""
    labels, environ, body, timeout = call.labels, call.environ, call.body, call.timeout
    arn = unquote(labels["agentRuntimeArn"])
    query = parse_qs(str(environ.get("QUERY_STRING", "")))
    if not arn.startswith("arn:") and query.get("accountId"):
        raise ValidationError("Invoke local agents by their full runtime ARN")
    session = str(environ.get("HTTP_X_AMZN_BEDROCK_AGENTCORE_RUNTIME_SESSION_ID") or uuid.uuid4())
    if not 33 <= len(session) <= 256:
        raise ValidationError("runtimeSessionId must be 33 to 256 characters long")
    kind = str(environ.get("CONTENT_TYPE") or "application/json")
    answer, answer_type = forward(agents, arn, body, session=session, content_type=kind, timeout=timeout)
    headers = [("Content-Type", answer_type), ("Content-Length", str(len(answer))), (SESSION_HEADER, session)]
    start_response("200 OK", headers)
    return [answer]
