"""Job verbs against the emulator over HTTP: run, history, results by name, stop, archive, --json."""

from __future__ import annotations

import json
import re

import pytest

from evalctl.cli.main import main

NAME = "nightly-support"
AWS_NAME = "nightly_support_dev"


@pytest.fixture
def fast(quick_emulator):
    return quick_emulator


@pytest.fixture
def specs(shipped_specs):
    return shipped_specs


def cli(emulator, capsys, *argv: str) -> tuple[int, str, str]:
    """Run `evalctl ARGV --endpoint E --region us-east-1`; exit code, stdout, stderr."""
    code = main([*argv, "--endpoint", emulator.endpoint, "--region", "us-east-1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_history_results_stop_archive_with_json(fast, specs, deployed, capsys):
    deployed(NAME)
    # Exit 0 or 1: whether the base's Helpfulness gate passes on these sessions is not this test's concern
    # (tests/cli/test_run_command.py owns it); the verbs must work either way.
    code, out, _ = cli(fast, capsys, "run", NAME, "--specs", str(specs), "--quiet", "--json")
    finished = json.loads(out)
    first_id = finished["job"]["id"]
    assert code == (0 if all(g["passed"] for g in finished["gates"]) else 1)
    assert finished["job"]["status"] == "COMPLETED" and len(finished["gates"]) == 4

    code, out, _ = cli(fast, capsys, "history", NAME, "--specs", str(specs), "--json")
    assert code == 0
    runs = json.loads(out)
    assert [r["batchEvaluationId"] for r in runs] == [first_id]
    assert runs[0]["spec"] == NAME and runs[0]["status"] == "COMPLETED"
    assert [g["passed"] for g in runs[0]["gates"]] == [g["passed"] for g in finished["gates"]]
    assert {s["evaluatorId"] for s in runs[0]["scores"]} >= {"Builtin.Helpfulness"}

    code, out, _ = cli(fast, capsys, "results", NAME, "--specs", str(specs), "--json")
    assert code in (0, 1)
    by_name = json.loads(out)
    assert by_name["job"]["id"] == first_id and len(by_name["gates"]) == 4

    # A second run stays PENDING until the emulator clock moves: stop it by spec name.
    fast.admin.configure(batch_pending_seconds=3600)
    code, out, _ = cli(fast, capsys, "run", NAME, "--specs", str(specs), "--detach", "--json", "--quiet")
    assert code == 0
    second_id = json.loads(out)["batchEvaluationId"]
    code, out, _ = cli(fast, capsys, "history", "--specs", str(specs), "--json")
    listed = json.loads(out)
    assert [r["batchEvaluationId"] for r in listed] == [second_id, first_id]
    # The pending run has no verdict yet (its empty results would read as failed gates).
    assert listed[0]["gates"] is None and listed[0]["gatesPending"] is True
    assert listed[1]["gatesPending"] is False
    _, out, _ = cli(fast, capsys, "history", "--specs", str(specs))
    assert " PENDING " in out.splitlines()[1] and " pending " in out.splitlines()[1]

    code, _, err = cli(fast, capsys, "archive", second_id, "--specs", str(specs))
    assert code == 2 and "ConflictException" in err and "stop it first" in err

    code, out, _ = cli(fast, capsys, "stop", NAME, "--specs", str(specs), "--json")
    assert code == 0
    stopped = json.loads(out)
    assert stopped["batchEvaluationId"] == second_id and stopped["status"] in ("STOPPING", "STOPPED")
    code, _, err = cli(fast, capsys, "stop", NAME, "--specs", str(specs))
    assert code == 2 and "no running job of 'nightly-support'" in err

    fast.admin.advance_clock(3600)
    code, out, _ = cli(fast, capsys, "archive", NAME, "--specs", str(specs), "--json")
    assert code == 0
    assert json.loads(out) == {
        "batchEvaluationId": second_id,
        "batchEvaluationArn": stopped["batchEvaluationArn"],
        "status": "DELETING",
    }


def test_results_of_a_spec_never_run_says_so(fast, specs, capsys):
    code, out, err = cli(fast, capsys, "results", NAME, "--specs", str(specs))
    assert code == 2 and out == ""
    assert f"no run of '{NAME}' (AWS name {AWS_NAME})" in err and "credentials" not in err


def test_a_mistyped_spec_name_gets_did_you_mean(fast, specs, capsys):
    code, out, err = cli(fast, capsys, "history", "nightly-suport", "--specs", str(specs))
    assert code == 2 and out == ""
    assert "did you mean 'nightly-support'?" in err


def test_a_spec_file_outside_the_current_folder_brings_its_project(
    fast, specs, deployed, tmp_path, monkeypatch, capsys
):
    deployed(NAME)
    fast.admin.configure(batch_pending_seconds=3600)
    file = str(specs / "batch" / "nightly-support.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no evaluations/ here: the file's own folder is the project
    code, out, err = cli(fast, capsys, "run", file, "--detach", "--json", "--quiet")
    assert code == 0, err
    job_id = json.loads(out)["batchEvaluationId"]
    code, out, err = cli(fast, capsys, "history", file, "--json")
    assert code == 0, err
    assert [r["batchEvaluationId"] for r in json.loads(out)] == [job_id]
    code, out, err = cli(fast, capsys, "results", file, "--json")
    assert json.loads(out)["job"]["id"] == job_id, err
    code, out, err = cli(fast, capsys, "stop", file, "--json")
    assert (code, json.loads(out)["batchEvaluationId"]) == (0, job_id), err


def test_a_mistyped_name_shaped_like_an_aws_name_gets_did_you_mean_in_every_verb(fast, specs, capsys):
    # `nightlysupport` could be an AWS batch name, so it is looked up; with no run it is a mistake.
    for verb in ("history", "results", "stop", "archive"):
        code, out, err = cli(fast, capsys, verb, "nightlysupport", "--specs", str(specs))
        assert code == 2 and out == "", verb
        assert "no BatchEvaluation of that name is declared" in err, verb
        assert err.rstrip().endswith("did you mean 'nightly-support'?"), verb


def test_history_text_shows_status_sessions_gates_and_scores(fast, specs, deployed, capsys):
    deployed(NAME)
    assert cli(fast, capsys, "run", NAME, "--specs", str(specs), "--quiet")[0] in (0, 1)
    _, out, _ = cli(fast, capsys, "history", "--specs", str(specs))
    header, row = out.splitlines()[:2]
    assert header.split() == ["CREATED", "ID", "STATUS", "SESSIONS", "GATES", "SCORES"]
    assert " COMPLETED " in row and " 2/2 " in row
    assert re.search(r" (pass 4/4|FAIL [0-3]/4) ", row)
    assert "Builtin.Helpfulness " in row


def test_unknown_subcommand_gets_did_you_mean(capsys):
    assert main(["valdate"]) == 2
    assert "did you mean 'validate'?" in capsys.readouterr().err


def test_exit_codes_are_in_every_verbs_help(capsys):
    # README: "Exit codes are the same everywhere (and in every `--help`)".
    verbs = ["run", "results", "history", "stop", "archive", "validate", "list", "schema", "insights"]
    verbs += ["compare", "test", "builtins", "init", "completion", "import", "recommend"]
    for verb in [*verbs, "dataset generate", "emulator", "emulator seed"]:
        with pytest.raises(SystemExit) as stop:
            main([*verb.split(), "--help"])
        assert stop.value.code == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "exit codes: 0 success" in text and "130 interrupted" in text, verb


def test_top_level_help_imports_no_subcommand_module():
    import subprocess
    import sys

    code = (
        "import sys\nfrom evalctl.cli.main import COMMANDS, main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m, _ in COMMANDS.values() if m in sys.modules))"
    )
    argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "history" in done.stdout and "exit codes:" in done.stdout
