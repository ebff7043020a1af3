"""Golden CLI output of `evalctl validate` on real mistakes (negative) and on every valid shape (positive).

Each case is a folder under tests/golden/validate/{negative,positive}/<case>/ holding spec files, a
README.md whose first line is `reason: ...`, an optional `args` file (default `validate .`) and
`expected.txt`: the exact output of the command run from inside the folder, then `exit: <code>`.
`expected.json.txt` / `expected.github.txt`, when present, hold the output with `--format json` /
`--format github`. Set EVALCTL_UPDATE_GOLDEN=1 to rewrite the expected files from the current output.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from evalctl.cli.main import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "validate"
UPDATE = os.environ.get("EVALCTL_UPDATE_GOLDEN") == "1"
LOCATED = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (error|warning): \S")
FORMATS = {
    "expected.txt": [],
    "expected.json.txt": ["--format", "json"],
    "expected.github.txt": ["--format", "github"],
}


def cases(group: str) -> list[Path]:
    return sorted(p for p in (GOLDEN / group).iterdir() if p.is_dir())


def case_args(case: Path) -> list[str]:
    args_file = case / "args"
    return args_file.read_text().split() if args_file.is_file() else ["validate", "."]


def run_cli(case: Path, extra: list[str], capsys, monkeypatch) -> str:
    """Run `evalctl <args>` inside the case folder, as a user would; stdout, stderr, then the exit code."""
    monkeypatch.chdir(case)
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    args = case_args(case)
    code = main([args[0], *extra, *args[1:]])
    captured = capsys.readouterr()
    return f"{captured.out}{captured.err}exit: {code}\n"


def check_golden(case: Path, name: str, capsys, monkeypatch) -> str:
    actual = run_cli(case, FORMATS[name], capsys, monkeypatch)
    expected_file = case / name
    if UPDATE:
        expected_file.write_text(actual)
    assert expected_file.is_file(), f"{expected_file} is missing; run with EVALCTL_UPDATE_GOLDEN=1"
    assert actual == expected_file.read_text(), (
        f"{case.name}/{name} differs (EVALCTL_UPDATE_GOLDEN=1 rewrites)"
    )
    return actual


def golden_params(group: str) -> list[object]:
    return [
        pytest.param(case, name, id=f"{case.name}:{name}")
        for case in cases(group)
        for name in FORMATS
        if name == "expected.txt" or (case / name).is_file()
    ]


@pytest.mark.parametrize(("case", "name"), golden_params("negative"))
def test_negative_case_output_is_exactly_the_golden_one(case: Path, name: str, capsys, monkeypatch):
    actual = check_golden(case, name, capsys, monkeypatch)
    if name == "expected.txt":
        body = actual.splitlines()[:-2]
        assert body, "a negative case must report at least one problem"
        for line in body:
            found = LOCATED.match(line)
            assert found, f"not a located problem: {line!r}"
            assert int(found["line"]) >= 1
            assert int(found["col"]) >= 1


@pytest.mark.parametrize(("case", "name"), golden_params("positive"))
def test_positive_case_is_clean_and_golden(case: Path, name: str, capsys, monkeypatch):
    actual = check_golden(case, name, capsys, monkeypatch)
    assert actual.endswith("exit: 0\n")
    if name == "expected.txt":
        assert actual.startswith("ok: "), actual


@pytest.mark.parametrize(
    "case", cases("negative") + cases("positive"), ids=lambda c: f"{c.parent.name}/{c.name}"
)
def test_every_case_says_why_it_exists(case: Path):
    readme = (case / "README.md").read_text().splitlines()
    assert readme and readme[0].startswith("reason: ") and len(readme[0]) > 20, case


def case_inputs(case: Path) -> bytes:
    """Everything the command reads: the args and every file but the expectations and the README."""
    parts = [" ".join(case_args(case)).encode()]
    for path in sorted(case.rglob("*")):
        if path.is_file() and not path.name.startswith(("expected", "README")):
            parts += [str(path.relative_to(case)).encode(), path.read_bytes()]
    return b"\0".join(parts)


def test_negative_cases_are_many_and_distinct():
    """The issue asks for at least 40 distinct mistakes: no two cases may feed the CLI the same input."""
    inputs = [case_inputs(c) for c in cases("negative")]
    assert len(inputs) >= 40
    assert len(set(inputs)) == len(inputs)


def test_positive_cases_cover_every_kind(capsys, monkeypatch):
    from evalctl.spec import load_project
    from evalctl.spec.models import KINDS

    kinds: set[str] = set()
    for case in cases("positive"):
        monkeypatch.chdir(case)
        project, problems = load_project([Path(".")], "dev")
        assert problems == [], case.name
        kinds |= {d.kind for d in project.documents}
    assert kinds == set(KINDS)
