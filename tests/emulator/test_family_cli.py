"""`evalctl recommend` and `evalctl dataset generate` against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from evalctl.spec.names import physical_name
from tests.emulator.helpers import DATASET_SPEC

SERVICE = "agent.DEFAULT"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
PROMPT = "You are a helpful assistant.\n"


@pytest.fixture
def quick(emulator: Any, span_fixtures: Path) -> Any:
    """Seeded sessions and lifecycles short enough to wait for in real time."""
    emulator.admin.seed([span_fixtures / f for f in FILES], SERVICE)
    emulator.admin.configure(
        recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1, generation_session_seconds=0.1
    )
    return emulator


def test_recommend_shows_a_diff_and_applies_it_to_the_prompt_file(
    quick: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = tmp_path / "prompt.md"
    prompt.write_text(PROMPT)
    common = ["--endpoint", quick.endpoint, "--service", SERVICE, "--poll", "0.05"]
    assert main(["recommend", "--prompt-file", str(prompt), "--name", "shown", *common]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("explanation: Emulated, deterministic recommendation")
    assert f"\n--- {prompt} (current)\n+++ {prompt} (recommended)\n" in out.out
    assert "+## Lessons from 2 evaluated turns (emulated recommendation" in out.out
    assert "COMPLETED" in out.err
    assert prompt.read_text() == PROMPT  # shown only
    assert (
        main(["recommend", "--prompt-file", str(prompt), "--name", "kept", "--apply", "--json", *common]) == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "COMPLETED"
    assert prompt.read_text() == answer["recommended"]
    assert answer["recommended"].startswith(PROMPT + "\n## Lessons")


def test_recommend_apply_needs_a_file_and_failures_exit_two(
    quick: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--endpoint", quick.endpoint, "--poll", "0.05"]
    assert main(["recommend", "--prompt", "Be brief.", "--service", SERVICE, "--apply", *common]) == 2
    assert "--apply needs --prompt-file" in capsys.readouterr().err
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0
    # A recommendation that starts and fails (no trace of the service) exits 2 with the service's reason.
    unseen = ["--service", "nobody.DEFAULT", "--log-group", "aws/spans"]
    assert main(["recommend", "--prompt", "Be brief.", *unseen, *common]) == 2
    assert "NoTracesFound" in capsys.readouterr().err


def test_recommend_refuses_an_unknown_log_group_before_starting(
    quick: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """It started a recommendation that then failed naming `agentTraces.cloudwatchLogs` fields."""
    common = ["--endpoint", quick.endpoint, "--poll", "0.05", "--region", "us-east-1"]
    flags = [
        "--prompt",
        "Be brief.",
        "--service",
        SERVICE,
        "--log-group",
        "aws/spans",
        "--log-group",
        "/nope",
    ]
    assert main(["recommend", *flags, *common]) == 2
    err = capsys.readouterr().err
    assert "evalctl recommend: --log-group /nope does not exist in this account and region (us-east-1)" in err
    assert "drop --log-group" in err and "nothing was started" in err, err
    assert "aws/spans" not in err.split(";")[0], "only the missing group is named"
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0


def test_recommend_past_its_timeout_says_how_to_wait_longer(
    quick: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    quick.admin.configure(recommendation_pending_seconds=600)
    common = ["--endpoint", quick.endpoint, "--service", SERVICE, "--poll", "0.05", "--timeout", "0.2"]
    assert main(["recommend", "--prompt", "Be brief.", *common]) == 2
    err = capsys.readouterr().err
    assert "is still PENDING after 0.2 s and keeps running in the service; pass a longer --timeout" in err


def test_recommend_names_unreadable_input_files_before_any_call(
    quick: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tools.md").write_text("lookup: finds an order\n")
    common = ["--endpoint", quick.endpoint, "--service", SERVICE, "--poll", "0.05"]
    cases = [
        (["--prompt-file", str(tmp_path / "nope.md")], f"--prompt-file {tmp_path / 'nope.md'}: cannot read"),
        (["--tools-file", str(tmp_path / "tools.md")], f"--tools-file {tmp_path / 'tools.md'}:1:1: not JSON"),
        (["--prompt", "Be brief.", "--spans-file", str(tmp_path / "x.json")], "--spans-file"),
    ]
    for flags, message in cases:
        assert main(["recommend", *flags, *common]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0


def test_dataset_generate_writes_the_scenarios_next_to_the_spec(
    quick: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "evaluations"
    (specs / "datasets").mkdir(parents=True)
    (specs / "datasets" / "cases.yaml").write_text(DATASET_SPEC)
    control = quick.client("bedrock-agentcore-control")
    name = physical_name("Dataset", "cases", {}, "dev")
    control.create_dataset(datasetName=name, schemaType="AGENTCORE_EVALUATION_PREDEFINED_V1")
    quick.admin.advance_clock(1)
    args = ["dataset", "generate", "cases", "--specs", str(specs), "--stack", "dev",
            "--endpoint", quick.endpoint, "--service", SERVICE, "--ground-truth", "expected_response",
            "--poll", "0.05", "--json"]  # fmt: skip
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    written = specs / "datasets" / "cases.generated.jsonl"
    assert answer["file"] == str(written)
    assert answer["generation"]["status"] == "COMPLETED"
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    assert len(lines) == answer["examples"] == 1
    assert lines[0]["turns"][0] == {
        "input": "Hello",
        "expected_response": lines[0]["turns"][0]["expected_response"],
    }
    assert lines[0]["turns"][0]["expected_response"]
    assert "exampleId" not in lines[0]


def _dataset_specs(tmp_path: Path) -> Path:
    """A specs folder holding only the Dataset spec `cases`."""
    specs = tmp_path / "evaluations"
    specs.mkdir()
    (specs / "cases.yaml").write_text(DATASET_SPEC)
    return specs


def test_dataset_generate_with_nothing_generated_keeps_the_file_under_review(
    quick: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _dataset_specs(tmp_path)
    reviewed = specs / "cases.generated.jsonl"
    reviewed.write_text('{"scenario_id": "from-an-earlier-run"}\n')
    control = quick.client("bedrock-agentcore-control")
    control.create_dataset(
        datasetName=physical_name("Dataset", "cases", {}, "dev"),
        schemaType="AGENTCORE_EVALUATION_PREDEFINED_V1",
    )
    quick.admin.advance_clock(1)
    # No trace of this service: the generation writes nothing, and the earlier file must survive.
    args = ["dataset", "generate", "cases", "--specs", str(specs), "--endpoint", quick.endpoint,
            "--service", "other.DEFAULT", "--poll", "0.05"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out == f"COMPLETED: no scenario generated; {reviewed} left as it was\n"
    assert "no session of service 'other.DEFAULT' in the last 168 h: check --service" in err
    assert reviewed.read_text() == '{"scenario_id": "from-an-earlier-run"}\n'
    assert main([*args, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["file"], answer["examples"]) == (None, 0)
    assert reviewed.read_text() == '{"scenario_id": "from-an-earlier-run"}\n'


def test_dataset_generate_names_the_declared_datasets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _dataset_specs(tmp_path)
    args = [
        "dataset",
        "generate",
        "case",
        "--specs",
        str(specs),
        "--service",
        SERVICE,
        "--endpoint",
        "http://127.0.0.1:9",
    ]
    assert main(args) == 2
    assert "(declared: cases); did you mean 'cases'?" in capsys.readouterr().err


def test_dataset_generate_on_an_undeployed_dataset_says_to_deploy_it(
    quick: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _dataset_specs(tmp_path)
    args = ["dataset", "generate", "cases", "--specs", str(specs), "--endpoint", quick.endpoint,
            "--service", SERVICE, "--poll", "0.05"]  # fmt: skip
    assert main(args) == 2
    assert "is not deployed in this account and region; run `pulumi up` first" in capsys.readouterr().err
    assert quick.admin.call_counts().get("StartDatasetGeneration", 0) == 0


def test_the_aws_cli_drives_a_recommendation(quick: Any, span_fixtures: Path, tmp_path: Path) -> None:
    from tests.emulator.test_cli import _aws

    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    request = {
        "name": "from_cli",
        "type": "SYSTEM_PROMPT_RECOMMENDATION",
        "recommendationConfig": {"systemPromptRecommendationConfig": {
            "systemPrompt": {"text": PROMPT}, "agentTraces": {"sessionSpans": spans},
            "evaluationConfig": {"evaluators": [
                {"evaluatorArn": "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"}]},
        }},
    }  # fmt: skip
    body = tmp_path / "request.json"
    body.write_text(json.dumps(request))
    cli = "bedrock-agentcore"
    started = _aws(quick.endpoint, cli, "start-recommendation", "--cli-input-json", f"file://{body}")
    rec_id = started["recommendationId"]
    quick.admin.advance_clock(5)
    got = _aws(quick.endpoint, cli, "get-recommendation", "--recommendation-id", rec_id)
    assert got["status"] == "COMPLETED"
    assert "recommendedSystemPrompt" in got["recommendationResult"]["systemPromptRecommendationResult"]
    listed = _aws(quick.endpoint, cli, "list-recommendations", "--status-filter", "COMPLETED")
    assert [s["recommendationId"] for s in listed["recommendationSummaries"]] == [rec_id]
    deleted = _aws(quick.endpoint, cli, "delete-recommendation", "--recommendation-id", rec_id)
    assert deleted["status"] == "DELETING"


def test_recommend_tool_descriptions_apply_to_the_tools_file(
    quick: Any, span_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quick.admin.seed([span_fixtures / "raw_otel_langchain_tool_runtime_logs.json"], SERVICE)
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps({"calculator": "Evaluates arithmetic.", "weather": "Gives the weather."}))
    args = ["recommend", "--tools-file", str(tools), "--service", SERVICE, "--endpoint", quick.endpoint,
            "--poll", "0.05", "--apply"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("explanation (calculator): Emulated") and "\nexplanation (weather): Emulated" in out
    assert f"\n--- {tools} (current)\n+++ {tools} (recommended)\n" in out
    applied = json.loads(tools.read_text())
    assert applied["calculator"].startswith("Evaluates arithmetic.\n\n[emulated recommendation")
    assert "Never called" in applied["weather"]
