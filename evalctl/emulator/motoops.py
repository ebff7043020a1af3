"""Name the operation of a request bound for moto, cheaply, so call counts cover IAM/Logs/Lambda."""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from evalctl.emulator.model import compile_uri
from evalctl.service_models import service_model

# Only a well-formed scope (key/yyyymmdd/region/service/aws4_request) names a service: a mangled one
# such as `.../../../bedrock-agentcore/...` once sent moto a service it crashed on (HTML 500).
_SCOPE = re.compile(r"Credential=[^/\s]+/[0-9]{8}/[a-z0-9-]{1,32}/([a-z0-9-]{1,64})/aws4_request")
_MAX_FORM = 1 << 20


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service named in the SigV4 credential scope of the Authorization header."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return found.group(1) if found else None


@cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    try:
        model = service_model(service)
    except Exception:
        return ()
    if model.protocol not in ("rest-json", "rest-xml"):
        return ()
    out = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        out.append((http["method"], compile_uri(http["requestUri"]), name))
    out.sort(key=lambda r: (r[1].pattern.count("(?P<"), -len(r[1].pattern)))
    return tuple(out)


def _form_action(environ: dict[str, Any]) -> str | None:
    if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not 0 < length <= _MAX_FORM:
        return None
    body = environ["wsgi.input"].read(length)
    # Hand moto an unread copy of the body we consumed.
    environ["wsgi.input"] = io.BytesIO(body)
    values = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return values[0] if values else None


def operation_name(environ: dict[str, Any], raw_path: str, query: str) -> str:
    """The AWS operation name of a moto-bound request, or `Unknown`."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = parse_qs(query).get("Action")
    if action:
        return action[0]
    form = _form_action(environ)
    if form:
        return form
    service = signing_service(environ)
    for method, pattern, name in _rest_routes(service or ""):
        if method == environ["REQUEST_METHOD"] and pattern.fullmatch(raw_path):
            return name
    return "Unknown"
