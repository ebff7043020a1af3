"""Pulumi program: read stack config, load the specs under specDir, build every component."""

from __future__ import annotations

from pathlib import Path

from components.stack import build_stack

build_stack(Path(__file__).resolve().parent)
