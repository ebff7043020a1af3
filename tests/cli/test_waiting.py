"""Waiting for a job of the evaluation family: Ctrl-C ends the wait and says the job goes on."""

from __future__ import annotations

import pytest

from evalctl.cli import waiting


def test_ctrl_c_says_the_job_keeps_running_and_is_re_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def get() -> dict[str, str]:
        calls.append("get")
        return {"status": "IN_PROGRESS"}

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(waiting.time, "sleep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        waiting.wait(get, frozenset({"IN_PROGRESS"}), "recommendation r-123", 5.0, 60.0)
    assert calls == ["get"]
    assert (
        "recommendation r-123 keeps running in the service; Ctrl-C stopped only this wait"
        in capsys.readouterr().err
    )
