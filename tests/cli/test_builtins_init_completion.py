"""`evalctl builtins`, `evalctl init` and `evalctl completion` (issue 11, beyond the anchors)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_INSIGHTS, TRAJECTORY_EVALUATORS
from evalctl.cli.main import COMMANDS, main


def test_builtins_lists_every_evaluator_and_insight_with_level_and_ground_truth(capsys):
    assert main(["builtins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {e["id"]: e for e in data["evaluators"]}
    assert set(by_id) == set(BUILTIN_EVALUATORS)
    for ref, (level, fields) in BUILTIN_EVALUATORS.items():
        assert (by_id[ref]["level"], by_id[ref]["groundTruth"]) == (level, list(fields))
        assert by_id[ref]["requiresGroundTruth"] is (ref in TRAJECTORY_EVALUATORS)
    assert [i["id"] for i in data["insights"]] == list(BUILTIN_INSIGHTS)
    assert data["placeholders"]["TRACE"]["groundTruth"] == {"expected_response": "expectedResponse"}
    assert main(["builtins"]) == 0
    text = capsys.readouterr().out
    assert all(ref in text for ref in [*BUILTIN_EVALUATORS, *BUILTIN_INSIGHTS])
    assert "Builtin.TrajectoryAnyOrderMatch    SESSION    code       expectedTrajectory (required)" in text


def test_init_writes_a_folder_that_validates_and_never_overwrites(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "schemas" / "evaluator.schema.json").is_file()
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "evaluations")]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 document(s) in 2 file(s)")
    batch = tmp_path / "evaluations" / "batch" / "nightly.yaml"
    batch.write_text(batch.read_text() + "# edited\n")
    assert main(["init", str(tmp_path)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert batch.read_text().endswith("# edited\n")


BASH = shutil.which("bash")


def _complete(script: str, *words: str) -> list[str]:
    """What bash offers after `words` (the last one is being completed), with the script loaded."""
    line = " ".join(f"'{w}'" for w in words)
    call = f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _evalctl"
    program = f'{script}\n{call}; printf "%s\\n" "${{COMPREPLY[@]}}"'
    done = subprocess.run([BASH, "-c", program], capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.split()


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completion_completes_commands_flags_and_choices(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert _complete(script, "evalctl", "") == [*COMMANDS, "--help", "--version"]
    assert _complete(script, "evalctl", "val") == ["validate"]
    assert _complete(script, "evalctl", "validate", "--fo") == ["--format"]
    assert _complete(script, "evalctl", "validate", "--format", "") == ["text", "json", "github"]
    assert _complete(script, "evalctl", "compare", "a", "b", "--t") == ["--tolerance"]
    assert _complete(script, "evalctl", "completion", "") == ["bash", "zsh"]


def test_zsh_completion_loads_the_same_function_through_bashcompinit(capsys):
    assert main(["completion", "zsh"]) == 0
    script = capsys.readouterr().out
    assert "bashcompinit" in script and "complete -o filenames -F _evalctl evalctl" in script


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_installs_only_the_package_and_the_agent(tmp_path):
    """Issue 11: the first `make demo` took ~3 minutes installing the whole development toolchain."""
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "-n", "-C", str(root), "demo", f"VENV={venv}"], capture_output=True, text=True, check=True
    )
    installs = [line for line in done.stdout.splitlines() if "pip install" in line]
    # The package, the emulator and the example agent (the demo runs both), never the dev toolchain.
    assert installs and all(line.rstrip().endswith("-e '.[agent,emulator]'") for line in installs), installs
