"""BatchEvaluation: a dynamic resource that starts one AgentCore batch evaluation job and waits for it.

The job's request, polling, outputs and checks live in `_batch_job`; the names tests and stored
state use (the provider, Poller, start_request, ...) stay importable from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from components._batch_identity import (
    DATASET_KEY,
    IN_PLACE,
    KEYS,
    WAIT_FIELDS,
    identity_key,
    job_inputs,
    keys_learned,
    previewed,
    same_evaluators,
)
from components._batch_job import (
    RUNNING,
    TERMINAL,
    BatchEvaluationError,
    BatchWaitTimeout,
    Poller,
    job_outputs,
    newest_named,
    spec_problems,
    start_request,
    wait_settings,
)
from components._job_provider import JobProvider
from components._job_provider import picked as _picked
from components._names import aliased, token
from evalctl import aws, awsops, naming
from evalctl.spec import mapping

TYPE_TOKEN = token("batch_evaluation", "BatchEvaluation")
JOB_KEYS = ("batchEvaluationId", "batchEvaluationArn", "status", "results", "errorDetails")
OUTPUT_KEYS = (*JOB_KEYS, "physicalName", "timeRange")
KEPT_INPUTS = ("spec", shared.SOURCE, shared.OWNER, KEYS, DATASET_KEY)
# Ground truth (prompts, expected answers) and what botocore marks sensitive stay secret in state.
SECRET_PATHS = [("spec", "groundTruth"), ("spec", "description"), ("spec", "evaluationMetadata")]


class BatchEvaluationProvider(JobProvider):
    """Starts a job on create, refreshes on read, stops and deletes on delete; job changes replace."""

    kind_label, noun = "BatchEvaluation", "batch evaluation"

    def job_name(self, props: dict[str, Any]) -> str:
        return str((props.get("spec") or {}).get("batchEvaluationName", "?"))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        spec = news.get("spec")
        inputs = dict(news)
        if not isinstance(spec, dict):
            return dyn.CheckResult(inputs, [dyn.CheckFailure("spec", "spec must be a mapping")])
        return dyn.CheckResult(inputs, [dyn.CheckFailure(f"spec.{p}", r) for p, r in spec_problems(spec)])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Replace (create-before-delete, the new job under the alternate name) only when what is
        evaluated changes; wait settings, description, tags and gates update in place."""
        old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
        # The owner URN an earlier release stored (before the rename to `evalctl`) is the same owner.
        same_owner = naming.same_owner(str(olds.get(shared.OWNER, "")), str(news.get(shared.OWNER, "")))
        replaces = [] if same_owner else [shared.OWNER]
        # Preview: ids of evaluators, and a dataset's id and version, are unknown while they update in
        # place; their keys say whether they stay (components._batch_identity).
        if job_inputs(old_spec) != previewed(old_spec, new_spec, olds, news):
            replaces.append("spec")
        in_place = any(old_spec.get(k) != new_spec.get(k) for k in IN_PLACE)
        changed = bool(replaces) or in_place or olds.get(shared.SOURCE) != news.get(shared.SOURCE)
        changed = changed or keys_learned(olds, news, new_spec, old_spec)
        return dyn.DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def poller(self, client: Any) -> Poller:
        """Polls as fast as the stack's `pollSeconds` says at first, then backs off."""
        timing = self.timing()
        return Poller(client, first_delay=timing.first_delay, max_delay=timing.max_delay)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        spec = dict(props["spec"])
        lookback = mapping.lookback_of(spec)
        window = mapping.window(lookback, datetime.now(UTC)) if lookback else None
        request = start_request(spec, "", window)
        request["tags"] = awsops.with_owner_tags(request.get("tags"), str(props.get(shared.OWNER, "")))
        client, (wait, timeout) = self.data(), wait_settings(spec)
        try:
            job = self._start_or_adopt(client, request, props)
            if wait:
                job = self._wait_or_stop(client, str(job["batchEvaluationId"]), timeout)
            self.confirm_created(self.control(), str(job["batchEvaluationArn"]))
        except BatchEvaluationError:
            raise
        except Exception as exc:
            raise self._failure(exc, props, "start the batch evaluation") from exc
        outs = {
            **_picked(props, KEPT_INPUTS),
            **job_outputs(job),
            "physicalName": str(job.get("batchEvaluationName") or request["batchEvaluationName"]),
            "timeRange": window or {},
        }
        return dyn.CreateResult(str(job["batchEvaluationId"]), shared.with_secrets(outs, SECRET_PATHS))

    def _wait_or_stop(self, client: Any, job_id: str, timeout: float) -> dict[str, Any]:
        """Wait for the end; past the timeout stop the job, so no paid job runs outside state."""
        try:
            return self.poller(client).until(job_id, TERMINAL, timeout)
        except BatchWaitTimeout as exc:
            try:
                client.stop_batch_evaluation(batchEvaluationId=job_id)
            except Exception as stop_exc:  # still say what happened, and that it may still run
                raise BatchWaitTimeout(f"{exc}; stopping it failed too ({stop_exc})") from stop_exc
            raise BatchWaitTimeout(
                f"batch evaluation {job_id} did not finish within {timeout:g} s, so it was stopped. "
                "To fix: raise spec.waitTimeoutSeconds (or set spec.wait: false), then run `pulumi up`"
            ) from exc

    def _start_or_adopt(self, client: Any, request: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """Start under the declared name, else under the alternate one while the job being replaced
        holds it; with no state, a live job we own under that name is a crashed run's: adopt it."""
        declared = str(request["batchEvaluationName"])
        tags = awsops.pending(request.get("tags") or {})
        for name in (declared, base.alternate_name(declared)):
            token = awsops.fresh_token()
            params = {**request, "batchEvaluationName": name, "tags": tags, "clientToken": token}
            try:
                return dict(client.start_batch_evaluation(**params))
            except Exception as exc:
                if aws.error_code(exc) != "ConflictException":
                    raise
                holder = newest_named(client, name)
                if holder is None or not self._owned(client, holder, props):
                    raise
                if not self._pending(holder):
                    continue  # the job being replaced (the engine checks replacements without olds)
                return holder
        raise BatchEvaluationError(
            f"{props.get(shared.SOURCE)}: BatchEvaluation {declared}: both {declared} and its alternate "
            "name are held by jobs this stack owns. To fix: run `pulumi refresh`, then delete the job "
            "that is not in the stack's state (`evalctl` or the console)."
        )

    def _pending(self, job: dict[str, Any]) -> bool:
        """Whether a crashed create left this job (see AgentCoreProvider.create_or_adopt)."""
        return awsops.is_pending(awsops.live_tags(self.control(), str(job.get("batchEvaluationArn") or "")))

    def _owned(self, client: Any, job: dict[str, Any], props: dict[str, Any]) -> bool:
        arn = str(job.get("batchEvaluationArn") or "")
        # Tags live on the control plane's Tag* operations, whatever the resource.
        owner = str(props.get(shared.OWNER, ""))
        return bool(arn) and awsops.owned_by(awsops.live_tags(self.control(), arn), owner)

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        def outs_of(job: dict[str, Any]) -> dict[str, Any]:
            outs = {**_picked(props, KEPT_INPUTS), **_picked(props, OUTPUT_KEYS), **job_outputs(job)}
            return shared.with_secrets(outs, SECRET_PATHS)

        return self.read_job(
            id_, props, lambda: self.data().get_batch_evaluation(batchEvaluationId=id_), outs_of
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Wait settings, description, tags, gates or the source file changed: never restart."""
        outs = {**_picked(news, KEPT_INPUTS), **_picked(olds, OUTPUT_KEYS)}
        wait, timeout = wait_settings(news["spec"])
        client = self.data()
        try:
            old_tags, new_tags = (olds.get("spec") or {}).get("tags"), news["spec"].get("tags")
            if old_tags != new_tags and olds.get("batchEvaluationArn"):
                wanted = awsops.with_owner_tags(new_tags, str(news.get(shared.OWNER, "")))
                arn, control = str(olds["batchEvaluationArn"]), self.control()
                awsops.sync_tags(control, arn, awsops.live_tags(control, arn), wanted)
            if wait and olds.get("status") not in TERMINAL:
                outs.update(job_outputs(self._wait_or_stop(client, id_, timeout)))
        except BatchEvaluationError:
            raise
        except Exception as exc:
            raise self._failure(exc, news, "update the batch evaluation") from exc
        return dyn.UpdateResult(shared.with_secrets(outs, SECRET_PATHS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Stop a running job first, then delete it, within the spec's wait timeout; gone is success."""
        client = self.data()
        timeout = wait_settings(props.get("spec") or {})[1]
        try:
            status = client.get_batch_evaluation(batchEvaluationId=id_)["status"]
            if status in RUNNING:
                status = client.stop_batch_evaluation(batchEvaluationId=id_)["status"]
            if status not in TERMINAL:
                self.poller(client).until(id_, TERMINAL, timeout)
            client.delete_batch_evaluation(batchEvaluationId=id_)
            self.poller(client).until_gone(id_, timeout)
        except BatchEvaluationError:
            raise
        except Exception as exc:
            if base.is_not_found(exc):
                return
            raise self._failure(exc, props, "delete the batch evaluation") from exc


class BatchEvaluationResource(dyn.Resource, module="batch_evaluation", name="BatchEvaluation"):
    """The dynamic resource: props are the spec, its file and the owner URN, plus the job outputs."""

    batchEvaluationId: pulumi.Output[str]
    status: pulumi.Output[str]
    results: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BatchEvaluationProvider(), name, {**props, **dict.fromkeys(OUTPUT_KEYS)}, opts)


@dataclass
class BatchEvaluationArgs:
    """The StartBatchEvaluation request (evaluators resolved to ids) plus our additions, and its file."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]
    evaluator_keys: dict[str, str] | None = None
    dataset_key: str | None = None  # components.dataset.version_key of the Dataset it runs


class BatchEvaluation(pulumi.ComponentResource):
    """One batch evaluation job; outputs its id, status and evaluation results."""

    batch_evaluation_id: pulumi.Output[str]
    status: pulumi.Output[str]
    results: pulumi.Output[dict[str, Any]]

    def __init__(
        self, name: str, args: BatchEvaluationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        owner = shared.owner_urn(TYPE_TOKEN, name)
        props: dict[str, Any] = {"spec": args.spec, shared.SOURCE: args.source, shared.OWNER: owner}
        if args.evaluator_keys:
            props[KEYS] = args.evaluator_keys
        if args.dataset_key:
            props[DATASET_KEY] = args.dataset_key
        self.resource = BatchEvaluationResource(name, props, pulumi.ResourceOptions(parent=self))
        self.batch_evaluation_id = self.resource.batchEvaluationId
        self.status = self.resource.status
        self.results = self.resource.results
        self.register_outputs(
            {"batchEvaluationId": self.batch_evaluation_id, "status": self.status, "results": self.results}
        )


__all__ = [
    "IN_PLACE",
    "TERMINAL",
    "WAIT_FIELDS",
    "BatchEvaluation",
    "BatchEvaluationArgs",
    "BatchEvaluationError",
    "BatchEvaluationProvider",
    "BatchEvaluationResource",
    "BatchWaitTimeout",
    "Poller",
    "identity_key",
    "same_evaluators",
    "start_request",
]
