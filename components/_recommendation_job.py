"""A recommendation as the provider meets it: the request, polling with a deadline, outputs and the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components import _props as shared
from components._errors import UserError
from evalctl import aws, awsops
from evalctl import recommend_request as rr
from evalctl.api.validation import validate_params
from evalctl.recommend_inputs import InputError, referenced_spans
from evalctl.reports import recommendation as report

TERMINAL = frozenset({"COMPLETED", "FAILED"})
RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
DEFAULT_TIMEOUT = 3600.0
SPEC_NAME, BASE_NAME, REPORT_DIR = "specName", "baseName", "reportDir"
# The program's folder, which sessionSpansFiles paths are relative to: bookkeeping, never diffed, so
# a checkout elsewhere (CI, another laptop) plans no change. The provider's working folder without it.
PROJECT_DIR = "projectDir"
SPAN_FILES, SPANS = "sessionSpansFiles", "sessionSpans"
# Identity keys of the referenced resources (same key, same ARN; components.evaluator.identity_key,
# online_evaluation.identity_key, batch_evaluation.identity_key) and where their ARN sits in the spec.
REFERENCES = {
    "evaluatorKey": ("evaluator",),
    "batchEvaluationKey": ("agentTraces", "batchEvaluation"),
    "onlineEvaluationKey": ("agentTraces", "onlineEvaluation", "config"),
}


# These change how long `pulumi up` waits or where the report goes, not what is recommended.
IN_PLACE = ("waitTimeoutSeconds",)


def job_inputs(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The members of a spec that decide what is recommended (runKey included)."""
    return {k: v for k, v in spec.items() if k not in IN_PLACE}


class RecommendationError(UserError):
    """A recommendation could not be started, finished FAILED, timed out, or could not be deleted."""


def timeout_of(spec: Mapping[str, Any]) -> float:
    value = spec.get("waitTimeoutSeconds")
    return DEFAULT_TIMEOUT if value is None else float(value)


def name_of(props: Mapping[str, Any]) -> str:
    """The AWS name: the spec's stem and a digest of everything recommended (owner included), session
    spans as their documents: the same name whether state holds them or only their files' digests."""
    spec = inlined(props)["spec"]
    return rr.physical_name(str(props[BASE_NAME]), wire_form({**spec, "owner": props.get(shared.OWNER)}))


def wire_form(value: Any) -> Any:
    """`value` as a provider input arrives (Pulumi's wire has only doubles and drops None members): how
    earlier releases, which sent the span documents inline, saw them when they digested the name."""
    if isinstance(value, bool) or not isinstance(value, int | Mapping | list):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [wire_form(v) for v in value]
    return {k: wire_form(v) for k, v in value.items() if v is not None}


def inlined(props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` whose spec holds its session spans inline: files named by {path, sha256} are read under
    the project folder and must still hold what was planned (RecommendationError if not)."""
    spec = props.get("spec") or {}
    traces = spec.get("agentTraces") or {}
    if not isinstance(traces, Mapping) or not traces.get(SPAN_FILES):
        return dict(props)
    root = Path(str(props.get(PROJECT_DIR) or Path.cwd()))
    try:
        spans = referenced_spans(list(traces[SPAN_FILES]), root)
    except InputError as exc:
        index = exc.pointer.rsplit("/", 1)[-1]
        raise RecommendationError(
            f"{props.get(shared.SOURCE, '?')}: Recommendation {props.get(SPEC_NAME, '?')}: "
            f"spec.agentTraces.{SPAN_FILES}[{index}]: {exc}"
        ) from exc
    own = {k: v for k, v in traces.items() if k != SPAN_FILES}
    return {**props, "spec": {**spec, "agentTraces": {**own, SPANS: spans}}}


def span_digests(job: Mapping[str, Any]) -> dict[str, Any]:
    """`job` with its span files as their digests alone: a file moved with the same content is the
    same recommendation (its path changes in place)."""
    traces = job.get("agentTraces")
    if not isinstance(traces, Mapping) or not isinstance(traces.get(SPAN_FILES), list):
        return dict(job)
    digests = [f.get("sha256") if isinstance(f, Mapping) else f for f in traces[SPAN_FILES]]
    return {**job, "agentTraces": {**traces, SPAN_FILES: digests}}


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, Mapping) else None
    return data


def _put(data: Mapping[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `path` (only the containers on the path are copied)."""
    head, rest = path[0], path[1:]
    inner = data.get(head)
    return {**data, head: _put(inner if isinstance(inner, Mapping) else {}, rest, value) if rest else value}


def known_references(
    job: dict[str, Any], old_job: Mapping[str, Any], olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    """`job` with each reference ARN that is unknown (a preview of an update of what it references) taken
    from `old_job`, where the referenced resource keeps its identity (`_props.same_identity`) and ARN."""
    for key, path in REFERENCES.items():
        if shared.same_identity(olds.get(key), news.get(key)) and shared.contains_unknown(_at(job, path)):
            job = _put(job, path, _at(old_job, path))
    return job


def compared_jobs(olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What was and what is to be recommended, comparable: a reference's unknown ARN taken as the old
    one where its identity key says so, and span files as their digests, or as their documents (read
    now) when state holds documents, as an earlier release wrote it."""
    old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
    old_job = job_inputs(old_spec)
    new_job = known_references(job_inputs(new_spec), old_spec, olds, news)
    if SPANS in (old_job.get("agentTraces") or {}) and SPAN_FILES in (new_job.get("agentTraces") or {}):
        return old_job, wire_form(inlined({**news, "spec": new_job})["spec"])
    return span_digests(old_job), span_digests(new_job)


def keys_learned(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether a reference's identity key changed in a way state must learn (`_props.key_learned`)."""
    old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
    for key, path in REFERENCES.items():
        arn = _at(new_spec, path)
        same = arn is not None and not shared.contains_unknown(arn) and arn == _at(old_spec, path)
        if shared.key_learned(olds.get(key), news.get(key), same):
            return True
    return False


def request(props: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """StartRecommendation parameters, with the stack's owner tags (a lookback ends `now`)."""
    full = inlined(props)
    params = rr.start_request(full["spec"], name_of(full), now or datetime.now(UTC))
    params["tags"] = awsops.with_owner_tags(params.get("tags"), str(props.get(shared.OWNER, "")))
    return params


def problems(props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What StartRecommendation would refuse (not judged while values are unknown in a preview)."""
    spec = props.get("spec")
    if not isinstance(spec, Mapping):
        return [("spec", "spec must be a mapping")]
    if shared.contains_unknown(spec) or not props.get(BASE_NAME):
        return []
    try:
        params = request(props)
    except RecommendationError as exc:
        return [("agentTraces", str(exc))]
    except (KeyError, TypeError, ValueError) as exc:
        return [("spec", f"not a resolved Recommendation spec: {exc!r}")]
    return [(p.path, p.message) for p in validate_params(aws.DATA, "StartRecommendation", params)]


@dataclass
class Poller:
    """Backoff polling of GetRecommendation until a status, or until it is gone, within a deadline."""

    client: Any
    first_delay: float = 0.25
    max_delay: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def _poll(self, rec_id: str, timeout: float, done: Callable[[dict[str, Any] | None], bool]) -> Any:
        deadline, delay = time.monotonic() + timeout, self.first_delay
        while True:
            try:
                found: dict[str, Any] | None = dict(self.client.get_recommendation(recommendationId=rec_id))
            except Exception as exc:
                if not awsops.is_not_found(exc):
                    raise
                found = None
            if done(found):
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                status = found["status"] if found else "GONE"
                raise TimeoutError(f"recommendation {rec_id} is still {status} after {timeout:g} s")
            self.sleep(min(delay, left))
            delay = min(delay * 2, self.max_delay)

    def until_done(self, rec_id: str, timeout: float) -> dict[str, Any]:
        return dict(self._poll(rec_id, timeout, lambda r: r is None or r["status"] in TERMINAL) or {})

    def until_gone(self, rec_id: str, timeout: float) -> None:
        self._poll(rec_id, timeout, lambda r: r is None)


def outputs(done: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """What state keeps of a finished recommendation: ids, status, the recommended text, explanations."""
    out: dict[str, Any] = {
        "recommendationId": done["recommendationId"],
        "recommendationArn": done.get("recommendationArn", ""),
        "physicalName": done.get("name", ""),
        "status": done["status"],
        "explanations": report.explanations(done),
    }
    if done["status"] == "COMPLETED":
        out["recommendedText"] = report.as_text(report.recommended(done, props["spec"]["current"]))
    return out


def write_report(done: Mapping[str, Any], props: Mapping[str, Any]) -> str:
    """reports/recommendations/<spec>.{md,diff,html}: the reviewer's view; its markdown path."""
    spec = props["spec"]
    new = report.recommended(done, spec["current"])
    label = report.label(spec.get("file"), spec["type"])
    name = str(props.get(SPEC_NAME) or done.get("name"))
    facts = {
        "spec": f"`{props.get(shared.SOURCE, '?')}`",
        "recommendation": f"`{done['recommendationId']}` ({done['status']})",
        "type": str(spec["type"]),
        "apply": f"`evalctl recommend {name} --apply`" if spec.get("file") else "copy the recommended text",
    }
    folder = Path(str(props.get(REPORT_DIR) or "reports/recommendations"))
    path = report.write_report(
        folder, name, facts, (spec["current"], new), label=label, notes=report.explanations(done)
    )
    return str(path)
