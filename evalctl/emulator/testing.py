"""Test helpers: `running_emulator()` and the admin client the pytest fixture hands out."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from evalctl.emulator import tokens
from evalctl.emulator.gate import TOKEN_HEADER
from evalctl.emulator.seedfiles import read_session_files
from evalctl.emulator.server import EmulatorServer

REGION = "us-east-1"
DUMMY_KEY = "test"


_SESSION_LOCK = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


class AdminRequestError(Exception):
    """The emulator refused an admin request."""


@dataclass
class Admin:
    """Client of the /_emulator/ endpoints of a running emulator; finds its admin token itself."""

    endpoint: str
    token: str | None = None

    def _call(self, method: str, name: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        token = self.token or tokens.token_for(self.endpoint) or ""
        request = urllib.request.Request(
            f"{self.endpoint}/_emulator/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", TOKEN_HEADER: token},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AdminRequestError(exc.read().decode(errors="replace")) from exc

    def reset(self) -> None:
        """Forget all state (AgentCore and moto), faults, settings, clock offset and call counts."""
        self._call("POST", "reset", {})

    def set_faults(
        self,
        *,
        throttle_rate: float = 0.0,
        error_rate: float = 0.0,
        latency_ms: int = 0,
        commit_then_fail: str | None = None,
        seed: int | None = None,
        commit_then_fail_mode: str = "error",
        commit_then_fail_times: int = 1,
    ) -> dict[str, Any]:
        """Replace the fault settings; call with no arguments to clear them."""
        payload = {
            "throttle_rate": throttle_rate,
            "error_rate": error_rate,
            "latency_ms": latency_ms,
            "commit_then_fail": commit_then_fail,
            "seed": seed,
            "commit_then_fail_mode": commit_then_fail_mode,
            "commit_then_fail_times": commit_then_fail_times,
        }
        result: dict[str, Any] = self._call("POST", "faults", payload)
        return result

    def call_counts(self) -> dict[str, int]:
        """Calls per operation name since the last reset (AgentCore and moto operations)."""
        counts: dict[str, int] = self._call("GET", "calls")
        return counts

    def clear_call_counts(self) -> None:
        self._call("DELETE", "calls")

    def advance_clock(self, seconds: float) -> float:
        """Move emulator time forward; returns the new emulator time (epoch seconds)."""
        now: float = self._call("POST", "clock", {"advanceSeconds": seconds})["now"]
        return now

    def now(self) -> float:
        value: float = self._call("GET", "clock")["now"]
        return value

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change lifecycle durations and quotas (see evalctl.emulator.settings.Settings)."""
        result: dict[str, Any] = self._call("POST", "settings", settings)
        return result

    def map_agents(self, mapping: dict[str, str]) -> dict[str, str]:
        """Forward InvokeAgentRuntime for these runtime ARNs to local agent URLs (like --agent)."""
        result: dict[str, str] = self._call("POST", "agents", mapping)
        return result

    def seed(
        self, paths: Sequence[str | Path], service_name: str, fresh_session_ids: bool = False
    ) -> list[str]:
        """Load recorded session files into the emulated log groups, re-timed to now."""
        files = read_session_files(paths)
        payload = {"serviceName": service_name, "files": files, "freshSessionIds": fresh_session_ids}
        ids: list[str] = self._call("POST", "seed", payload)["sessionIds"]
        return ids


@dataclass
class EmulatorHandle:
    """What tests get: the endpoint, boto3 clients bound to it, and the admin client."""

    endpoint: str
    admin: Admin

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client with dummy credentials and one attempt per call unless `retries` is given."""
        config.setdefault("retries", {"total_max_attempts": 1, "mode": "standard"})
        # One shared session: a fresh one reloads every service model (~0.3 s per client).
        with _SESSION_LOCK:
            return _session().client(
                service,
                endpoint_url=self.endpoint,
                region_name=REGION,
                aws_access_key_id=DUMMY_KEY,
                aws_secret_access_key=DUMMY_KEY,
                config=Config(**config),
            )


@contextmanager
def running_emulator(data_dir: str | Path | None = None) -> Iterator[EmulatorHandle]:
    """Start an emulator on a free port for the duration of the block."""
    server = EmulatorServer(port=0, data_dir=data_dir).start()
    try:
        yield EmulatorHandle(server.endpoint, Admin(server.endpoint, server.token))
    finally:
        server.stop()
