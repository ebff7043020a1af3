"""AgentCore state: resources, tags and idempotency tokens, with optional JSON persistence."""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from pathlib import Path
from typing import Any

from evalctl.emulator.errors import ConflictError, ValidationError

_ID_CHARS = string.ascii_letters + string.digits
TABLES = (
    "evaluators", "onlineConfigs", "batches", "datasets", "recommendations", "generations",
    "agentInsights", "insightStores",
)  # fmt: skip
STATE_FILE = "agentcore.json"


def new_id(name: str) -> str:
    """An AgentCore-shaped id: `<name>-<10 random alphanumerics>`."""
    return f"{name}-" + "".join(secrets.choice(_ID_CHARS) for _ in range(10))


def new_hex_id(name: str) -> str:
    """A batch evaluation id as recorded from the service: `<name>-<10 lowercase hex digits>`."""
    return f"{name}-{secrets.token_hex(5)}"


def _canonical(params: dict[str, Any]) -> str:
    body = {k: v for k, v in params.items() if k != "clientToken"}
    return json.dumps(body, sort_keys=True, default=str)


class Store:
    """All AgentCore records, guarded by one re-entrant lock (requests are short)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        self.tags: dict[str, dict[str, str]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        # Keys of records with a lifecycle transition in flight, per table (see Core.settle).
        self.pending: dict[str, set[str]] = {t: set() for t in TABLES}
        if data_dir is not None:
            self._load()

    def reset(self) -> None:
        with self.lock:
            self.tables = {t: {} for t in TABLES}
            self.tags = {}
            self.tokens = {}
            self.pending = {t: set() for t in TABLES}
            self.save()

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        return self.tables[name]

    def replay(
        self, op: str, params: dict[str, Any], now: float = 0.0, ttl: float = float("inf")
    ) -> dict[str, Any] | None:
        """The stored response of an earlier call with the same clientToken, if any and not expired."""
        token = params.get("clientToken")
        if not token:
            return None
        seen = self.tokens.get(f"{op}:{token}")
        if seen is not None and now - float(seen.get("at", now)) > ttl:
            del self.tokens[f"{op}:{token}"]  # expired: the token is a new request again
            seen = None
        if seen is None:
            return None
        if seen["request"] != _canonical(params):
            raise ConflictError(
                f"The clientToken '{token}' was already used with different request parameters for {op}."
            )
        response: dict[str, Any] = seen["response"]
        return response

    def remember(self, op: str, params: dict[str, Any], response: dict[str, Any], now: float = 0.0) -> None:
        token = params.get("clientToken")
        if token:
            self.tokens[f"{op}:{token}"] = {"request": _canonical(params), "response": response, "at": now}

    def set_tags(self, arn: str, tags: dict[str, str]) -> None:
        merged = {**self.tags.get(arn, {}), **tags}
        if len(merged) > 50:
            raise ValidationError(
                f"1 validation error detected: Value '{len(merged)}' at 'tags' failed to satisfy "
                "constraint: Member must have length less than or equal to 50"
            )
        self.tags[arn] = merged

    def save(self) -> None:
        """Write the state atomically (temp file + rename) when a data dir is configured."""
        if self.data_dir is None:
            return
        with self.lock:
            doc = {"tables": self.tables, "tags": self.tags, "tokens": self.tokens}
            text = json.dumps(doc, sort_keys=True, default=str)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.data_dir / f".{STATE_FILE}.{threading.get_ident()}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self.data_dir / STATE_FILE)

    def _load(self) -> None:
        assert self.data_dir is not None
        path = self.data_dir / STATE_FILE
        if not path.exists():
            return
        doc = json.loads(path.read_text())
        self.tables = {t: dict(doc.get("tables", {}).get(t, {})) for t in TABLES}
        self.tags = dict(doc.get("tags", {}))
        self.tokens = dict(doc.get("tokens", {}))
        self.pending = {
            t: {k for k, r in rows.items() if r.get("settleAt") is not None}
            for t, rows in self.tables.items()
        }
