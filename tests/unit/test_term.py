"""The terminal policy: plain unwrapped tables off a TTY, NO_COLOR and FORCE_COLOR, live vs logged status."""

from __future__ import annotations

import io

import pytest

from evalctl import term


class _Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def plain_env(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)


def test_table_pads_columns_and_right_aligns_numbers():
    text = term.table(["NAME", "N"], [["alpha", "1"], ["b", "100"]], right=(1,))
    assert text.splitlines() == ["NAME     N", "alpha    1", "b      100"]


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="2 cells"):
        term.table(["A", "B"], [["only one"]])


def test_table_off_a_tty_never_wraps_whatever_columns_says(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    detail = "a reason long enough to wrap at twenty columns"
    lines = term.table(["RESULT", "DETAIL"], [["FAIL", detail]]).splitlines()
    assert lines == ["RESULT  DETAIL", f"FAIL    {detail}"]


def test_table_on_a_narrow_terminal_wraps_cells_and_keeps_ids_whole(monkeypatch):
    monkeypatch.setattr("sys.stdout", _Tty())
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    ident, why = "Builtin.TrajectoryExactOrderMatch", "expectedTrajectory (required) and a few more words"
    text = term.table(["EVALUATOR", "GROUND TRUTH"], [[ident, why]])
    lines = text.splitlines()
    assert max(map(len, lines)) <= 60 and len(lines) > 2, "wrapped to the terminal's width"
    assert any(line.startswith(ident) for line in lines) and "…" not in text, "the id stays whole"
    assert all(word in text for word in why.split()), "wrapped, nothing cut off"


def test_table_cells_are_text_not_markup():
    assert term.table(["A"], [["[bold]x[/bold]"]]).splitlines()[1] == "[bold]x[/bold]"


@pytest.mark.parametrize(
    ("env", "stream", "color"),
    [
        ({}, io.StringIO(), False),
        ({}, _Tty(), True),
        ({"NO_COLOR": "1"}, _Tty(), False),
        ({"NO_COLOR": ""}, _Tty(), True),  # no-color.org: an empty value does not count
        ({"FORCE_COLOR": "1"}, io.StringIO(), True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, _Tty(), False),
        ({"TERM": "dumb"}, _Tty(), False),
    ],
    ids=["pipe", "tty", "no-color", "empty-no-color", "force-color", "no-color-wins", "dumb"],
)
def test_colour_policy(monkeypatch, env, stream, color):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert term.color_enabled(stream) is color


def test_force_color_makes_headers_bold_and_no_color_keeps_them_plain(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[1m" in term.table(["NAME"], [["x"]])
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in term.table(["NAME"], [["x"]])


def test_status_logs_only_changes_when_not_a_tty():
    stream = io.StringIO()
    line = term.StatusLine(stream)
    line.update("job: RUNNING", note=" [1s]")
    line.update("job: RUNNING", note=" [5s]")  # same state, later: not repeated in a CI log
    line.update("job: COMPLETED", note=" [9s]")
    line.close()
    assert stream.getvalue().splitlines() == ["job: RUNNING [1s]", "job: COMPLETED [9s]"]


def test_status_is_live_on_a_tty_and_leaves_its_last_state(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Tty()
    line = term.StatusLine(stream)
    line.update("job: RUNNING", done=1, total=4)
    line.update("job: COMPLETED", done=4, total=4)
    line.close()
    out = stream.getvalue()
    assert "\x1b[?25l" in out, "the cursor is hidden while the line redraws in place"
    last = out.split("\r")[-1]
    assert "job: COMPLETED" in last and last.endswith("\n\x1b[?25h"), "the final state stays on its own line"
    assert "job: RUNNING\n" not in out, "a live line is redrawn, not logged"


def test_validate_colours_by_the_same_policy(monkeypatch, capsys):
    from pathlib import Path

    from evalctl.cli.main import main

    spec = Path(__file__).resolve().parents[1] / "golden/validate/negative/kind-typo/spec.yaml"
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["validate", str(spec)]) == 1
    assert "\x1b[31merror\x1b[0m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["validate", str(spec)]) == 1
    assert "\x1b[" not in capsys.readouterr().out
