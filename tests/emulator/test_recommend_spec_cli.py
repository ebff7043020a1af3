"""`evalctl recommend SPEC`: the deployed recommendation of a Recommendation spec, or a new one, applied
into the spec's promptFile; `evalctl results SPEC`: the newest finished one, its explanation and diff;
against the emulator over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from evalctl import recommend_request as rr
from evalctl.cli.main import main

FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
PROMPT = "You are a helpful assistant.\n"
TOOLS = "TOOL_DESCRIPTION_RECOMMENDATION"
SPEC = """apiVersion: evalctl/v1alpha1
kind: Recommendation
metadata:
  name: assistant-prompt
spec:
  type: SYSTEM_PROMPT_RECOMMENDATION
  promptFile: ../../agent/prompt.md
  evaluator: Builtin.Helpfulness
  agentTraces:
    sessionSpansFiles:
      - ../sessions/raw_otel_langchain_spans.json
      - ../sessions/raw_otel_langchain_runtime_logs.json
"""


@pytest.fixture
def project(tmp_path: Path, span_fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """evaluations/recommendations/assistant-prompt.yaml, its spans and agent/prompt.md; cwd is the repo."""
    specs = tmp_path / "evaluations"
    (specs / "recommendations").mkdir(parents=True)
    (specs / "sessions").mkdir()
    for name in FILES:
        shutil.copy(span_fixtures / name, specs / "sessions")
    (specs / "recommendations" / "assistant-prompt.yaml").write_text(SPEC)
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "prompt.md").write_text(PROMPT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def quick(emulator: Any) -> Any:
    emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    return emulator


def deployed(emulator: Any, project: Path, spec_name: str = "assistant-prompt", **extra: Any) -> str:
    """What `pulumi up` would have started: the spec's inputs under `<stem>_<digest>`."""
    spec = {"evaluator": "Builtin.Helpfulness", "type": "SYSTEM_PROMPT_RECOMMENDATION",
            "promptFile": "../../agent/prompt.md", "agentTraces": {"sessionSpansFiles": [
                f"../sessions/{f}" for f in FILES]}, **extra}  # fmt: skip
    props = rr.resolved(
        {k: v for k, v in spec.items() if v is not None}, project / "evaluations" / "recommendations"
    )
    if props.get("evaluator"):
        props["evaluator"] = rr.BUILTIN_ARN.format(props["evaluator"])
    name = rr.physical_name(rr.base_name(spec_name, "dev"), props)
    params = rr.start_request(props, name, dt.datetime.now(dt.UTC))
    data = emulator.client("bedrock-agentcore")
    rec_id = str(data.start_recommendation(**params)["recommendationId"])
    emulator.admin.advance_clock(10)
    return rec_id


def args(emulator: Any, *extra: str) -> list[str]:
    return ["recommend", "assistant-prompt", "--stack", "dev", "--endpoint", emulator.endpoint,
            "--poll", "0.05", *extra]  # fmt: skip


def test_apply_writes_the_deployed_recommendation_into_the_prompt_file(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec_id = deployed(quick, project)
    assert main(args(quick, "--apply", "--json")) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["recommendationId"] == rec_id
    assert answer["diff"].startswith("--- agent/prompt.md (current)\n+++ agent/prompt.md (recommended)\n")
    assert (project / "agent" / "prompt.md").read_text() == answer["recommended"]
    assert answer["recommended"].startswith(PROMPT + "\n## Lessons from 2 evaluated turns")

    assert main(args(quick)) == 2, "the file now differs from what was recommended on"
    assert "agent/prompt.md changed since recommendation" in capsys.readouterr().err


def test_start_runs_a_new_one_from_the_spec_and_no_deployed_one_says_what_to_do(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args(quick)) == 2
    assert "run `pulumi up`, or pass --start" in capsys.readouterr().err
    assert main(args(quick, "--start")) == 0
    out = capsys.readouterr()
    assert out.out.startswith("explanation: Emulated, deterministic recommendation")
    assert "\n--- agent/prompt.md (current)\n" in out.out and "+## Lessons from" in out.out
    assert (project / "agent" / "prompt.md").read_text() == PROMPT, "shown, not applied"
    (started,) = quick.client("bedrock-agentcore").list_recommendations()["recommendationSummaries"]
    assert started["name"].startswith("assistant_prompt_dev_r")


def test_a_started_recommendation_is_found_by_name_like_a_deployed_one(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: `evalctl recommend NAME` and `evalctl results NAME` knew only the names `pulumi up` gives.
    assert main(args(quick, "--start", "--json")) == 0
    started = json.loads(capsys.readouterr().out)
    assert main(args(quick, "--json")) == 0
    assert json.loads(capsys.readouterr().out) == started
    assert main(results(quick, "--json")) == 0
    shown = json.loads(capsys.readouterr().out)
    # Same keys, same values: `recommend NAME --json` lacked spec, file and fresh.
    assert set(started) == set(shown) == VIEW_KEYS
    assert shown == started
    assert (shown["spec"], shown["file"], shown["fresh"]) == ("assistant-prompt", "agent/prompt.md", True)
    newer = deployed(quick, project, runKey="later")
    assert main(results(quick, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["recommendationId"] == newer, "the newest of either kind"
    calls = quick.admin.call_counts()
    assert calls["StartRecommendation"] == 2 and calls["ListRecommendations"] >= 3


def test_an_unknown_spec_gets_did_you_mean(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = args(quick)
    command[1] = "assistant-promt"
    assert main(command) == 2
    assert "did you mean 'assistant-prompt'?" in capsys.readouterr().err
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0


def test_flags_of_the_other_form_are_refused_not_ignored(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args(quick, "--start", "--prompt", "Be brief.", "--service", "agent.DEFAULT")) == 2
    err = capsys.readouterr().err
    assert "--prompt, --service do(es) not go with SPEC" in err and "drop SPEC" in err
    assert main(["recommend", "--prompt", "Be brief.", "--start", "--endpoint", quick.endpoint]) == 2
    assert "--start goes with SPEC" in capsys.readouterr().err
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0


def results(emulator: Any, *extra: str) -> list[str]:
    return ["results", "assistant-prompt", "--stack", "dev", "--endpoint", emulator.endpoint, *extra]


VIEW_KEYS = {"recommendationId", "name", "status", "type", "current", "recommended", "diff", "explanations",
             "error", "spec", "file", "fresh"}  # fmt: skip


def test_results_shows_the_newest_finished_recommendation_of_a_spec(
    quick: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(results(quick)) == 2
    assert "run `pulumi up`, or `evalctl recommend assistant-prompt --start`" in capsys.readouterr().err
    rec_id = deployed(quick, project)

    assert main(results(quick, "--json", "--report-dir", str(tmp_path / "out"))) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == VIEW_KEYS
    assert (shown["recommendationId"], shown["status"], shown["fresh"]) == (rec_id, "COMPLETED", True)
    assert shown["diff"].startswith("--- agent/prompt.md (current)\n+++ agent/prompt.md (recommended)\n")
    assert shown["current"] == PROMPT and shown["recommended"].startswith(PROMPT + "\n## Lessons from")
    assert (tmp_path / "out" / "assistant-prompt.diff").read_text() == shown["diff"]
    assert "+## Lessons from" in (tmp_path / "out" / "assistant-prompt.md").read_text()

    (project / "agent" / "prompt.md").write_text("Edited since.\n")
    by_file = results(quick)
    by_file[1] = "evaluations/recommendations/assistant-prompt.yaml"
    assert main(by_file) == 0, "still shown: the diff is of the text it ran on"
    out = capsys.readouterr()
    head = f"Recommendation assistant-prompt: {rec_id} COMPLETED (SYSTEM_PROMPT_RECOMMENDATION)\n"
    why = " ".join(shown["explanations"]["systemPrompt"].split())
    assert why.startswith("Emulated, deterministic recommendation")
    assert out.out == head + f"explanation: {why}\n" + shown["diff"]
    assert "agent/prompt.md is not the text this recommendation ran on" in out.err
    assert "(or `evalctl recommend assistant-prompt --start`)" in out.err, "as `recommend` says it"
    assert main(results(quick, "--gates-from", "x.yaml")) == 2
    typo = results(quick)
    typo[1] = "assistant-promt"
    assert main(typo) == 2
    assert "did you mean Recommendation 'assistant-prompt'?" in capsys.readouterr().err


def test_results_on_a_spec_of_another_kind_names_its_kind_and_the_command(
    quick: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    datasets = project / "evaluations" / "datasets.yaml"
    header = "apiVersion: evalctl/v1alpha1\nkind: Dataset\nmetadata: {name: assistant-prompts}\n"
    datasets.write_text(header + "spec:\n  scenarios:\n    - scenario_id: a\n      turns: [{input: Hi}]\n")
    command = results(quick)
    command[1] = "assistant-prompts"
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "'assistant-prompts' is a spec of kind Dataset under evaluations" in err, err
    assert "no spec named" not in err and "did you mean" not in err
    assert quick.admin.call_counts() == {}


def test_a_models_explanation_shows_and_a_failed_newest_one_exits_2(
    quick: Any, project: Path, model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    answers, _ = model
    better = PROMPT + "Show the arithmetic.\n"
    answers.reply = (
        200,
        json.dumps({"recommendedSystemPrompt": better, "explanation": "Sums were\nskipped."}),
    )
    deployed(quick, project)
    for command in (results(quick), args(quick)):
        assert main(command) == 0
        assert "explanation: Sums were skipped.\n--- agent/prompt.md (current)\n" in capsys.readouterr().out
    assert main(results(quick, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["explanations"] == {"systemPrompt": "Sums were\nskipped."}

    answers.reply = (200, "not an answer")
    (project / "evaluations" / "recommendations" / "assistant-prompt.yaml").write_text(
        SPEC + "  runKey: again\n"
    )
    rec_id = deployed(quick, project, runKey="again")
    assert main(results(quick, "--json")) == 2
    shown = json.loads(capsys.readouterr().out)
    assert (shown["recommendationId"], shown["status"], shown["recommended"]) == (rec_id, "FAILED", None)
    assert shown["error"].startswith("recommendation FAILED: ModelAnswerUnusable")
    assert main(results(quick)) == 2
    assert "error: recommendation FAILED: ModelAnswerUnusable" in capsys.readouterr().out


def test_each_tools_explanation_shows_before_the_diff_of_the_tools_file(
    quick: Any, project: Path, model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    answers, _ = model
    (project / "agent" / "tools.json").write_text(json.dumps({"calculator": "Evaluates arithmetic."}))
    spec = SPEC.replace("assistant-prompt", "tools").replace("SYSTEM_PROMPT", "TOOL_DESCRIPTION")
    spec = spec.replace("promptFile: ../../agent/prompt.md", "toolsFile: ../../agent/tools.json")
    (project / "evaluations" / "recommendations" / "tools.yaml").write_text(
        spec.replace("  evaluator: Builtin.Helpfulness\n", "")
    )
    new = {"toolName": "calculator", "recommendedToolDescription": "Evaluates one arithmetic expression.",
           "explanation": "Called with whole sentences."}  # fmt: skip
    answers.reply = (200, json.dumps({"tools": [new]}))
    deployed(quick, project, "tools", evaluator=None, promptFile=None, type=TOOLS,
             toolsFile="../../agent/tools.json")  # fmt: skip
    for command in (results(quick), args(quick)):
        command[1] = "tools"
        assert main(command) == 0
        out = capsys.readouterr().out
        assert (
            "explanation (calculator): Called with whole sentences.\n--- agent/tools.json (current)\n" in out
        )
        assert '+  "calculator": "Evaluates one arithmetic expression."' in out
