"""A throwaway dynamic provider that proves the harness: echoes inputs, records config and numbers."""

from __future__ import annotations

import os
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from components._errors import MessageOnlyProvider, UserError


class EchoProvider(ResourceProvider):
    """Keeps nothing outside: what it returns shows what crossed the wire."""

    seen_config: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self.seen_config = req.config.get("evalctl:endpoint")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [] if "name" in news else [CheckFailure("name", "name is required")]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = sorted(k for k in ("name", "size") if olds.get(k) != news.get(k))
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k == "name"])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"echo-{props['name']}", self._outs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if props.get("gone"):
            return ReadResult(None, {})
        return ReadResult(id_, self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("refuseDelete"):
            raise RuntimeError(f"cannot delete {props['name']}: refused on purpose")

    def _outs(self, props: dict[str, Any]) -> dict[str, Any]:
        size = props.get("size")
        return {
            "name": props["name"],
            "size": size,
            "sizeType": type(size).__name__,
            "config": self.seen_config,
            "env": os.environ.get("TOY_MARKER"),
            "pid": os.getpid(),
        }


class ShowingProvider(MessageOnlyProvider):
    """Fails its deletes on purpose: with a refusal (`refuse`) or with a bug of its own (`bug`)."""

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("refuse"):
            raise UserError(f"{props['name']}: refused on purpose. To fix: ask nicely.")
        if props.get("bug"):
            _ = props["no such key"]
