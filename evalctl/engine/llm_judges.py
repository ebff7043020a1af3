"""Model-backed judges (Amazon Bedrock Converse, OpenAI-compatible chat completions) and the choice.

Which judge runs is chosen by `judge_from_env()`:
- `EVALCTL_JUDGE`: `offline` (default), `bedrock` or `openai`.
- `EVALCTL_JUDGE_MODEL`: model id; Bedrock defaults to the evaluator's own `modelConfig`.
- `EVALCTL_JUDGE_BASE_URL`: OpenAI-compatible base URL (default `https://api.openai.com/v1`).
- `EVALCTL_JUDGE_API_KEY` (or `OPENAI_API_KEY`): bearer token for the OpenAI-compatible judge.
- `EVALCTL_JUDGE_TIMEOUT`: seconds per model call (default 60).

Both model judges are also `TextModel`s: the emulator's recommendations ask them for free text.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from evalctl.engine import scale
from evalctl.engine.judge import Judge, JudgeError, JudgeInput, OfflineJudge, Verdict, render
from evalctl.engine.model import EvaluatorDef, TokenUsage

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_BEDROCK_MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
_LABEL_LINE = re.compile(r"label\s*[:=]\s*\"?([^\"\n]+)", re.IGNORECASE)

SYSTEM_PROMPT = (
    "You are an evaluator. Read the task and rate it on the scale given. Answer with one JSON "
    'object only: {"label": "<one label from the scale>", "explanation": "<one short paragraph>"}.'
)


def build_prompts(
    evaluator: EvaluatorDef, judge_input: JudgeInput
) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(dimension, user prompt, scale) per dimension: rendered instructions plus the scale."""
    base = render(evaluator.instructions, judge_input)
    prompts = []
    for name, instruction, dim_scale in scale.dimensions(evaluator.rating_scale):
        text = base
        if name:
            text += f"\n\nRate only the dimension {name}: {render(instruction, judge_input)}"
        text += "\n\nScale:\n" + scale.describe(dim_scale)
        prompts.append((name, text, dim_scale))
    return prompts


def parse_answer(text: str, dim_scale: dict[str, Any]) -> tuple[str, float | None, str]:
    """(label, value, explanation) from a model answer: a JSON object, else a `label:` line."""
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            data = json.loads(text[start : end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict):
            label, value = _scale_match(dim_scale, data.get("label"), data.get("value", data.get("score")))
            return label, value, str(data.get("explanation") or data.get("reason") or "")
    found = _LABEL_LINE.search(text)
    label, value = _scale_match(dim_scale, found.group(1) if found else text.strip(), None)
    return label, value, text.strip()


def _scale_match(dim_scale: dict[str, Any], label: Any, value: Any) -> tuple[str, float | None]:
    try:
        return scale.match(dim_scale, None if label is None else str(label), value)
    except scale.ScaleError as exc:
        raise JudgeError(str(exc)) from exc


def _judge_with(
    evaluator: EvaluatorDef, judge_input: JudgeInput, ask: Callable[[str], tuple[str, TokenUsage | None]]
) -> list[Verdict]:
    verdicts = []
    for name, prompt, dim_scale in build_prompts(evaluator, judge_input):
        answer, usage = ask(prompt)
        label, value, explanation = parse_answer(answer, dim_scale)
        verdicts.append(Verdict(label, value, explanation, name, usage))
    return verdicts


@runtime_checkable
class TextModel(Protocol):
    """A judge backed by a model that can also answer free-form prompts (recommendations use it)."""

    label: str  # which model, as a user recognises it in a message

    def complete(self, system: str, prompt: str) -> tuple[str, TokenUsage | None]:
        """The model's answer text and its token usage (None when the model reports none), or raise
        JudgeError."""
        ...


class BedrockJudge:
    """Calls Bedrock Converse; the client is injectable (tests pass a fake, never a real model)."""

    def __init__(self, client: Any = None, model_id: str | None = None, timeout: float = 60.0) -> None:
        self._client = client
        self._model_id = model_id
        self._timeout = timeout
        self.label = f"Bedrock model {model_id or DEFAULT_BEDROCK_MODEL}"

    def judge(self, evaluator: EvaluatorDef, judge_input: JudgeInput) -> list[Verdict]:
        """One Converse call per dimension."""
        model = self._model_id or _configured_model(evaluator) or DEFAULT_BEDROCK_MODEL
        return _judge_with(
            evaluator, judge_input, lambda prompt: self._converse(model, SYSTEM_PROMPT, prompt)
        )

    def complete(self, system: str, prompt: str) -> tuple[str, TokenUsage | None]:
        """One Converse call with the configured model (EVALCTL_JUDGE_MODEL, else the default)."""
        return self._converse(self._model_id or DEFAULT_BEDROCK_MODEL, system, prompt)

    def _converse(self, model: str, system: str, prompt: str) -> tuple[str, TokenUsage | None]:
        client = self._client or self._make_client()
        try:
            response = client.converse(
                modelId=model,
                system=[{"text": system}],
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig={"temperature": 0.0},
            )
        except Exception as exc:  # botocore raises many types; the caller only needs the text
            raise JudgeError(f"Bedrock Converse with {model} failed: {exc}") from exc
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block.get("text", "") for block in blocks)
        return text, _usage(response.get("usage"), "inputTokens", "outputTokens")

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        try:
            # botocore reads AWS_DEFAULT_REGION only; honour AWS_REGION as the rest of evalctl does.
            region = boto3.session.Session().region_name or os.environ.get("AWS_REGION")
            config = Config(read_timeout=self._timeout, region_name=region)
            self._client = boto3.client("bedrock-runtime", config=config)
        except Exception as exc:  # NoRegionError, ProfileNotFound, ...: one sentence, not a traceback
            raise JudgeError(f"cannot create a Bedrock client for the judge: {exc}") from exc
        return self._client


def _configured_model(evaluator: EvaluatorDef) -> str | None:
    bedrock = evaluator.model_config.get("bedrockEvaluatorModelConfig") or {}
    return bedrock.get("modelId")


class OpenAICompatibleJudge:
    """POSTs to `<base_url>/chat/completions` with urllib (any OpenAI-compatible server)."""

    def __init__(
        self, base_url: str, api_key: str = "", model: str = "gpt-4o-mini", timeout: float = 60.0
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._model = model
        self._timeout = timeout
        self.label = f"model {model} at {base_url.rstrip('/')}"

    def judge(self, evaluator: EvaluatorDef, judge_input: JudgeInput) -> list[Verdict]:
        """One chat completion per dimension."""
        return _judge_with(evaluator, judge_input, lambda prompt: self.complete(SYSTEM_PROMPT, prompt))

    def complete(self, system: str, prompt: str) -> tuple[str, TokenUsage | None]:
        """One chat completion: `system` and `prompt` as the two messages, temperature 0."""
        payload = {
            "model": self._model,
            "temperature": 0,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        }
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self._url, json.dumps(payload).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                data = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise JudgeError(f"POST {self._url} failed: {exc}") from exc
        try:
            text = str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError) as exc:
            raise JudgeError(f"POST {self._url}: no choices[0].message.content in the answer") from exc
        return text, _usage(data.get("usage"), "prompt_tokens", "completion_tokens")


def _usage(usage: Any, sent: str, received: str) -> TokenUsage | None:
    """The token counts the model reported, or None: a missing count is unknown, never zero."""
    if not isinstance(usage, dict) or not all(isinstance(usage.get(k), int) for k in (sent, received)):
        return None
    return TokenUsage(int(usage[sent]), int(usage[received]))


def judge_from_env(environ: dict[str, str] | None = None) -> Judge:
    """The judge named by EVALCTL_JUDGE (offline, bedrock, openai); see the module docstring."""
    env = dict(os.environ if environ is None else environ)
    choice = env.get("EVALCTL_JUDGE", "offline").strip().lower()
    timeout = float(env.get("EVALCTL_JUDGE_TIMEOUT", "60"))
    if choice in ("", "offline"):
        return OfflineJudge()
    model = env.get("EVALCTL_JUDGE_MODEL") or None
    if choice == "bedrock":
        return BedrockJudge(model_id=model, timeout=timeout)
    if choice == "openai":
        base_url = env.get("EVALCTL_JUDGE_BASE_URL") or "https://api.openai.com/v1"  # empty reads as unset
        if not base_url.startswith(("http://", "https://")):  # urllib would raise a bare ValueError per call
            raise JudgeError(
                "EVALCTL_JUDGE_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8000/v1, "
                f"not {base_url!r}"
            )
        return OpenAICompatibleJudge(
            base_url=base_url,
            api_key=env.get("EVALCTL_JUDGE_API_KEY") or env.get("OPENAI_API_KEY", ""),
            model=model or "gpt-4o-mini",
            timeout=timeout,
        )
    raise JudgeError(f"EVALCTL_JUDGE={choice!r}: expected offline, bedrock or openai")
