"""The emulator's shared core: state, clock, settings, lifecycle settling and pagination."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalctl.emulator.clock import Clock
from evalctl.emulator.errors import ConflictError, NotFoundError, QuotaError, ValidationError
from evalctl.emulator.settings import ACCOUNT_ID, Settings
from evalctl.emulator.state import Store

DELETED = "__deleted__"
NAME_KEYS = {
    "evaluators": "evaluatorName",
    "onlineConfigs": "onlineEvaluationConfigName",
    "datasets": "datasetName",
}
# The id member of each table's records.
# A generation record also holds its datasetId, so generations come before datasets.
ID_KEYS = {
    "generations": "generationId",
    "recommendations": "recommendationId",
    "evaluators": "evaluatorId",
    "onlineConfigs": "onlineEvaluationConfigId",
    "batches": "batchEvaluationId",
    "datasets": "datasetId",
}


@dataclass
class Request:
    """What a handler needs besides its parameters: the caller's region."""

    region: str
    account: str = ACCOUNT_ID
    # host:port the client reached us at, for URLs we hand out (GetDataset's downloadUrl).
    host: str = "127.0.0.1"


@dataclass
class Core:
    """Everything the handlers share. Handlers run under `store.lock`."""

    data_dir: Path | None = None
    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(default_factory=Settings)
    store: Store = field(init=False)
    # Background batch work by job id; not persisted (a restart resubmits unfinished jobs).
    futures: dict[str, Any] = field(default_factory=dict)
    # Stop signals (threading.Event) of dataset jobs, whose background work invokes agents.
    cancels: dict[str, Any] = field(default_factory=dict)
    # Set when the server stops: background work halts between agent calls and stores nothing more, so
    # an emulator started next on the same data dir resumes it alone.
    closing: threading.Event = field(default_factory=threading.Event)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    # Runtime ARN -> base URL of a local agent (`--agent ARN=URL`); kept across admin resets.
    agents: dict[str, str] = field(default_factory=dict)
    # Signs the download URLs we hand out, as S3 presigns them: a URL is only good as issued.
    url_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def __post_init__(self) -> None:
        self.store = Store(self.data_dir)

    def close(self, wait_seconds: float = 5.0) -> None:
        """Halt background work: no further agent call or stored progress; wait a little for it to end."""
        with self.store.lock:
            self.closing.set()
            # Dataset jobs only (they have a stop signal): they call agents; other work just computes.
            work = [self.futures[k] for k in self.cancels if k in self.futures]
        deadline = time.monotonic() + wait_seconds
        for future in work:
            # A worker blocked on an agent call ends when it answers; nothing it does after counts.
            with contextlib.suppress(Exception):
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def url_signature(self, path: str, expires: str) -> str:
        """HMAC of a download path and its expiry (the `signature` query parameter)."""
        return hmac.new(self.url_key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def transition(self, record: dict[str, Any], status: str, then: str, seconds: float) -> None:
        """Put a record in `status` now and `then` after `seconds` of emulator time."""
        record["status"] = status
        record["settleTo"] = then
        record["settleAt"] = self.clock.now() + seconds
        table = next(t for t, id_key in ID_KEYS.items() if id_key in record)
        self.store.pending[table].add(record[ID_KEYS[table]])

    def listed(self, table: str, id_key: str) -> list[dict[str, Any]]:
        """The table's settled records in the order List returns them: creation, then id."""
        return sorted(self.settle(table).values(), key=lambda r: (r["createdAt"], r[id_key]))

    def settle(self, table: str) -> dict[str, dict[str, Any]]:
        """Apply every transition that emulator time has reached; drop finished deletions.

        Only records with a transition in flight are visited, so requests stay O(1) in the
        number of resources.
        """
        rows = self.store.table(table)
        pending = self.store.pending[table]
        now = self.clock.now()
        for key in list(pending):
            record = rows.get(key)
            due = record.get("settleAt") if record is not None else None
            if record is None or due is None:
                pending.discard(key)
                continue
            if now < due:
                continue
            pending.discard(key)
            target = record.pop("settleTo")
            record["settleAt"] = None
            if target == DELETED:
                del rows[key]
            else:
                record["status"] = target
        return rows

    def name_taken(self, table: str, name: str) -> bool:
        """Whether a live record of `table` has this name, from an index kept O(1) per request.

        The index is rebuilt whenever its size disagrees with the table (after deletions,
        resets and restarts); creations add to it through `index_name`.
        """
        rows = self.settle(table)
        index = self.names.get(table)
        if index is None or len(index) != len(rows):
            index = {r[NAME_KEYS[table]]: k for k, r in rows.items()}
            self.names[table] = index
        return name in index

    def index_name(self, table: str, name: str, key: str) -> None:
        self.names.setdefault(table, {})[name] = key

    def admit_job(
        self, what: str, name: str, taken: Iterable[str], running: Callable[[], int], limit: int
    ) -> None:
        """Start's shared rules: a ConflictException when a record not yet deleted has the name ("Must
        be unique within your account"), a ServiceQuotaExceededException when `limit` jobs run."""
        if name in taken:
            raise ConflictError(f"A {what} named {name} already exists")
        if running() >= limit:
            raise QuotaError(f"At most {limit} {what}s may run at once")

    def delete_job(
        self,
        record: dict[str, Any],
        id_key: str,
        what: str,
        *,
        running: bool,
        allowed: bool = False,
        advice: str = "",
    ) -> dict[str, Any]:
        """Start deleting a job record (DELETING for `delete_seconds`, then gone): a ConflictException
        while it runs (unless `allowed`) or is already being deleted. Its own cleanup is the caller's."""
        if record["status"] == "DELETING":
            raise ConflictError(f"{what} {record[id_key]} is already DELETING")
        if running and not allowed:
            raise ConflictError(f"{what} {record[id_key]} is {record['status']}{advice}")
        self.transition(record, "DELETING", DELETED, self.settings.delete_seconds)
        return {id_key: record[id_key], "status": "DELETING"}

    def get(self, table: str, key: str, kind: str) -> dict[str, Any]:
        """A settled record, or ResourceNotFoundException worded for `kind`."""
        record = self.settle(table).get(key)
        if record is None:
            raise NotFoundError(f"{kind} {key} not found")
        return record


def projection(fields: Sequence[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A `paginate` renderer: the record's `fields`, those it lacks as null."""
    return lambda record: {k: record.get(k) for k in fields}


def paginate(
    items: list[dict[str, Any]], params: dict[str, Any], render: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of `items` and the opaque token of the next one."""
    start = 0
    token = params.get("nextToken")
    if token:
        start = _token_offset(token)
    size = int(params.get("maxResults") or 100)
    page = [render(item) for item in items[start : start + size]]
    more = start + size < len(items)
    return page, base64.urlsafe_b64encode(str(start + size).encode()).decode() if more else None


def _token_offset(token: Any) -> int:
    """The offset a nextToken of ours encodes; anything else is an invalid token."""
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode("ascii")
    except ValueError as exc:
        raise ValidationError("Invalid nextToken") from exc
    # Only tokens we issued: plain non-negative decimals (int() would take "-1" or " 1_0").
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValidationError("Invalid nextToken")
    return int(text)


def strip_internal(record: dict[str, Any]) -> dict[str, Any]:
    """A record without our bookkeeping keys (settleAt/settleTo/...)."""
    return {k: v for k, v in record.items() if not k.startswith("settle") and not k.startswith("_")}
