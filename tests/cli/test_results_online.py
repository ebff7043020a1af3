"""`evalctl results --online`: an online evaluation's records through FilterLogEvents, by spec or id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalctl.aws import ClientSettings
from evalctl.cli.inprocess import clients_for
from evalctl.cli.main import main
from evalctl.runner.local_online import deploy_online
from evalctl.spec.project import load_project

ONLINE = "support-live"
SESSION_TIMEOUT = 30 * 60  # evaluations/online/support-live.yaml


def cli(emulator: Any, capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--endpoint", emulator.endpoint, "--region", "us-east-1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _deploy_live(emulator: Any, specs: Path, deployed: Any) -> dict[str, Any]:
    deployed("nightly-support")  # the shared evaluators, and the recorded sessions seeded now
    project, _ = load_project([specs], "dev")
    settings = ClientSettings(endpoint=emulator.endpoint, region="us-east-1", max_attempts=1)
    # Every session, so the test knows what to expect; sampling itself is tests/emulator's concern.
    return deploy_online(project, ONLINE, clients_for(settings), sampling=100.0)


def test_results_online_by_spec_name_and_by_id_with_json(quick_emulator, shipped_specs, deployed, capsys):
    specs = shipped_specs
    created = _deploy_live(quick_emulator, specs, deployed)
    # Created after the seed: the sessions go quiet while it is enabled.
    code, out, _ = cli(quick_emulator, capsys, "results", "--online", ONLINE, "--specs", str(specs), "--json")
    assert code == 0
    before = json.loads(out)
    assert before["results"] == []
    assert before["onlineEvaluationConfig"]["id"] == created["onlineEvaluationConfigId"]
    quick_emulator.admin.advance_clock(SESSION_TIMEOUT + 60)
    code, out, _ = cli(quick_emulator, capsys, "results", "--online", ONLINE, "--specs", str(specs), "--json")
    assert code == 0
    view = json.loads(out)
    assert view["onlineEvaluationConfig"]["logGroupName"] == "/evalctl/support/live-results"
    assert view["sessions"] == 2 and view["results"]
    evaluators = {row["evaluator"] for row in view["evaluators"]}
    assert "Builtin.Helpfulness" in evaluators and len(evaluators) == 3
    assert sum(row["results"] for row in view["evaluators"]) == len(view["results"])
    config_id = created["onlineEvaluationConfigId"]
    code, out, _ = cli(quick_emulator, capsys, "results", "--online", config_id, "--json")
    assert code == 0 and json.loads(out)["results"] == view["results"]
    code, out, _ = cli(quick_emulator, capsys, "results", "--online", ONLINE, "--specs", str(specs))
    assert code == 0 and out.startswith("online evaluation support_live_dev")
    lines = out.splitlines()
    assert lines[1].split() == ["EVALUATOR", "RESULTS", "ERRORS", "MEAN"]
    helpful = next(row for row in view["evaluators"] if row["evaluator"] == "Builtin.Helpfulness")
    cells = ["Builtin.Helpfulness", str(helpful["results"]), str(helpful["errors"])]
    assert any(line.split()[:3] == cells for line in lines[2:]), "the summary table row matches --json"


def test_results_online_refuses_unknown_names_and_mixed_arguments(quick_emulator, shipped_specs, capsys):
    specs = str(shipped_specs)
    code, _, err = cli(quick_emulator, capsys, "results", "--online", "support-lve", "--specs", specs)
    assert code == 2 and "did you mean 'support-live'?" in err and "OnlineEvaluation" in err
    assert "nor an online evaluation configuration name or id" in err
    # Declared but never deployed: say so, instead of "neither declared ...; did you mean" itself.
    code, _, err = cli(quick_emulator, capsys, "results", "--online", "support-live", "--specs", specs)
    assert code == 2 and "did you mean" not in err
    assert "OnlineEvaluation 'support-live' is declared but not deployed: no configuration named" in err
    assert "support_live_dev or support_live_dev_bg" in err and "pulumi up" in err
    code, _, err = cli(quick_emulator, capsys, "results", "nightly-support", "--online", "support-live")
    assert code == 2 and "--online" in err
    code, _, err = cli(quick_emulator, capsys, "results")
    assert code == 2 and "SPEC|ID" in err
