"""`evalctl run support-regression --local --agent URL --parallel N`: the example agent as a real process
runs the project's dataset; one or four scenarios at a time give the same results, reports and exit."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from tests.agent.example_agent import _free_port, running_agent
from tests.agent.test_support_agent import LOG_GROUP, ROOT, _scenarios

SERVICE = "support_agent.DEFAULT"


@pytest.fixture(scope="module")
def otlp_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def agent(otlp_port: int) -> Iterator[str]:
    with running_agent(otlp_port, SERVICE, LOG_GROUP) as url:
        yield url


def _run(
    agent: str, port: int, reports: Path, parallel: int, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str, str]:
    """(exit code, results.json from --json, summary.md + junit.xml, stderr) of one run."""
    code = main(["run", "support-regression", "--specs", str(ROOT / "evaluations"), "--local",
                 "--agent", agent, "--otlp-port", str(port), "--parallel", str(parallel), "--timeout", "120",
                 "--json", "--report-dir", str(reports)])  # fmt: skip
    out, err = capsys.readouterr()
    texts = (reports / "summary.md").read_text() + (reports / "junit.xml").read_text()
    return code, json.loads(out), texts, err


def _normalised(results: dict[str, Any], texts: str) -> Any:
    """The outputs with what differs between any two runs (ids, times) replaced by what it names."""
    names = {s["sessionId"]: f"<session of {s['scenarioId']}>" for s in results["sessions"]}
    names |= {results["job"]["id"]: "<job id>", results["job"]["name"]: "<job name>"}
    text = json.dumps([results, texts], sort_keys=True)
    for found, name in names.items():
        text = text.replace(found, name)
    text = re.sub(r'"(createdAt|updatedAt|arn)": "[^"]*"', r'"\1": "<varies>"', text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<trace id>", text)
    text = re.sub(r'(time|timestamp)=\\"[^"\\]*\\"', r'\1=\\"<varies>\\"', text)  # junit.xml
    data = json.loads(text)
    for session in data[0]["sessions"]:  # sorted by target: trace ids, which vary between runs
        session["results"].sort(key=lambda r: json.dumps(r, sort_keys=True))
    return data


def test_one_or_four_scenarios_at_a_time_give_the_same_outputs(
    agent: str, otlp_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code1, results1, texts1, err1 = _run(agent, otlp_port, tmp_path / "n1", 1, capsys)
    code4, results4, texts4, err4 = _run(agent, otlp_port, tmp_path / "n4", 4, capsys)
    assert "up to 1 scenario(s) at a time" in err1 and "up to 4 scenario(s) at a time" in err4
    assert code1 == code4 and code1 in (0, 1), err4
    assert _normalised(results1, texts1) == _normalised(results4, texts4)
    order = sorted(s["scenario_id"] for s in _scenarios())
    assert [s["scenarioId"] for s in results4["sessions"]] == order  # by scenario, not by finishing time
    assert all(s["results"] and not s.get("error") for s in results4["sessions"]), results4["sessions"]
    sessions = {s["sessionId"] for s in results1["sessions"] + results4["sessions"]}
    assert len(sessions) == 2 * len(order), "a fresh session per scenario and run"
