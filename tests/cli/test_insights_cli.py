"""`evalctl insights list|show|archive` against the emulator over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from tests.emulator import agent_insight_data as seed


def cli(emulator: Any, capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--endpoint", emulator.endpoint, "--region", "us-east-1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def job_id(emulator: Any, span_fixtures: Path, tmp_path: Path) -> str:
    """A finished FailureAnalysis batch whose one failed tool call became an insight."""
    emulator.admin.seed([seed.failing_spans(span_fixtures, tmp_path)], seed.SERVICE)
    seed.enable_store(emulator, emulator.client("bedrock-agentcore-control"))
    return seed.finished_batch(emulator, emulator.client("bedrock-agentcore"))


def test_list_show_archive_restore(emulator: Any, job_id: str, capsys: Any) -> None:
    code, out, _ = cli(emulator, capsys, "insights", "list", "--batch", job_id, "--json")
    assert code == 0
    [item] = json.loads(out)
    ident = item["agentInsightId"]
    assert (item["batchEvaluationId"], item["applicationName"]) == (job_id, seed.APPLICATION)

    code, out, _ = cli(emulator, capsys, "insights", "list")
    header, row = out.splitlines()
    assert code == 0 and header.split() == ["ID", "STATUS", "APPLICATION", "BATCH", "SESSIONS", "NAME"]
    assert row.split()[:5] == [ident, "ACTIVE", seed.APPLICATION, job_id, "1"] and "multiply_numbers" in row

    code, out, _ = cli(emulator, capsys, "insights", "show", ident)
    assert code == 0
    assert seed.ERROR in out and f"session {seed.SESSION}: SPAN_ID" in out and "Emulated" in out

    code, out, _ = cli(emulator, capsys, "insights", "archive", ident)
    assert (code, out.strip()) == (0, f"agent insight {ident}: ARCHIVED")
    code, out, _ = cli(emulator, capsys, "insights", "list", "--status", "ACTIVE", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = cli(
        emulator, capsys, "insights", "show", ident, "--application", seed.APPLICATION, "--json"
    )
    assert json.loads(out)["archiveStatus"] == "ARCHIVED"

    code, _, err = cli(emulator, capsys, "insights", "archive", ident)
    assert code == 2 and "ConflictException" in err
    code, out, _ = cli(emulator, capsys, "insights", "archive", ident, "--restore", "--json")
    restored = json.loads(out)
    assert (code, restored["archiveStatus"]) == (0, "ACTIVE")
    # ISO 8601, as every timestamp evalctl prints in JSON (not str(datetime), which has a space).
    assert dt.datetime.fromisoformat(restored["updatedAt"]).tzinfo is not None
    assert "T" in restored["updatedAt"]


def test_errors_are_one_line_and_exit_2(emulator: Any, job_id: str, capsys: Any) -> None:
    code, _, err = cli(emulator, capsys, "insights", "show", "0" * 32)
    assert (
        code == 2
        and err.strip() == f"evalctl insights: no agent insight {'0' * 32} in this account and region"
    )
    code, _, err = cli(emulator, capsys, "insights", "show", "0" * 32, "--application", "other")
    assert code == 2 and "ResourceNotFoundException" in err
    code, _, err = cli(emulator, capsys, "insights", "archive")
    assert code == 2 and "needs an insight ID" in err
    code, _, err = cli(emulator, capsys, "insights", "list", "--restore")
    assert code == 2 and "--restore goes with `archive`" in err
    code, _, err = cli(emulator, capsys, "insights", "list", "0" * 32)
    assert code == 2 and "an ID (`evalctl insights show ID` shows one) does not go with `list`" in err
    code, _, err = cli(emulator, capsys, "insights", "archive", "0" * 32, "--status", "ACTIVE")
    assert code == 2 and err.strip() == "evalctl insights: --status does not go with `archive`"


def test_empty_list_says_so(emulator: Any, capsys: Any) -> None:
    code, out, err = cli(emulator, capsys, "insights", "list")
    assert (code, out) == (0, "")
    assert err.startswith("no agent insights (a batch evaluation with `insights` writes them")
    assert "kind InsightStore" in err


def test_a_batch_that_is_not_an_id_is_refused_before_any_call(emulator: Any, capsys: Any) -> None:
    code, _, err = cli(emulator, capsys, "insights", "list", "--batch", "nightly-support")
    assert code == 2 and "--batch takes a batch evaluation id" in err and "'nightly-support'" in err
    assert emulator.admin.call_counts().get("ListAgentInsights", 0) == 0


def test_evalctl_list_summarises_an_insight_store(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "evaluations"
    folder.mkdir()
    spec = "apiVersion: evalctl/v1alpha1\nkind: InsightStore\nmetadata:\n  name: insights\nspec: {}\n"
    (folder / "insights.yaml").write_text(spec)
    assert main(["list", str(folder)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("InsightStore"))
    assert row.split()[:5] == ["InsightStore", "insights", "-", "ENABLED,", "AWS_OWNED_KMS_KEY"]
