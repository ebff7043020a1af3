"""Recommendation: a dynamic resource that runs one AgentCore recommendation and waits for its result.

Like a BatchEvaluation it is a job: it runs on create, and any change of what is recommended (runKey
included) replaces it, the new one started before the old one is deleted. The request, polling,
outputs and report live in `_recommendation_job`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components._job_provider import JobProvider
from components._job_provider import picked as _picked
from components._names import token
from components._recommendation_job import (
    BASE_NAME,
    IN_PLACE,
    PROJECT_DIR,
    REFERENCES,
    REPORT_DIR,
    RUNNING,
    SPAN_FILES,
    SPEC_NAME,
    TERMINAL,
    Poller,
    RecommendationError,
    compared_jobs,
    keys_learned,
    outputs,
    problems,
    request,
    timeout_of,
    write_report,
)
from evalctl import aws, awsops
from evalctl import recommend_request as rr
from evalctl.recommend_inputs import InputError

TYPE_TOKEN = token("recommendation", "Recommendation")
OUTPUT_KEYS = ("recommendationId", "recommendationArn", "physicalName", "status", "recommendedText",
               "explanations", "reportPath")  # fmt: skip
KEPT_INPUTS = ("spec", shared.SOURCE, shared.OWNER, BASE_NAME, SPEC_NAME, REPORT_DIR, PROJECT_DIR,
               *REFERENCES)  # fmt: skip
# Session spans (state of earlier releases held them) quote the agent's users: state keeps them encrypted.
SECRET_PATHS = [("spec", "agentTraces")]


class RecommendationProvider(JobProvider):
    """Starts (or finds again) a recommendation and waits for it; changes replace; delete deletes."""

    kind_label, noun = "Recommendation", "recommendation"

    def job_name(self, props: dict[str, Any]) -> str:
        return str(props.get(SPEC_NAME, "?"))

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        found = problems(news)
        return dyn.CheckResult(news, [dyn.CheckFailure(f"spec.{p}" if p else "spec", r) for p, r in found])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Replace (create-before-delete: the new one has its own name) when what is recommended changes."""
        old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
        replaces = [k for k in (shared.OWNER, BASE_NAME) if olds.get(k) != news.get(k)]
        old_job, new_job = compared_jobs(olds, news)
        if old_job != new_job:
            replaces.append("spec")
        in_place = any(old_spec.get(k) != new_spec.get(k) for k in IN_PLACE)
        in_place = in_place or any(olds.get(k) != news.get(k) for k in (shared.SOURCE, SPEC_NAME, REPORT_DIR))
        in_place = in_place or keys_learned(olds, news)
        # Span files moved, or documents in state (an earlier release) now named by file: state only.
        in_place = in_place or _traces(old_spec).get(SPAN_FILES) != _traces(new_spec).get(SPAN_FILES)
        return dyn.DiffResult(
            changes=bool(replaces) or in_place, replaces=replaces, delete_before_replace=False
        )

    def poller(self, client: Any) -> Poller:
        timing = self.timing()
        return Poller(client, first_delay=timing.first_delay, max_delay=timing.max_delay)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        client, timeout = self.data(), timeout_of(props["spec"])
        try:
            started = self._start_or_find(client, request(props))
            done = self.poller(client).until_done(str(started["recommendationId"]), timeout)
            if done.get("status") != "COMPLETED":
                raise self._failed(client, done, props)
        except RecommendationError:
            raise
        except TimeoutError as exc:
            raise RecommendationError(
                f"{self._what(props)}: {exc}. It keeps running (recommendations cannot be stopped): run "
                "`pulumi up` again to wait for the same one (same inputs, same name), or raise "
                "spec.waitTimeoutSeconds"
            ) from exc
        except Exception as exc:
            raise self._failure(exc, props, "start the recommendation") from exc
        outs = {
            **_picked(props, KEPT_INPUTS),
            **outputs(done, props),
            "reportPath": self._report(done, props),
        }
        return dyn.CreateResult(str(done["recommendationId"]), shared.with_secrets(outs, SECRET_PATHS))

    def _start_or_find(self, client: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Start; when the name is held, it is ours with these very inputs (the name is their digest):
        a crashed run's recommendation, found again instead of started twice."""
        try:
            return dict(client.start_recommendation(**params, clientToken=awsops.fresh_token()))
        except Exception as exc:
            if aws.error_code(exc) != "ConflictException":
                raise
            held = awsops.find_named(client, "list_recommendations", "recommendationSummaries", "name",
                                     params["name"])  # fmt: skip
            if held is None or held.get("status") == "DELETING":
                raise
            return held

    def _failed(self, client: Any, done: dict[str, Any], props: dict[str, Any]) -> RecommendationError:
        """The service's reason; the failed recommendation is deleted so a retry starts afresh."""
        rec_id = str(done.get("recommendationId"))
        result: dict[str, Any] = next(iter((done.get("recommendationResult") or {}).values()), {})
        reason = f"{result.get('errorCode', '?')}: {result.get('errorMessage', 'no reason given')}"
        try:
            client.delete_recommendation(recommendationId=rec_id)
            self.poller(client).until_gone(rec_id, timeout_of(props["spec"]))
            left = "it was deleted"
        except Exception as exc:  # still report the failure itself
            left = f"deleting it failed too ({exc}); delete it by hand"
        return RecommendationError(
            f"{self._what(props)}: recommendation {rec_id} ended {done.get('status')}: {reason} ({left}). "
            "To fix: check spec.agentTraces (the traces must hold sessions of the agent) and spec.evaluator, "
            "then run `pulumi up` again"
        )

    def _report(self, done: dict[str, Any], props: dict[str, Any]) -> str:
        """The report's path; a report that cannot be written is a warning, not a failed deployment."""
        try:
            return write_report(done, props)
        except OSError as exc:
            pulumi.log.warn(f"{self._what(props)}: could not write the report: {exc}")
            return ""

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        def outs_of(done: dict[str, Any]) -> dict[str, Any]:
            outs = {**_picked(props, KEPT_INPUTS), **_picked(props, OUTPUT_KEYS), **outputs(done, props)}
            return shared.with_secrets(outs, SECRET_PATHS)

        fetch = lambda: self.data().get_recommendation(recommendationId=id_)  # noqa: E731
        return self.read_job(id_, props, fetch, outs_of)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Only the wait timeout, the spec's file or the report folder changed: nothing to call."""
        outs = {**_picked(news, KEPT_INPUTS), **_picked(olds, OUTPUT_KEYS)}
        return dyn.UpdateResult(shared.with_secrets(outs, SECRET_PATHS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Wait out a running one (there is no Stop), delete it, wait until it is gone; gone is success."""
        client, timeout = self.data(), timeout_of(props.get("spec") or {})
        try:
            status = client.get_recommendation(recommendationId=id_)["status"]
            if status in RUNNING:
                self.poller(client).until_done(id_, timeout)
            if status != "DELETING":
                client.delete_recommendation(recommendationId=id_)
            self.poller(client).until_gone(id_, timeout)
        except Exception as exc:
            if base.is_not_found(exc):
                return
            raise self._failure(exc, props, "delete the recommendation") from exc

    def _what(self, props: dict[str, Any]) -> str:
        name = props.get(SPEC_NAME) or props.get(BASE_NAME)
        return f"{props.get(shared.SOURCE, '?')}: Recommendation {name}"


def _traces(spec: dict[str, Any]) -> dict[str, Any]:
    traces = spec.get("agentTraces")
    return dict(traces) if isinstance(traces, dict) else {}


class RecommendationResource(dyn.Resource, module="recommendation", name="Recommendation"):
    """The dynamic resource: the resolved spec, its file and the owner URN, plus the result."""

    recommendationId: pulumi.Output[str]
    status: pulumi.Output[str]
    recommendedText: pulumi.Output[str]
    reportPath: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RecommendationProvider(), name, {**props, **dict.fromkeys(OUTPUT_KEYS)}, opts)


@dataclass
class RecommendationArgs:
    """The resolved spec (text read, references as ARNs), its file, and where the report goes."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]
    base_name: str
    spec_name: str
    report_dir: str = "reports/recommendations"
    # The program's folder: sessionSpansFiles paths are relative to it (the provider reads them there).
    project_dir: str | None = None
    # Identity keys of the declared resources it references, by REFERENCES key (evaluatorKey, ...).
    reference_keys: dict[str, str] | None = None


class Recommendation(pulumi.ComponentResource):
    """One recommendation; outputs its id, status, the recommended text and the report's path."""

    recommendation_id: pulumi.Output[str]
    status: pulumi.Output[str]
    recommended_text: pulumi.Output[str]
    report_path: pulumi.Output[str]

    def __init__(
        self, name: str, args: RecommendationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        own = {"spec": args.spec, BASE_NAME: args.base_name, SPEC_NAME: args.spec_name}
        own[REPORT_DIR] = args.report_dir
        if args.project_dir:
            own[PROJECT_DIR] = args.project_dir
        own.update({k: v for k, v in (args.reference_keys or {}).items() if v})
        props = shared.resource_props(own, args.source, TYPE_TOKEN, name, None)
        self.resource = RecommendationResource(name, props, shared.child_options(self, opts))
        self.recommendation_id = self.resource.recommendationId
        self.status = self.resource.status
        self.recommended_text = self.resource.recommendedText
        self.report_path = self.resource.reportPath
        self.register_outputs({
            "recommendationId": self.recommendation_id, "status": self.status,
            "recommendedText": self.recommended_text, "reportPath": self.report_path,
        })  # fmt: skip


def _arn_of(stack: Any, kind: str, name: Any, depends: list[pulumi.Resource]) -> Any:
    """The ARN output of a declared evaluator, batch or online evaluation (and a dependency on it)."""
    found = {
        "Evaluator": stack.evaluators,
        "BatchEvaluation": stack.batches,
        "OnlineEvaluation": stack.online,
    }
    component = found[kind][name]
    depends.append(component)
    if kind == "Evaluator":
        return component.evaluator_arn
    if kind == "OnlineEvaluation":
        return component.online_evaluation_config_arn
    return component.resource.batchEvaluationArn


def build_recommendation(stack: Any, decl: Any) -> Recommendation:
    """The component of one Recommendation spec: files read, references made ARNs of the stack's own."""
    try:
        spec = rr.resolved(decl.spec, decl.directory, stack.config.program_dir.resolve(), by_reference=True)
    except InputError as exc:  # `evalctl validate` reports these; here only if a file changed since
        raise pulumi.RunError(f"{decl.file}: Recommendation {decl.name}: {exc}") from exc
    spec["tags"] = {**(spec.get("tags") or {}), **stack.tags(decl)}
    depends: list[pulumi.Resource] = []
    ref, keys = spec.get("evaluator"), {}
    if ref in stack.evaluators:
        keys["evaluatorKey"] = stack.evaluator_key(ref)
        spec["evaluator"] = _arn_of(stack, "Evaluator", ref, depends)
    elif ref is not None:
        region = stack.config.region
        spec["evaluator"] = stack.account.apply(lambda account: rr.evaluator_arn(ref, region, account))
    traces = spec["agentTraces"]
    batch = traces.get("batchEvaluation")
    if batch in stack.batches:
        traces["batchEvaluation"] = _arn_of(stack, "BatchEvaluation", batch, depends)
        keys["batchEvaluationKey"] = stack.reference_key("BatchEvaluation", batch)
    online = traces.get("onlineEvaluation")
    if online and online["config"] in stack.online:
        keys["onlineEvaluationKey"] = stack.reference_key("OnlineEvaluation", online["config"])
        online["config"] = _arn_of(stack, "OnlineEvaluation", online["config"], depends)
    args = RecommendationArgs(
        spec=spec, source=str(decl.file), base_name=rr.base_name(decl.name, stack.config.stack),
        spec_name=decl.name, report_dir=str(stack.config.report_dir / "recommendations"), reference_keys=keys,
        project_dir=str(stack.config.program_dir.resolve()),
    )  # fmt: skip
    return Recommendation(f"recommendation-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))


__all__ = [
    "TERMINAL",
    "TYPE_TOKEN",
    "Recommendation",
    "RecommendationArgs",
    "RecommendationError",
    "RecommendationProvider",
    "RecommendationResource",
    "build_recommendation",
]
