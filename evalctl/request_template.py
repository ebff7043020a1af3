"""StartBatchEvaluation's requestTemplate: checked and filled in the way botocore's RequestTemplate says.

botocore (bedrock-agentcore, RequestTemplate): "A JSON object template for the request payload sent to
the agent for each turn. The template must contain the placeholder {{turn.input}} exactly once, as the
complete value of a JSON string and not as a field name. [...] If the input isn't a string, the service
inserts it as a JSON value. If you don't specify a template, the service uses
{"prompt": "{{turn.input}}"}."
"""

from __future__ import annotations

import json
from typing import Any

PLACEHOLDER = "{{turn.input}}"
DEFAULT = '{"prompt": "{{turn.input}}"}'
MAX_LENGTH = 10240  # RequestTemplate: max 10240


def _count(value: Any) -> tuple[int, int]:
    """(string values equal to the placeholder, keys or partial strings that contain it)."""
    if isinstance(value, dict):
        whole = part = 0
        for key, item in value.items():
            part += PLACEHOLDER in key
            inner = _count(item)
            whole, part = whole + inner[0], part + inner[1]
        return whole, part
    if isinstance(value, list):
        counts = [_count(v) for v in value]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)
    if isinstance(value, str):
        return (1, 0) if value == PLACEHOLDER else (0, value.count(PLACEHOLDER))
    return 0, 0


def problem(template: str) -> str | None:
    """What is wrong with a template, or None when the service would accept it."""
    if len(template) > MAX_LENGTH:
        return f"is {len(template)} characters long; at most {MAX_LENGTH}"
    try:
        parsed = json.loads(template)
    except ValueError as exc:
        return f"is not JSON ({exc})"
    if not isinstance(parsed, dict):
        return "must be a JSON object, e.g. " + DEFAULT
    whole, part = _count(parsed)
    if part:
        return f"uses {PLACEHOLDER} inside a field name or a longer string; it must be a whole string value"
    if whole != 1:
        return f"must contain {PLACEHOLDER} exactly once as a string value (found {whole})"
    return None


def _fill(value: Any, turn_input: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, turn_input) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, turn_input) for v in value]
    return turn_input if value == PLACEHOLDER else value


def render(template: str | None, turn_input: Any) -> bytes:
    """The payload for one turn: the input JSON-escaped into the string, or as a JSON value."""
    return json.dumps(_fill(json.loads(template or DEFAULT), turn_input)).encode()
