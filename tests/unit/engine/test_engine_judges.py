"""Judges: offline rules and scale picking, placeholder rendering, answer parsing, model clients."""

from __future__ import annotations

import json

import pytest

from evalctl.engine.builtins import builtin_definition
from evalctl.engine.judge import (
    EMULATED_PREFIX,
    JudgeError,
    JudgeInput,
    OfflineJudge,
    render,
    token_f1,
)
from evalctl.engine.llm_judges import (
    BedrockJudge,
    OpenAICompatibleJudge,
    TextModel,
    judge_from_env,
    parse_answer,
)
from evalctl.engine.model import EvaluatorDef
from tests.chat_server import chat_server as serve_chat

NUMERICAL = {
    "numerical": [
        {"value": 1, "label": "Low", "definition": "bad"},
        {"value": 3, "label": "Mid", "definition": "so-so"},
        {"value": 5, "label": "High", "definition": "good"},
    ]
}
CATEGORICAL = {"categorical": [{"label": "Pass", "definition": "ok"}, {"label": "Fail", "definition": "bad"}]}
MULTI = {
    "multiDimensional": [
        {
            "dimensionName": "tone",
            "dimensionInstruction": "Is {assistant_turn} polite?",
            "dimensionRatingScale": CATEGORICAL,
        },
        {
            "dimensionName": "accuracy",
            "dimensionInstruction": "Is it right?",
            "dimensionRatingScale": NUMERICAL,
        },
    ]
}


def llm(scale, instructions="Rate {assistant_turn} given {context}", level="TRACE"):
    return EvaluatorDef("judge-abcdefghij", "judge", "arn:judge", level, "llm", instructions, scale)


@pytest.mark.parametrize(
    ("scale", "judge_input", "expected", "reason"),
    [
        (
            NUMERICAL,
            JudgeInput("TRACE", "c", "a helpful answer"),
            [(None, "High", 5.0)],
            "answered: top value",
        ),
        (NUMERICAL, JudgeInput("TRACE", "c", ""), [(None, "Low", 1.0)], "no answer: bottom value"),
        (
            NUMERICAL,
            JudgeInput("TRACE", "c", "snow in alaska", expected_response="snow in paris"),
            [(None, "Mid", 3.0)],
            "token F1 0.67 is nearest the middle value",
        ),
        (CATEGORICAL, JudgeInput("TRACE", "c", "answer"), [(None, "Pass", None)], "categorical: best first"),
        (
            CATEGORICAL,
            JudgeInput("TOOL_CALL", "c", tool_error="boom", tool_name="t"),
            [(None, "Fail", None)],
            "failed tool call",
        ),
        (
            MULTI,
            JudgeInput("TRACE", "c", "answer"),
            [("tone", "Pass", None), ("accuracy", "High", 5.0)],
            "one verdict per dimension",
        ),
        (
            NUMERICAL,
            JudgeInput(
                "SESSION",
                "User: what is the capital of France\nAssistant: Paris",
                assertions=["capital is Paris", "mentions Berlin and Rome"],
            ),
            [(None, "Mid", 3.0)],
            "one of two assertions supported",
        ),
        (
            NUMERICAL,
            JudgeInput("SESSION", "", expected_tool_trajectory=["a", "b"], actual_tool_trajectory=["a"]),
            [(None, "Mid", 3.0)],
            "half the expected tools",
        ),
    ],
)
def test_offline_judge(scale, judge_input, expected, reason):
    """The offline judge is deterministic, scale-aware and labels itself as emulated."""
    verdicts = OfflineJudge().judge(llm(scale), judge_input)
    assert [(v.dimension_name, v.label, v.value) for v in verdicts] == expected, reason
    assert all(v.explanation.startswith(EMULATED_PREFIX) for v in verdicts)


@pytest.mark.parametrize(
    ("answer", "label", "reason"),
    [("I can't help with that.", "Poor", "refusal phrase"), ("Sure, here it is.", "Good", "no refusal")],
)
def test_offline_refusal_rule(answer, label, reason):
    """Builtin.Refusal looks for refusal phrases."""
    [verdict] = OfflineJudge().judge(builtin_definition("Builtin.Refusal"), JudgeInput("TRACE", "", answer))
    assert verdict.label == label, reason


def test_token_f1_bounds():
    """Identical texts score 1, disjoint texts 0, case and punctuation ignored."""
    assert token_f1("Snow, in Alaska!", "snow in alaska") == 1.0
    assert token_f1("abc", "xyz") == 0.0


def test_render_fills_every_placeholder_and_leaves_other_braces():
    """All eight placeholders are filled; JSON braces in instructions survive."""
    ji = JudgeInput("SESSION", "CTX", "ANS", "TOOL", ["t1", "t2"], "EXP", ["a1"], ["x", "y"], ["x"])
    text = render(
        "{context}|{assistant_turn}|{tool_turn}|{available_tools}|{expected_response}|{assertions}|"
        '{expected_tool_trajectory}|{actual_tool_trajectory}|{"keep": 1}',
        ji,
    )
    assert text == 'CTX|ANS|TOOL|t1, t2|EXP|- a1|x, y|x|{"keep": 1}'


@pytest.mark.parametrize(
    ("answer", "scale", "expected", "reason"),
    [
        ('{"label": "High", "explanation": "great"}', NUMERICAL, ("High", 5.0, "great"), "plain JSON"),
        (
            'Sure!\n```json\n{"label": "mid", "explanation": "ok"}\n```',
            NUMERICAL,
            ("Mid", 3.0, "ok"),
            "fenced JSON, case-insensitive label",
        ),
        ('{"score": 1, "reason": "meh"}', NUMERICAL, ("Low", 1.0, "meh"), "numeric score without label"),
        ("Label: Fail\nbecause", CATEGORICAL, ("Fail", None, "Label: Fail\nbecause"), "label line"),
    ],
)
def test_parse_answer(answer, scale, expected, reason):
    """Model answers are mapped onto the scale."""
    assert parse_answer(answer, scale) == expected, reason


def test_parse_answer_rejects_labels_off_the_scale():
    """An answer naming no scale entry is a JudgeError listing the labels."""
    with pytest.raises(JudgeError, match="Pass"):
        parse_answer('{"label": "Maybe"}', CATEGORICAL)


class FakeBedrock:
    """Records Converse calls and answers with the next canned label."""

    def __init__(self, labels):
        self.labels = list(labels)
        self.calls = []

    def converse(self, **kwargs):
        self.calls.append(kwargs)
        answer = json.dumps({"label": self.labels.pop(0), "explanation": "fake"})
        return {
            "output": {"message": {"content": [{"text": answer}]}},
            "usage": {"inputTokens": 10, "outputTokens": 3},
        }


def test_bedrock_judge_per_dimension_with_rendered_prompt():
    """One Converse call per dimension, model from modelConfig, instructions rendered."""
    evaluator = EvaluatorDef(
        "judge-abcdefghij",
        "judge",
        "arn",
        "TRACE",
        "llm",
        "Judge {assistant_turn}",
        MULTI,
        model_config={"bedrockEvaluatorModelConfig": {"modelId": "my-model"}},
    )
    client = FakeBedrock(["Fail", "Mid"])
    verdicts = BedrockJudge(client=client).judge(evaluator, JudgeInput("TRACE", "ctx", "hello there"))
    assert [(v.dimension_name, v.label, v.value) for v in verdicts] == [
        ("tone", "Fail", None),
        ("accuracy", "Mid", 3.0),
    ]
    assert [c["modelId"] for c in client.calls] == ["my-model", "my-model"]
    prompt = client.calls[0]["messages"][0]["content"][0]["text"]
    assert "Judge hello there" in prompt and "Is hello there polite?" in prompt and "- Pass: ok" in prompt
    assert verdicts[0].token_usage is not None and verdicts[0].token_usage.to_api()["totalTokens"] == 13


def test_model_judges_answer_free_prompts_with_the_given_system_message(chat_server):
    """complete(system, prompt): what the emulator's recommendations ask a real model."""
    client = FakeBedrock(["Pass"])
    text, usage = BedrockJudge(client=client, model_id="m1").complete("You rewrite prompts.", "Rewrite X")
    assert json.loads(text)["label"] == "Pass" and usage.to_api()["inputTokens"] == 10
    (call,) = client.calls
    assert (call["modelId"], call["system"]) == ("m1", [{"text": "You rewrite prompts."}])
    assert call["messages"] == [{"role": "user", "content": [{"text": "Rewrite X"}]}]
    base_url, requests = chat_server
    OpenAICompatibleJudge(base_url, model="tiny", timeout=5).complete("You rewrite prompts.", "Rewrite X")
    messages = requests[0][2]["messages"]
    assert messages == [
        {"role": "system", "content": "You rewrite prompts."},
        {"role": "user", "content": "Rewrite X"},
    ]
    assert isinstance(BedrockJudge(client=client), TextModel) and not isinstance(OfflineJudge(), TextModel)


def test_bedrock_judge_wraps_client_errors():
    """Client failures become JudgeError with the model named."""

    class Broken:
        def converse(self, **kwargs):
            raise RuntimeError("AccessDenied")

    with pytest.raises(JudgeError, match=r"m1.*AccessDenied"):
        BedrockJudge(client=Broken(), model_id="m1").judge(llm(CATEGORICAL), JudgeInput("TRACE", "", "a"))


@pytest.fixture
def chat_server():
    with serve_chat(lambda body: (200, '{"label": "Pass", "explanation": "fine"}')) as server:
        yield server.base_url, server.requests


def test_openai_compatible_judge_against_local_server(chat_server):
    """POSTs /chat/completions with bearer auth, rendered prompt, and parses the answer."""
    base_url, requests = chat_server
    judge = OpenAICompatibleJudge(base_url, api_key="k1", model="tiny", timeout=5)
    [verdict] = judge.judge(llm(CATEGORICAL), JudgeInput("TRACE", "the context", "the answer"))
    assert (verdict.label, verdict.explanation) == ("Pass", "fine")
    path, auth, body = requests[0]
    assert (path, auth, body["model"]) == ("/v1/chat/completions", "Bearer k1", "tiny")
    assert "Rate the answer given the context" in body["messages"][1]["content"]


def test_openai_compatible_judge_unreachable():
    """Connection failures are JudgeErrors naming the URL."""
    judge = OpenAICompatibleJudge("http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(JudgeError, match=r"127\.0\.0\.1:9"):
        judge.judge(llm(CATEGORICAL), JudgeInput("TRACE", "", "a"))


@pytest.mark.parametrize(
    ("env", "kind", "reason"),
    [
        ({}, OfflineJudge, "offline by default"),
        ({"EVALCTL_JUDGE": "bedrock"}, BedrockJudge, "bedrock"),
        ({"EVALCTL_JUDGE": "openai", "EVALCTL_JUDGE_BASE_URL": "http://x"}, OpenAICompatibleJudge, "openai"),
    ],
)
def test_judge_from_env(env, kind, reason):
    """EVALCTL_JUDGE picks the judge class."""
    assert isinstance(judge_from_env(env), kind), reason


def test_judge_from_env_rejects_unknown():
    """A typo in EVALCTL_JUDGE is reported, not silently offline."""
    with pytest.raises(JudgeError, match="offline, bedrock or openai"):
        judge_from_env({"EVALCTL_JUDGE": "gpt"})


def test_usage_the_model_does_not_report_is_none_never_zero():
    """An OpenAI-compatible server may omit `usage`; Converse always sends it (botocore: required)."""
    with serve_chat(lambda body: (200, "ok"), usage=None) as server:
        text, usage = OpenAICompatibleJudge(server.base_url, model="tiny", timeout=5).complete("s", "p")
    assert (text, usage) == ("ok", None)
    with serve_chat(lambda body: (200, "ok"), usage={"prompt_tokens": 5, "completion_tokens": 1}) as server:
        _, usage = OpenAICompatibleJudge(server.base_url, model="tiny", timeout=5).complete("s", "p")
    assert usage is not None and usage.to_api() == {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6}


def test_model_judges_name_their_model():
    """The label a user recognises in a message: which model, and where for an OpenAI-compatible one."""
    assert BedrockJudge(model_id="m1").label == "Bedrock model m1"
    assert OpenAICompatibleJudge("http://127.0.0.1:9/v1/", model="tiny").label == (
        "model tiny at http://127.0.0.1:9/v1"
    )
