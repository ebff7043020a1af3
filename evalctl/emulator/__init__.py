"""Local AgentCore Evaluations emulator: our evaluation routes plus moto on one port."""

from __future__ import annotations

from evalctl.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
