"""Recommendation specs to StartRecommendation requests, their inputs read from files, and the report."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from evalctl import aws
from evalctl import recommend_inputs as inputs
from evalctl import recommend_request as rr
from evalctl.api.validation import validate_params
from evalctl.reports import recommendation as report
from evalctl.spec.names import run_name

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
ONLINE_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:online-evaluation-config/live_dev-abcde12345"
SPAN = {"traceId": "t", "spanId": "s", "name": "invoke_agent"}


def test_span_files_take_documents_or_capture_rows_and_count_them(tmp_path: Path) -> None:
    (tmp_path / "rows.json").write_text(json.dumps([{"raw_otel_json": SPAN}, {"raw_otel_json": SPAN}]))
    (tmp_path / "docs.json").write_text(json.dumps([SPAN]))
    assert inputs.session_spans(["rows.json", "docs.json"], tmp_path) == [SPAN, SPAN, SPAN]
    (tmp_path / "empty.json").write_text("[]")
    with pytest.raises(inputs.InputError) as empty:
        inputs.session_spans(["empty.json"], tmp_path)
    assert empty.value.pointer == "/spec/agentTraces/sessionSpansFiles" and "1 to 20000" in str(empty.value)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(inputs.InputError) as bad:
        inputs.session_spans(["docs.json", "bad.json"], tmp_path)
    assert bad.value.pointer == "/spec/agentTraces/sessionSpansFiles/1" and "not JSON" in str(bad.value)


def test_tools_files_must_be_an_object_of_fitting_names_and_texts(tmp_path: Path) -> None:
    spec = {"type": inputs.TOOL_DESCRIPTION, "toolsFile": "tools.json"}
    (tmp_path / "tools.json").write_text('{"lookup_order": "Looks up an order."}')
    assert inputs.current_text(spec, tmp_path) == {"lookup_order": "Looks up an order."}
    for text, why in (("[1]", "non-empty JSON object"), ('{"bad name": "x"}', "does not fit"),
                      ('{"ok": ""}', "1 to 20000 characters")):  # fmt: skip
        (tmp_path / "tools.json").write_text(text)
        with pytest.raises(inputs.InputError, match=why) as found:
            inputs.current_text(spec, tmp_path)
        assert found.value.pointer == "/spec/toolsFile"
    with pytest.raises(inputs.InputError) as missing:
        inputs.current_text({"type": inputs.SYSTEM_PROMPT, "promptFile": "nope.md"}, tmp_path)
    assert missing.value.code == "recommend-file"


def test_names_digest_what_is_recommended_and_fit_the_api() -> None:
    props = {"type": inputs.SYSTEM_PROMPT, "current": "Be kind.", "agentTraces": {"sessionSpans": [SPAN]}}
    base = rr.base_name("a-very-long-recommendation-name-of-forty", "production")
    name = rr.physical_name(base, props)
    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_-]{0,47}", name) and rr.is_deployed_name(name, base)
    assert rr.physical_name(base, {**props, "waitTimeoutSeconds": 5}) == name, "waiting is not an input"
    assert rr.physical_name(base, {**props, "runKey": "2"}) != name
    assert not rr.is_deployed_name(f"{base[:40]}_r0a1b2c", base), "evalctl recommend --start runs are not"
    started = run_name(base, "0a1b2c")
    assert rr.is_spec_run(started, base) and rr.is_spec_run(name, base), "both are runs of the spec"
    other = rr.base_name("another-spec", "production")
    assert not rr.is_spec_run(run_name(other, "0a1b2c"), base) and not rr.is_spec_run(base, base)


def test_requests_fix_lookbacks_and_name_trace_sources_as_the_api_does() -> None:
    helpfulness = rr.evaluator_arn("Builtin.Helpfulness", "us-east-1", "123456789012")
    prompt = {"type": inputs.SYSTEM_PROMPT, "current": "Be kind.", "evaluator": helpfulness,
              "description": "d", "tags": {"team": "a"}}  # fmt: skip
    online = {"onlineEvaluation": {"config": ONLINE_ARN, "lookback": "1d"}}
    request = rr.start_request({**prompt, "agentTraces": online}, "p_dev_0123456789", NOW)
    config = request["recommendationConfig"]["systemPromptRecommendationConfig"]
    assert config["agentTraces"] == {"onlineEvaluation": {
        "onlineEvaluationConfigArn": ONLINE_ARN, "startTime": "2026-12-02T12:00:00Z",
        "endTime": "2026-12-03T12:00:00Z"}}  # fmt: skip
    assert config["evaluationConfig"]["evaluators"][0]["evaluatorArn"].endswith(
        ":::evaluator/Builtin.Helpfulness"
    )
    assert (request["description"], request["tags"]) == ("d", {"team": "a"})
    assert validate_params(aws.DATA, "StartRecommendation", request) == []
    tools = {
        "type": inputs.TOOL_DESCRIPTION,
        "current": {"a": "A."},
        "agentTraces": {"batchEvaluation": "arn:b"},
    }
    request = rr.start_request(tools, "t_dev_0123456789", NOW)
    config = request["recommendationConfig"]["toolDescriptionRecommendationConfig"]
    assert config["agentTraces"] == {"batchEvaluation": {"batchEvaluationArn": "arn:b"}}
    assert rr.input_text({"recommendationConfig": request["recommendationConfig"]}) == {"a": "A."}
    literal = rr.evaluator_arn("tone_dev-abcde12345", "eu-west-1", "123456789012")
    assert literal == "arn:aws:bedrock-agentcore:eu-west-1:123456789012:evaluator/tone_dev-abcde12345"


def test_report_shows_both_texts_and_failures_carry_the_reason(tmp_path: Path) -> None:
    result = {"systemPromptRecommendationResult": {"recommendedSystemPrompt": "Be kind.\nBe brief.\n",
                                                   "explanation": "Answers ran long."}}  # fmt: skip
    done = {"recommendationId": "p-0123456789", "status": "COMPLETED", "recommendationResult": result}
    new = report.recommended(done, "Be kind.\n")
    path = report.write_report(tmp_path, "p", {"type": "prompt"}, ("Be kind.\n", new), label="prompt.md",
                               notes=report.explanations(done))  # fmt: skip
    text = path.read_text()
    assert "+Be brief." in text and "- **systemPrompt**: Answers ran long." in text
    assert (tmp_path / "p.diff").read_text().splitlines()[:2] == [
        "--- prompt.md (current)",
        "+++ prompt.md (recommended)",
    ]
    failed = {"status": "FAILED", "recommendationResult": {"systemPromptRecommendationResult": {
        "errorCode": "NoTracesFound", "errorMessage": "No session"}}}  # fmt: skip
    with pytest.raises(report.RecommendationFailed, match="FAILED: NoTracesFound: No session"):
        report.recommended(failed, "Be kind.\n")
    tools = {"status": "COMPLETED", "recommendationResult": {"toolDescriptionRecommendationResult": {
        "tools": [{"toolName": "a", "recommendedToolDescription": "A, better."}]}}}  # fmt: skip
    assert report.recommended(tools, {"a": "A.", "b": "B."}) == {"a": "A, better.", "b": "B."}
