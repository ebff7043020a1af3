"""Start-up stays light: `evalctl --help` and `evalctl validate FILE` import no AWS SDK or emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# rich (~40 ms) draws tables and progress; validate prints neither, so it must not pay for it.
HEAVY = ("boto3", "botocore", "moto", "flask", "bedrock_agentcore", "pulumi", "rich")
# Runs the CLI in a fresh interpreter and prints the top-level packages it imported.
PROBE = """
import contextlib, io, json, sys
from evalctl.cli.main import main
try:
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(sys.argv[1:])
except SystemExit as exc:  # argparse ends `--help` this way
    code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def imported(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    report = json.loads(done.stdout.splitlines()[-1])
    return int(report["code"]), set(report["modules"])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        # A file inside the project: its folder is read for context, datasets and their scenarios too.
        ("validate", "evaluations/evaluators/response-tone.yaml"),
        ("validate", "evaluations/datasets"),
    ],
)
def test_start_up_imports_no_heavy_part(args: tuple[str, ...]) -> None:
    code, modules = imported(*args)
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules.intersection(HEAVY))
    assert "evalctl" in modules


def test_validate_catches_scenario_errors_without_the_sdk_package(tmp_path: Path) -> None:
    """The SDK's scenario model, loaded on its own, still rejects a wrong scenario."""
    from evalctl import scenarios

    found = scenarios.problems(scenarios.PREDEFINED, {"scenario_id": "s1", "turns": "not a list"})
    assert any(pointer.startswith("/turns") for pointer, _ in found)


def test_validate_checks_against_the_committed_schemas_without_building_models(tmp_path: Path) -> None:
    """With no dataset scenarios to check, validate needs neither pydantic nor the spec models."""
    spec = tmp_path / "tone.yaml"
    spec.write_text((ROOT / "evaluations" / "evaluators" / "response-tone.yaml").read_text())
    code, modules = imported("validate", str(spec))
    assert code == 0
    assert "pydantic" not in modules
    assert "jsonschema" in modules, "the documents were checked against the JSON Schemas"
