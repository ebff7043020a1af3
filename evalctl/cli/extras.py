"""Optional parts of the install: the emulator's dependencies live in the `emulator` extra."""

from __future__ import annotations

import importlib.util

EMULATOR_MODULES = ("moto", "lark", "opentelemetry.proto")
INSTALL = "pip install 'evalctl[emulator]'"


def emulator_missing() -> str | None:
    """Why the emulator can't run in this install (a sentence naming the fix), or None."""
    absent = []
    for module in EMULATOR_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package (opentelemetry) is absent
            found = False
        if not found:
            absent.append(module.split(".")[0] if module != "opentelemetry.proto" else "opentelemetry-proto")
    if not absent:
        return None
    return f"the local emulator needs {', '.join(absent)}, which this install lacks: {INSTALL}"
