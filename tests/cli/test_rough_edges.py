"""Rough edges of issue 11: a missing region is one sentence and exit 2 everywhere; AWS_REGION counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalctl import aws
from evalctl.cli.main import main
from tests.examples import copy_examples

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_region(tmp_path, monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    return tmp_path


def test_run_without_a_region_exits_2_without_a_traceback(no_region, capsys, monkeypatch):
    copy_examples(no_region / "evaluations")
    monkeypatch.chdir(no_region)
    assert main(["run", "nightly-support"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evalctl run: no AWS region") and "Traceback" not in err


def test_aws_region_is_honoured_although_botocore_reads_only_aws_default_region(no_region, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    import boto3

    # A session of our own: the shared client cache must not keep this test's region.
    built = aws.client(
        aws.CONTROL, aws.ClientSettings(endpoint="http://127.0.0.1:1"), session=boto3.Session()
    )
    assert built.meta.region_name == "eu-west-3"


def test_import_without_a_region_exits_2_with_one_sentence(no_region, capsys):
    """`import` exited 1 without a region; nothing judged is a usage error (2)."""
    assert main(["import", "--out", str(no_region / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evalctl import: no AWS region") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["history", "--limit", "0"], "--limit"),
        (["run", "x", "--timeout", "-1"], "--timeout"),
        (["recommend", "--prompt", "p", "--service", "s", "--since", "-5"], "--since"),
        (["recommend", "--prompt", "p", "--service", "s", "--poll", "0"], "--poll"),
        (["dataset", "generate", "d", "--service", "s", "--since", "0"], "--since"),
        (["dataset", "generate", "d", "--service", "s", "--max-scenarios", "0"], "--max-scenarios"),
        (["dataset", "generate", "d", "--service", "s", "--timeout", "-3"], "--timeout"),
    ],
)
def test_zero_or_negative_counts_and_durations_are_usage_errors(argv, flag, capsys):
    # Each was accepted: a negative window reached the service, --max-scenarios 0 was dropped silently.
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: " in err and ("give at least 1" in err or "give a number above 0" in err)
