"""AgentCore state: resources, tags and idempotency tokens, with optional JSON persistence."""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from pathlib import Path
from typing import Any

from evalctl.emulator import journal
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
        # The journal (evalctl.emulator.journal) that changes go to until the next whole-state save.
        self.generation = 0
        # Orders whole-state saves, so an older snapshot never replaces a newer one; always taken while
        # holding `lock` (never the other way round), released after the file is written.
        self._writer = threading.Lock()
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

    def record(self, table: str, key: str, changes: list[journal.Change]) -> None:
        """Persist changes already made to one record by appending them to the journal (call under
        `lock`): cost by the size of the change, not of the state. The next save compacts them."""
        if self.data_dir is not None:
            journal.append(self.data_dir, self.generation, table, key, changes)

    def save(self) -> None:
        """Write the state atomically (temp file + rename) when a data dir is configured; the journals
        it now holds are deleted."""
        if self.data_dir is None:
            return
        with self.lock:
            self._writer.acquire()
            held = self.generation
            self.generation += 1  # changes recorded from now on are not in this snapshot
            doc = {"tables": self.tables, "tags": self.tags, "tokens": self.tokens}
            doc["journal"] = self.generation
            try:
                text = json.dumps(doc, sort_keys=True, default=str)
            except BaseException:
                self._writer.release()
                raise
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.data_dir / f".{STATE_FILE}.{threading.get_ident()}.tmp"
            tmp.write_text(text)
            os.replace(tmp, self.data_dir / STATE_FILE)
            journal.remove_through(self.data_dir, held)
        finally:
            self._writer.release()

    def _load(self) -> None:
        assert self.data_dir is not None
        path = self.data_dir / STATE_FILE
        found = journal.generations(self.data_dir)
        if not path.exists() and not found:
            return
        doc = json.loads(path.read_text()) if path.exists() else {}
        self.tables = {t: dict(doc.get("tables", {}).get(t, {})) for t in TABLES}
        self.tags = dict(doc.get("tags", {}))
        self.tokens = dict(doc.get("tokens", {}))
        self.generation = max([int(doc.get("journal", 0)), *found])
        if journal.replay(self.data_dir, self.tables, int(doc.get("journal", 0))):
            self.save()  # compact: the state file takes the journals' changes, which are then deleted
        self.pending = {
            t: {k for k, r in rows.items() if r.get("settleAt") is not None}
            for t, rows in self.tables.items()
        }
