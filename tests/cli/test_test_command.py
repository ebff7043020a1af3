"""`evalctl test`: local replay of EvaluatorTest specs (recorded sessions from shared/fixtures/spans)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalctl.cli.main import main
from tests.examples import copy_examples

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def specs(tmp_path):
    """A copy of the shipped examples, so a test can change expectations freely."""
    target = tmp_path / "evaluations"
    copy_examples(target)
    return target


def test_shipped_examples_pass_and_write_reports(specs, tmp_path, capsys):
    code = main(["test", str(specs), "--report-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 passed, 0 failed, 0 skipped" in out
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    labels = {r["label"] for s in results["sessions"] for r in s["results"]}
    assert labels == {"NoTools", "Match"}
    assert all(g["passed"] for g in results["gates"])


@pytest.mark.parametrize(
    ("replace", "by", "reason"),
    [
        ("label: NoTools", "label: Reliable", "the handler says NoTools for a session without tool calls"),
        (
            "      minValue: 1.0\n      reason",
            "      maxValue: 0.5\n      reason",
            "the value is 1.0, above the max",
        ),
        (
            "sessionId: cc8a8e69-8bed-4e5f-9a06-9a58550fd713\n      label",
            "sessionId: not-recorded\n      label",
            "an expectation that targets no recorded session must fail, not pass vacuously",
        ),
    ],
)
def test_a_broken_expectation_fails_with_exit_1(specs, capsys, replace, by, reason):
    path = specs / "tests" / "tool-reliability.yaml"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))
    code = main(["test", str(specs)])
    out = capsys.readouterr().out
    assert code == 1, reason
    assert "FAIL" in out and "1 failed" in out, out


def test_judge_based_tests_are_skipped_without_a_judge_and_run_with_the_offline_one(
    specs, capsys, monkeypatch
):
    monkeypatch.delenv("EVALCTL_JUDGE", raising=False)
    (specs / "tests" / "tone.yaml").write_text(
        """apiVersion: evalctl/v1alpha1
kind: Evaluator
metadata: {name: turn-score}
spec:
  level: TRACE
  evaluatorConfig:
    llmAsAJudge:
      instructions: "Score {assistant_turn}"
      ratingScale:
        numerical:
          - {value: 0, label: Bad, definition: bad}
          - {value: 1, label: Good, definition: good}
      modelConfig: {bedrockEvaluatorModelConfig: {modelId: m}}
---
apiVersion: evalctl/v1alpha1
kind: EvaluatorTest
metadata: {name: tone-strands}
spec:
  evaluator: turn-score
  sessions: ../sessions/raw_otel_strands_bedrock_*.json
  expect:
    - {sessionId: cc8a8e69-8bed-4e5f-9a06-9a58550fd713, minValue: 0}
"""
    )
    assert main(["test", str(specs)]) == 0
    assert "1 skipped" in capsys.readouterr().out
    assert main(["test", str(specs), "--judge", "offline"]) == 0
    out = capsys.readouterr().out
    assert "0 skipped" in out and "tone-strands" in out


def test_spec_errors_stop_before_replay_with_exit_2(specs, capsys):
    (specs / "tests" / "bad.yaml").write_text(
        "apiVersion: evalctl/v1alpha1\nkind: EvaluatorTest\nmetadata: {name: bad}\nspec: {evaluator: nope}\n"
    )
    assert main(["test", str(specs)]) == 2
    assert "bad.yaml:4" in capsys.readouterr().err


def test_counts_names_and_trace_ids_agree_with_the_report(specs, tmp_path, capsys):
    """Issue 11: '2 session(s)' where the report says 1; expectations without the test's name;
    failures that repeat `label 'Poor' != 'Good'` without saying which trace."""
    (specs / "tests" / "helpful.yaml").write_text(
        """apiVersion: evalctl/v1alpha1
kind: EvaluatorTest
metadata: {name: helpful-strands}
spec:
  evaluator: Builtin.Helpfulness
  sessions: ../sessions/raw_otel_strands_bedrock_*.json
  expect:
    - {sessionId: cc8a8e69-8bed-4e5f-9a06-9a58550fd713, label: Nonexistent}
"""
    )
    out_dir = tmp_path / "out"
    assert main(["test", str(specs), "--judge", "offline", "--report-dir", str(out_dir)]) == 1
    out = capsys.readouterr().out
    results = json.loads((out_dir / "results.json").read_text())
    assert results["job"]["totalSessions"] == len(results["sessions"]) == 1
    assert "(3 test(s), 1 session(s))" in out
    failed = [g for g in results["gates"] if not g["passed"]]
    assert [g["gate"]["test"] for g in failed] == ["helpful-strands"]
    message = failed[0]["message"]
    session = "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
    assert message.startswith(f"helpful-strands: Builtin.Helpfulness on {session}: ")
    traces = {r["traceId"] for s in results["sessions"] for r in s["results"] if r.get("traceId")}
    assert traces and all(f"trace {t}: label " in message for t in traces)
    summary = (out_dir / "summary.md").read_text()
    assert "### Expectations" in summary and "### Gates" not in summary
    assert "- ❌ helpful-strands: Builtin.Helpfulness on" in summary


def test_bedrock_judge_without_a_region_is_a_usage_error_not_a_traceback(specs, capsys, monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(specs / "no-such-config"))
    assert main(["test", str(specs), "--judge", "bedrock"]) == 2
    err = capsys.readouterr().err
    assert "--judge bedrock needs an AWS region" in err and "Traceback" not in err


def test_a_report_dir_that_is_a_file_is_one_line_and_exit_2(specs, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder\n")
    assert main(["test", str(specs), "--report-dir", str(taken)]) == 2
    assert capsys.readouterr().err == f"evalctl test: cannot use {taken}: File exists\n"
    assert main(["test", str(specs), "--report-dir", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    side = str(tmp_path / "out")
    assert main(["compare", side, side, "--out", str(taken / "x.md")]) == 2
    assert capsys.readouterr().err == f"evalctl compare: cannot use {taken / 'x.md'}: Not a directory\n"


def test_a_report_dir_that_cannot_be_created_names_it(specs, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder\n")
    assert main(["test", str(specs), "--report-dir", str(taken / "reports")]) == 2
    assert capsys.readouterr().err == f"evalctl test: cannot use {taken / 'reports'}: Not a directory\n"


def test_an_unknown_judge_in_the_environment_is_one_line_and_exit_2(specs, capsys, monkeypatch):
    monkeypatch.setenv("EVALCTL_JUDGE", "foo")
    assert main(["test", str(specs)]) == 2
    assert capsys.readouterr().err == (
        "evalctl test: EVALCTL_JUDGE='foo': expected offline, bedrock or openai\n"
    )


def test_a_session_whose_expectation_failed_never_reads_pass_in_the_reports(specs, tmp_path, capsys):
    # The handler scores the session 1.0 (a pass by score); the expectation asks for another label.
    path = specs / "tests" / "tool-reliability.yaml"
    path.write_text(path.read_text().replace("label: NoTools", "label: Reliable", 1))
    out_dir = tmp_path / "out"
    assert main(["test", str(specs), "--report-dir", str(out_dir)]) == 1
    capsys.readouterr()
    session = "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
    results = json.loads((out_dir / "results.json").read_text())
    failed = [g for g in results["gates"] if not g["passed"]]
    assert [g["details"]["sessions"] for g in failed] == [[session]]
    summary = (out_dir / "summary.md").read_text()
    badge = next(line for line in summary.splitlines() if f"<code>{session}</code>" in line)
    assert "❌ expectation failed" in badge and "pass" not in badge.replace("expectation", ""), badge
    assert "label 'NoTools' != 'Reliable'" in summary.split(badge, 1)[1].split("</details>", 1)[0]
    page = (out_dir / "report.html").read_text()
    block = page.split(f"<code>{session}</code>", 1)[0].rsplit("<details", 1)[1]
    assert 'data-status="fail"' in block and ">expectation failed<" in block, block
