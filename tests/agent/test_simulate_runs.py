"""`evalctl simulate` in parallel, with an actor that is down or fails mid-run, and the actor's token
usage: the example agent as a real process, the loopback model as actor and judge (see conftest.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.agent.simulate_env import answer, refused_before_any_agent_call, simulate
from tests.chat_server import USAGE, ChatServer, chat_server

ACTOR = "You play a user"
PREFLIGHT = "You check that a model answers"


def _run(
    specs: Path, agent: str, port: int, reports: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any], dict[str, Any], str, str]:
    """(exit code, results.json from --json, simulation.json, summary.md, stderr) of one run."""
    code = simulate(specs, agent, port, "--json", "--report-dir", str(reports),
                    "--min-average", "Builtin.Helpfulness=0.9", *extra)  # fmt: skip
    out, err = capsys.readouterr()
    simulation = json.loads((reports / "simulation.json").read_text())
    return code, json.loads(out), simulation, (reports / "summary.md").read_text(), err


def _normalised(results: dict[str, Any], simulation: dict[str, Any], summary: str) -> Any:
    """The run's outputs with what differs between any two runs (ids, times) replaced by what it names."""
    names = {s["sessionId"]: f"<session of {s['scenarioId']}>" for s in simulation["scenarios"]}
    names[results["job"]["id"]] = "<job id>"
    names[results["job"]["name"]] = "<job name>"
    text = json.dumps([results, simulation, summary], sort_keys=True)
    for found, name in names.items():
        text = text.replace(found, name)
    text = re.sub(r'"(createdAt|updatedAt|arn)": "[^"]*"', r'"\1": "<varies>"', text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<trace id>", text)  # trace ids, also in summary.md
    data = json.loads(text)
    for session in data[0]["sessions"]:  # sorted by target: trace ids, which vary between runs
        session["results"].sort(key=lambda r: json.dumps(r, sort_keys=True))
    return data


def _actor_calls(actor: ChatServer) -> int:
    return sum(1 for r in actor.requests if r[2]["messages"][0]["content"].startswith((ACTOR, PREFLIGHT)))


def test_one_or_four_scenarios_at_a_time_give_the_same_outputs(
    specs: Path, agent: str, port: int, actor: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = [_run(specs, agent, port, tmp_path / f"n{n}", capsys, "--parallel", str(n)) for n in (1, 4)]
    (code1, results1, simulation1, summary1, err1), (code4, results4, simulation4, summary4, _) = runs
    assert code1 == code4 == 2  # one scenario failed
    assert _normalised(results1, simulation1, summary1) == _normalised(results4, simulation4, summary4)
    order = [s["scenarioId"] for s in simulation1["scenarios"]]
    assert order == ["stops-after-two", "never-satisfied", "garbled-actor"]  # the Dataset's order
    assert [s["scenarioId"] for s in results4["sessions"]] == order
    assert [line.split(":")[0] for line in err1.splitlines() if line.startswith("scenario ")][:3] == [
        f"scenario {name}" for name in order
    ]
    # Usage: every actor call of both runs (the preflight included) at the loopback model's counts.
    calls = _actor_calls(actor) // 2
    total = results4["simulation"]["actorUsage"]
    assert total == {
        "calls": calls,
        "inputTokens": calls * USAGE["prompt_tokens"],
        "outputTokens": calls * USAGE["completion_tokens"],
        "totalTokens": calls * (USAGE["prompt_tokens"] + USAGE["completion_tokens"]),
    }
    per_scenario = [s["actorUsage"]["calls"] for s in simulation4["scenarios"]]
    assert per_scenario == [2, 2, 1] and simulation4["actorUsage"] == total  # + the preflight
    line = f"actor usage: {total['inputTokens']} in + {total['outputTokens']} out tokens ({calls} call(s))"
    assert line in err1 and line in summary4


def test_a_failed_scenario_is_scored_as_far_as_it_went_and_no_report_reads_as_a_pass(
    specs: Path, agent: str, port: int, actor: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, results, simulation, summary, err = _run(specs, agent, port, tmp_path / "r", capsys)
    garbled = simulation["scenarios"][2]
    assert code == 2 and garbled["error"] and garbled["scored"] is True and len(garbled["turns"]) == 1
    scored = {s["scenarioId"]: len(s["results"]) for s in results["sessions"]}
    assert scored == {"stops-after-two": 2, "never-satisfied": 3, "garbled-actor": 1}
    record = results["simulation"]
    assert (record["scenarios"], record["failed"], record["complete"]) == (3, 1, False)
    # The averages would pass 0.9; the gate must not read as passed on a shortened run, anywhere.
    (gate,) = results["gates"]
    assert gate["passed"] is False and "1 of 3 scenario(s) failed" in gate["message"]
    assert "❌ gates failed" in summary.splitlines()[0]
    assert [line for line in summary.splitlines() if line.startswith("- ✅")] == []  # no gate reads passed
    detail = f"scenario garbled-actor FAILED after 1 turn(s) ({garbled['error']}); those turn(s) are scored"
    assert detail in results["job"]["errorDetails"] and detail in summary
    assert "1 of 3 scenario(s) failed" in err


def _refused_actor(status: int) -> Callable[[dict[str, Any]], tuple[int, str]]:
    return lambda body: (status, "the model is overloaded")


@pytest.mark.parametrize("status", [None, 401])
def test_an_actor_that_cannot_answer_means_no_agent_call(
    status: int | None,
    specs: Path,
    port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EVALCTL_JUDGE", "openai")
    monkeypatch.setenv("EVALCTL_JUDGE_MODEL", "actor-7b")
    if status is None:  # nothing listens on port 9
        monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", "http://127.0.0.1:9/v1")
        err = refused_before_any_agent_call(specs, port, capsys)
        where = "http://127.0.0.1:9/v1"
    else:
        with chat_server(_refused_actor(status)) as server:
            monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", server.base_url)
            err = refused_before_any_agent_call(specs, port, capsys)
        where = server.base_url
        assert len(server.requests) == 1  # one preflight call, then nothing
    assert f"model actor-7b at {where} cannot be used as the actor" in err
    assert "EVALCTL_JUDGE_BASE_URL" in err and "no agent was called" in err and "Traceback" not in err


def test_a_model_failing_mid_run_fails_only_that_scenario_and_silent_usage_is_said(
    specs: Path,
    agent: str,
    port: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def flaky(body: dict[str, Any]) -> tuple[int, str]:
        return (503, "overloaded") if "GOAL-GARBLE" in body["messages"][0]["content"] else answer(body)

    with chat_server(flaky, usage=None) as server:
        monkeypatch.setenv("EVALCTL_JUDGE", "openai")
        monkeypatch.setenv("EVALCTL_JUDGE_BASE_URL", server.base_url)
        code, results, simulation, summary, err = _run(specs, agent, port, tmp_path / "r", capsys)
    stop, more, down = simulation["scenarios"]
    assert code == 2 and stop["ended"] == "actor stopped" and more["ended"] == "max_turns reached"
    assert down["error"].startswith("after turn 1: the actor model call failed: POST ")
    assert "503" in down["error"] and len(down["turns"]) == 1
    assert down["actorUsage"] == {"calls": 0}  # the failed call answered nothing
    assert stop["actorUsage"] == {"calls": 2, "note": "not reported by the model"}
    calls = _actor_calls(server) - 1  # the failing call is not an answered one
    assert results["simulation"]["actorUsage"] == {"calls": calls, "note": "not reported by the model"}
    line = f"actor usage: not reported by the model ({calls} call(s))"
    assert line in err and line in summary
