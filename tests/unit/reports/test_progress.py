"""Terminal helpers: aligned tables, short durations and the live progress line."""

from __future__ import annotations

import io

import pytest

from evalctl.progress import ProgressLine, format_duration, format_table


def test_table_pads_columns_and_right_aligns_numbers():
    text = format_table(["NAME", "N"], [["alpha", "1"], ["b", "100"]], right=(1,))
    assert text.splitlines() == ["NAME     N", "alpha    1", "b      100"]


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        format_table(["A", "B"], [["only one"]])


DURATIONS = [
    ("seconds stay seconds", 42.9, "42s"),
    ("minutes show zero-padded seconds", 185, "3m05s"),
    ("hours drop the seconds", 3720, "1h02m"),
    ("a negative clock skew reads as zero", -3, "0s"),
]


@pytest.mark.parametrize(("reason", "seconds", "text"), DURATIONS, ids=[c[0] for c in DURATIONS])
def test_durations(reason, seconds, text):
    assert format_duration(seconds) == text, reason


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_logs_only_changes_when_not_a_tty():
    stream = io.StringIO()
    line = ProgressLine(stream)
    line.update(0, 4, 0, 4, 1)
    line.update(0, 4, 0, 4, 5)  # same counts, later: not repeated in a CI log
    line.update(2, 2, 0, 4, 9)
    line.close()
    assert stream.getvalue().splitlines() == [
        "sessions: 0/4 completed, 4 in progress, 0 failed (1s)",
        "sessions: 2/4 completed, 2 in progress, 0 failed (9s)",
    ]


def test_progress_rewrites_one_line_on_a_tty():
    stream = _Tty()
    line = ProgressLine(stream)
    line.update(1, 0, 0, None, 61)
    line.close()
    assert stream.getvalue() == "\r\x1b[2Ksessions: 1 completed, 0 in progress, 0 failed (1m01s)\n"
