"""The pieces users drop into their pipeline: pre-commit hooks and the GitHub Actions workflow."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evalctl.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "evaluations.yml"


def hooks():
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def run_hook(hook, cwd):
    argv = [sys.executable, "-m", "evalctl", *shlex.split(hook["entry"])[1:], *hook.get("args", [])]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def repo(tmp_path):
    """A user repository: the examples and the committed schemas."""
    shutil.copytree(ROOT / "evaluations", tmp_path / "evaluations")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    return tmp_path


def test_validate_hook_passes_good_specs_and_fails_bad_ones_with_locations(repo):
    hook = hooks()["evalctl-validate"]
    assert run_hook(hook, repo).returncode == 0
    bad = repo / "evaluations" / "evaluators" / "response-tone.yaml"
    bad.write_text(bad.read_text().replace("level: TRACE", "level: TRACES"))
    result = run_hook(hook, repo)
    assert result.returncode == 1
    assert "evaluations/evaluators/response-tone.yaml:" in result.stdout and "TRACES" in result.stdout


def test_schema_drift_hook_fails_when_a_schema_was_hand_edited(repo):
    hook = hooks()["evalctl-schema-check"]
    assert run_hook(hook, repo).returncode == 0
    path = repo / "schemas" / "role.schema.json"
    path.write_text(path.read_text().replace('"Role"', '"Roles"', 1))
    result = run_hook(hook, repo)
    assert result.returncode == 1
    assert "role.schema.json" in result.stderr and "evalctl schema --write" in result.stderr


def workflow_commands():
    """Every `evalctl ...` command line in the workflow, with shell variables filled in."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    lines = []
    for job in flow["jobs"].values():
        for step in job["steps"]:
            for raw in str(step.get("run", "")).splitlines():
                line = raw.split("||")[0].strip()
                if line.startswith("evalctl "):
                    lines.append(os.path.expandvars(line.replace("$PULUMI_STACK", "prod")))
    return lines


def test_every_evalctl_command_in_the_workflow_exists_with_those_flags():
    commands = workflow_commands()
    assert {shlex.split(c)[1] for c in commands} >= {"validate", "test", "compare", "run"}
    for command in commands:
        argv = shlex.split(command)[1:]
        parser = build_parser(argv[0])
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            pytest.fail(f"workflow calls `{command}`, which our CLI rejects (exit {exc.code})")
        assert getattr(args, "handler", None) is not None, command


def test_workflow_uses_oidc_roles_never_stored_keys():
    text = WORKFLOW.read_text()
    flow = yaml.safe_load(text)
    assert flow["permissions"]["id-token"] == "write"
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    creds = [
        s
        for j in flow["jobs"].values()
        for s in j["steps"]
        if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert creds and all("role-to-assume" in s["with"] for s in creds)
