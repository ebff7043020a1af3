"""A Recommendation spec as the StartRecommendation request: references resolved, files read, windows fixed.

`resolved()` turns a spec into the provider's input (files read, references still names); the stack and
`evalctl recommend NAME` replace the names with ARNs, and `start_request()` makes the API call's
parameters from it at the moment the job starts (a lookback becomes a window ending then)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalctl import recommend_inputs as inputs
from evalctl.spec import mapping, names
from evalctl.spec.names import is_run_name

BUILTIN_ARN = "arn:aws:bedrock-agentcore:::evaluator/{}"
# Kept from the spec as they are; the rest is read (files) or resolved (references).
PLAIN = ("type", "description", "evaluator", "kmsKeyArn", "tags", "runKey", "waitTimeoutSeconds")
# Members that change how long `pulumi up` waits, not which recommendation runs.
WAIT_ONLY = ("waitTimeoutSeconds",)
NAME_LENGTH, DIGEST_LENGTH = names.RECOMMENDATION_NAME_LENGTH, names.RECOMMENDATION_DIGEST_LENGTH
# The stem of a spec's recommendations; in spec.names so that the lint can refuse colliding ones.
base_name, stem = names.recommendation_base, names.recommendation_stem


def evaluator_arn(ref: str, region: str, account: str) -> str:
    """A built-in/third-party id or a literal evaluator id as the ARN StartRecommendation takes."""
    if ref.startswith("arn:"):
        return ref
    if ref.startswith(("Builtin.", "ThirdParty.")):
        return BUILTIN_ARN.format(ref)
    return f"arn:aws:bedrock-agentcore:{region}:{account}:evaluator/{ref}"


def resolved(
    spec: Mapping[str, Any], base: Path, shown: Path | None = None, by_reference: bool = False
) -> dict[str, Any]:
    """The spec with its current text and session spans read from their files (InputError if not).

    `file` records where the text came from (relative to `shown` when given), for reports and --apply.
    `by_reference` keeps sessionSpansFiles as {path relative to `shown`, sha256} entries instead of the
    documents (the provider reads them when it starts the job), so state does not hold the spans.
    """
    out = {k: spec[k] for k in PLAIN if spec.get(k) is not None}
    out["current"] = inputs.current_text(dict(spec), base)
    member = inputs.source_member(dict(spec))
    if member in ("promptFile", "toolsFile"):
        path = (base / str(spec[member])).resolve()
        out["file"] = str(path.relative_to(shown)) if shown and path.is_relative_to(shown) else str(path)
    traces = dict(spec["agentTraces"])
    files = traces.pop("sessionSpansFiles", None)
    if files and by_reference:
        traces["sessionSpansFiles"] = inputs.span_refs(list(files), base, shown or Path.cwd())
    elif files:
        traces["sessionSpans"] = inputs.session_spans(list(files), base)
    out["agentTraces"] = traces
    return out


def physical_name(base: str, props: Mapping[str, Any]) -> str:
    """`<base[:37]>_<digest of what is recommended>`: names are unique in the account, so every new
    input (runKey included) gets its own name, and a crashed run's recommendation is found again."""
    what = {k: v for k, v in props.items() if k not in WAIT_ONLY}
    digest = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()
    return f"{stem(base)}_{digest[:DIGEST_LENGTH]}"


def _window(source: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A trace source with `lookback` replaced by startTime/endTime ending `now`."""
    out = dict(source)
    lookback = out.pop("lookback", None)
    if lookback is not None:
        out.update(mapping.window(str(lookback), now))
    return out


def traces_request(traces: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """AgentTracesConfig from resolved traces (references already ARNs)."""
    if "cloudwatchLogs" in traces:
        return {"cloudwatchLogs": _window(traces["cloudwatchLogs"], now)}
    if "onlineEvaluation" in traces:
        online = _window(traces["onlineEvaluation"], now)
        online["onlineEvaluationConfigArn"] = online.pop("config")
        return {"onlineEvaluation": online}
    if "batchEvaluation" in traces:
        return {"batchEvaluation": {"batchEvaluationArn": traces["batchEvaluation"]}}
    return {"sessionSpans": list(traces["sessionSpans"])}


def start_request(props: Mapping[str, Any], name: str, now: dt.datetime) -> dict[str, Any]:
    """StartRecommendation parameters (the evaluator already an ARN in `evaluator`)."""
    traces = traces_request(props["agentTraces"], now)
    current = props["current"]
    if props["type"] == inputs.SYSTEM_PROMPT:
        config: dict[str, Any] = {"systemPromptRecommendationConfig": {
            "systemPrompt": {"text": current}, "agentTraces": traces,
            "evaluationConfig": {"evaluators": [{"evaluatorArn": props.get("evaluator")}]},
        }}  # fmt: skip
    else:
        tools = [{"toolName": n, "toolDescription": {"text": d}} for n, d in dict(current).items()]
        config = {"toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}}, "agentTraces": traces,
        }}  # fmt: skip
    request: dict[str, Any] = {"name": name, "type": props["type"], "recommendationConfig": config}
    request.update({k: props[k] for k in ("description", "kmsKeyArn", "tags") if props.get(k) is not None})
    return request


def is_deployed_name(name: str, base: str) -> bool:
    """Whether recommendation `name` is one `pulumi up` started for the spec whose stem is `base`."""
    return re.fullmatch(re.escape(stem(base)) + f"_[0-9a-f]{{{DIGEST_LENGTH}}}", name) is not None


def is_spec_run(name: str, base: str) -> bool:
    """Whether recommendation `name` ran for the spec whose stem is `base`: started by `pulumi up`
    (`<stem>_<digest>`) or by `evalctl recommend NAME --start` (`names.run_name`: `<stem>_r<6 hex>`)."""
    return is_deployed_name(name, base) or is_run_name(name, base)


def input_text(started: Mapping[str, Any]) -> Any:
    """The current text a recommendation was given (GetRecommendation's recommendationConfig)."""
    config: dict[str, Any] = next(iter((started.get("recommendationConfig") or {}).values()), {})
    if "systemPrompt" in config:
        return config["systemPrompt"].get("text")
    tools = ((config.get("toolDescription") or {}).get("toolDescriptionText") or {}).get("tools") or []
    return {t["toolName"]: (t.get("toolDescription") or {}).get("text") for t in tools}
