"""The pieces users drop into their pipeline: pre-commit hooks and the GitHub Actions workflow."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evalctl.cli.main import build_parser
from tests.examples import copy_examples

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
    copy_examples(tmp_path / "evaluations")
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
    assert flow["permissions"] == {}
    assert all(job["permissions"]["id-token"] == "write" for job in flow["jobs"].values())
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    creds = [
        s
        for j in flow["jobs"].values()
        for s in j["steps"]
        if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert creds and all("role-to-assume" in s["with"] for s in creds)


def test_workflow_matches_the_github_workflow_schema():
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(tool).exists():
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_job_has_a_timeout_and_only_the_permissions_it_uses():
    flow = yaml.safe_load(WORKFLOW.read_text())
    for name, job in flow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int) and 0 < job["timeout-minutes"] <= 180, name
        assert job["permissions"].get("contents") == "read", name
    writers = {n for n, j in flow["jobs"].items() if j["permissions"].get("pull-requests") == "write"}
    assert writers == {"pull-request"}


def test_deploys_are_serialized_and_never_cancelled():
    deploy = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]
    assert deploy["concurrency"]["group"] and deploy["concurrency"]["cancel-in-progress"] is False


def test_every_action_is_pinned_by_commit_with_its_tag_named():
    text = WORKFLOW.read_text()
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{action}: name the release tag in a comment"


def test_a_failed_baseline_is_never_swallowed():
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = [s for j in flow["jobs"].values() for s in j["steps"]]
    assert not any("|| true" in str(s.get("run", "")) for s in steps)
    assert not any(s.get("continue-on-error") for s in steps)
    baseline = next(s for s in steps if "baseline" in s.get("name", "").lower())
    assert 'exit "$code"' in baseline["run"]
