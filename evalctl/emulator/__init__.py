"""Local AgentCore Evaluations emulator: our evaluation routes plus moto on one port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalctl.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]


def __getattr__(name: str) -> Any:
    # Lazy, so the light submodules (`testing`, `tokens`, used by the CLI) skip werkzeug and moto.
    if name == "EmulatorServer":
        from evalctl.emulator.server import EmulatorServer

        return EmulatorServer
    raise AttributeError(name)
