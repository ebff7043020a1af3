"""Recommendation rules: the text matches the type, its files read, one trace source, references exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalctl import recommend_inputs as inputs
from evalctl.spec import names
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import evaluator_ref, missing, problem
from evalctl.spec.lint.rules_batch import window_problems
from evalctl.spec.project import Document, Project

SOURCES = ("sessionSpansFiles", "cloudwatchLogs", "batchEvaluation", "onlineEvaluation")
TRACES = "/spec/agentTraces"
# botocore's BatchEvaluationArn has no pattern: the shape of a recorded one (shared aws-recordings,
# get_batch_evaluation.json); OnlineEvaluationConfigArn's pattern is botocore's.
BATCH_ARN = re.compile(r"arn:aws[a-zA-Z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:batch-evaluate/.+")
ONLINE_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:online-evaluation-config\/"
    r"[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}"
)


def _text(doc: Document) -> Iterator[Diagnostic]:
    """Exactly one source of the current text, of the type's kind; the evaluator only for prompts."""
    spec = doc.spec
    prompt = spec["type"] == inputs.SYSTEM_PROMPT
    own, other = (("promptFile", "systemPrompt"), ("toolsFile", "tools"))[:: 1 if prompt else -1]
    given = [m for m in own if spec.get(m) is not None]
    if len(given) == 2:
        yield problem(doc, f"/spec/{own[1]}", f"set either {own[0]} or {own[1]}, not both", "recommend-text")
    for member in other:
        if spec.get(member) is not None:
            yield problem(
                doc,
                f"/spec/{member}",
                f"{member} does not belong to a {spec['type']}; use {' or '.join(own)}",
                "recommend-text",
            )
    if not given:
        yield problem(doc, "/spec/type", f"{spec['type']} needs {own[0]} or {own[1]}", "recommend-text")
    if prompt and spec.get("evaluator") is None:
        yield problem(
            doc,
            "/spec/type",
            "a system-prompt recommendation needs the evaluator that scores it: set evaluator (e.g. "
            "Builtin.Helpfulness or an Evaluator spec's name)",
            "recommend-evaluator",
        )
    if not prompt and spec.get("evaluator") is not None:
        yield problem(
            doc,
            "/spec/evaluator",
            "tool-description recommendations take no evaluator (StartRecommendation has none for them)",
            "recommend-evaluator",
        )


def _files(doc: Document) -> Iterator[Diagnostic]:
    """The current text and span files exist and fit the API's limits."""
    base = Path(doc.file).parent
    own = [m for m in ("promptFile", "systemPrompt", "toolsFile", "tools") if doc.spec.get(m) is not None]
    if len(own) == 1 and inputs.source_member(doc.spec) is not None:
        try:
            inputs.current_text(doc.spec, base)
        except inputs.InputError as exc:
            yield problem(doc, exc.pointer, str(exc), exc.code)
    if doc.spec.get("tools") is not None:
        for found in inputs.tools_problems(doc.spec["tools"], "/spec/tools"):
            yield problem(doc, found.pointer, str(found), found.code)
    files = doc.spec["agentTraces"].get("sessionSpansFiles")
    if files:
        try:
            inputs.session_spans(list(files), base)
        except inputs.InputError as exc:
            yield problem(doc, exc.pointer, str(exc), exc.code)


def _window(doc: Document, pointer: str, source: dict[str, Any]) -> Iterator[Diagnostic]:
    ends = [k for k in ("startTime", "endTime") if source.get(k) is not None]
    if source.get("lookback") is not None and ends:
        yield problem(
            doc, f"{pointer}/lookback", "set either lookback or startTime/endTime, not both", "time-range"
        )
    elif source.get("lookback") is None and len(ends) < 2:
        yield problem(
            doc, pointer, "needs a window: lookback (e.g. 1d), or startTime and endTime", "time-range"
        )
    yield from window_problems(doc, pointer, {k: source[k] for k in ends})


def _traces(project: Project, doc: Document) -> Iterator[Diagnostic]:
    traces = doc.spec["agentTraces"]
    given = [s for s in SOURCES if traces.get(s) is not None]
    if len(given) != 1:
        found = ", ".join(given) or "none"
        yield problem(
            doc,
            TRACES,
            f"set exactly one trace source of {', '.join(SOURCES)} (found: {found})",
            "recommend-traces",
        )
    if traces.get("cloudwatchLogs") is not None:
        yield from _window(doc, f"{TRACES}/cloudwatchLogs", traces["cloudwatchLogs"])
    batch = traces.get("batchEvaluation")
    if batch is not None and not BATCH_ARN.fullmatch(batch) and project.get("BatchEvaluation", batch) is None:
        found_batch = missing(project, doc, f"{TRACES}/batchEvaluation", batch, "BatchEvaluation")
        if found_batch is not None:
            yield found_batch
    online = traces.get("onlineEvaluation")
    if online is not None:
        config, pointer = online["config"], f"{TRACES}/onlineEvaluation/config"
        if not ONLINE_ARN.fullmatch(config) and project.get("OnlineEvaluation", config) is None:
            found_online = missing(project, doc, pointer, config, "OnlineEvaluation")
            if found_online is not None:
                yield found_online
        yield from _window(doc, f"{TRACES}/onlineEvaluation", online)


def _stem(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """No other Recommendation with the same name stem: `pulumi up`, `evalctl recommend NAME` and
    `evalctl results NAME` find a spec's runs by it (recommend_request.is_spec_run), mixing the two."""
    mine = names.recommendation_stem(names.recommendation_base(doc.name, project.stack))
    cut = names.RECOMMENDATION_NAME_LENGTH - names.RECOMMENDATION_DIGEST_LENGTH - 1
    for other in project.of_kind("Recommendation"):
        theirs = names.recommendation_stem(names.recommendation_base(other.name, project.stack))
        if other.name == doc.name or theirs != mine:
            continue  # a duplicate name is reported as such
        line, col = other.at("/metadata/name")
        yield problem(
            doc,
            "/metadata/name",
            f"Recommendation '{doc.name}' and '{other.name}' ({other.file}:{line}:{col}) have the same "
            f"AWS name stem '{mine}' in stack '{project.stack}' (recommendation names are cut to "
            f"{cut} characters before their digest), so `evalctl recommend` and `evalctl results` "
            f"could show one's run for the other: shorten one of the names so that `<name>_{project.stack}` "
            f"differs from the other's in its first {cut} characters",
            "recommendation-stem",
        )


def recommendation(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Every check of a Recommendation spec, all reported at once."""
    yield from _stem(project, doc)
    yield from _text(doc)
    yield from _files(doc)
    ref = doc.spec.get("evaluator")
    if ref is not None:
        found = evaluator_ref(project, doc, "/spec/evaluator", ref)
        if found is not None:
            yield found
    yield from _traces(project, doc)
