"""`evalctl list`: the table, --json, spec errors on stderr; and any command whose reader goes away."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evalctl.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_list_prints_every_kind_with_what_it_does_and_json_the_same_rows(shipped_specs, capsys):
    assert main(["list", str(shipped_specs), "--stack", "prod"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert main(["list", str(shipped_specs), "--stack", "prod", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(table) == len(rows) + 3  # header, rows, blank line, summary
    by_name = {r["name"]: r for r in rows}
    assert by_name["nightly-support"]["awsName"] == "nightly_support_prod"
    # Datasets and recommendations said nothing in WHAT.
    assert by_name["support-scenarios"]["what"] == "6 inline scenario(s), published"
    assert by_name["support-prompt"] == {
        "kind": "Recommendation", "name": "support-prompt", "awsName": None, "what": "system prompt",
        "file": by_name["support-prompt"]["file"], "line": by_name["support-prompt"]["line"],
    }  # fmt: skip
    for row, line in zip(rows, table[1:], strict=False):
        assert line.split()[:2] == [row["kind"], row["name"]]
        assert line.endswith(f"{row['file']}:{row['line']}")


def test_list_with_spec_errors_prints_them_on_stderr_and_exits_1(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: evalctl/v1alpha1\nkind: LogGroup\nmetadata: {name: x}\nspec: {retentionInDays: 10}\n"
    )
    assert main(["list", str(tmp_path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "bad.yaml:4" in captured.err


def test_a_closed_stdout_ends_the_command_quietly_with_141(tmp_path):
    # `evalctl schema --print | head -1`: the reader leaves before the output (over 64 KiB) is written.
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalctl", "schema", "--print"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""
