"""The emulator's dependencies are an extra: without them the commands that need it say how to get it."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalctl.cli import extras
from evalctl.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "evaluations" / "sessions" / "raw_otel_langchain_spans.json")
LOCAL = ["run", "nightly-support", "--specs", str(ROOT / "evaluations"), "--local", "--seed", SEED]


def test_the_dev_install_has_the_emulator():
    assert extras.emulator_missing() is None


@pytest.mark.parametrize("args", [["emulator", "--port", "0"], LOCAL])
def test_without_the_extra_emulator_commands_exit_2_naming_the_install(monkeypatch, capsys, args):
    monkeypatch.setattr(extras, "EMULATOR_MODULES", ("moto", "not_installed_anywhere_x"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "not_installed_anywhere_x" in err and "pip install 'evalctl[emulator]'" in err
    assert "Traceback" not in err


def test_the_base_dependencies_leave_the_emulator_out():
    text = (ROOT / "pyproject.toml").read_text()
    base = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "moto" not in base and "lark" not in base and "opentelemetry-proto" not in base
