"""BatchEvaluation: a dynamic resource that starts one AgentCore batch evaluation job and waits for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components import _props as shared
from components import _provider as base
from evalctl import aws, awsops
from evalctl.spec import mapping

TYPE_TOKEN = "agentcore-evals:batch_evaluation:BatchEvaluation"
TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED"})
RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
# These change how `pulumi up` waits, not which job runs: they update in place, never replace.
WAIT_FIELDS = ("wait", "waitTimeoutSeconds")
# Our additions to the StartBatchEvaluation request; resolved before the call.
DEFAULT_TIMEOUT = 3600.0
JOB_KEYS = ("batchEvaluationId", "batchEvaluationArn", "status", "results", "errorDetails")
OUTPUT_KEYS = (*JOB_KEYS, "clientToken", "timeRange")
KEPT_INPUTS = ("spec", shared.SOURCE, shared.OWNER)


class BatchEvaluationError(RuntimeError):
    """A batch evaluation job could not be started, waited for, stopped or deleted."""


class BatchWaitTimeout(BatchEvaluationError):
    """A job did not reach a terminal status within `waitTimeoutSeconds`."""


def job_inputs(spec: dict[str, Any]) -> dict[str, Any]:
    """The members of a spec that decide which job runs (everything but the wait settings)."""
    return {k: v for k, v in spec.items() if k not in WAIT_FIELDS}


def client_token(owner: str, spec: dict[str, Any]) -> str:
    """Idempotency token from the owner URN and the job inputs (runKey included): 64 hex chars."""
    return base.client_token(owner, job_inputs(spec))


def start_request(spec: dict[str, Any], token: str, window: dict[str, str] | None) -> dict[str, Any]:
    """The StartBatchEvaluation parameters: our additions resolved, the lookback made a timeRange."""
    truth = spec.get("groundTruth")
    sessions = (truth.get("sessions") or []) if truth else None
    request = mapping.start_request(spec, sessions, window)
    request["clientToken"] = token
    return request


def jsonable(value: Any) -> Any:
    """API output made JSON-able (timestamps as ISO strings), so it can live in Pulumi state."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def wait_settings(spec: dict[str, Any]) -> tuple[bool, float]:
    """Whether to wait (default yes) and for how long at most."""
    timeout = spec.get("waitTimeoutSeconds")
    return spec.get("wait", True) is not False, DEFAULT_TIMEOUT if timeout is None else float(timeout)


@dataclass
class Poller:
    """Backoff polling of GetBatchEvaluation; clock and sleep are injectable for tests."""

    client: Any
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    first_delay: float = 0.25
    max_delay: float = 10.0

    def until(self, job_id: str, done: frozenset[str], timeout: float) -> dict[str, Any]:
        """Poll until the status is in `done`; raise BatchWaitTimeout naming the job after `timeout`."""
        deadline = self.clock() + timeout
        delay = self.first_delay
        while True:
            job: dict[str, Any] = self.client.get_batch_evaluation(batchEvaluationId=job_id)
            if job["status"] in done:
                return job
            left = deadline - self.clock()
            if left <= 0:
                raise BatchWaitTimeout(
                    f"batch evaluation {job_id} is still {job['status']} after {timeout:g} s. It keeps "
                    "running: run `pulumi up` again to wait for the same job (the start is idempotent), "
                    "raise spec.waitTimeoutSeconds, or set spec.wait: false to not wait"
                )
            self.sleep(min(delay, left))
            delay = min(delay * 2, self.max_delay)


def job_outputs(job: dict[str, Any]) -> dict[str, Any]:
    """The outputs we keep from a GetBatchEvaluation response."""
    return {
        "batchEvaluationId": job["batchEvaluationId"],
        "batchEvaluationArn": job.get("batchEvaluationArn", ""),
        "status": job["status"],
        "results": jsonable(job.get("evaluationResults") or {}),
        "errorDetails": list(job.get("errorDetails") or []),
    }


def _picked(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in keys if props.get(k) is not None}


class BatchEvaluationProvider(base.AgentCoreProvider):
    """Starts a job on create, refreshes on read, stops and deletes on delete; job changes replace."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        spec = news.get("spec")
        if not isinstance(spec, dict):
            return dyn.CheckResult(news, [dyn.CheckFailure("spec", "spec must be a mapping")])
        return dyn.CheckResult(news, [dyn.CheckFailure(f"spec.{p}", r) for p, r in spec_problems(spec)])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
        replaces = [shared.OWNER] if olds.get(shared.OWNER) != news.get(shared.OWNER) else []
        if job_inputs(old_spec) != job_inputs(new_spec):
            replaces.append("spec")
        changed = bool(replaces) or wait_settings(old_spec) != wait_settings(new_spec)
        changed = changed or olds.get(shared.SOURCE) != news.get(shared.SOURCE)
        return dyn.DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def data(self) -> Any:
        """A fresh data-plane client: never kept on the provider, so the provider always pickles."""
        return aws.client(aws.DATA, self.client_settings())

    def poller(self, client: Any) -> Poller:
        """Polls as fast as the stack's `pollSeconds` says at first, then backs off."""
        timing = self.timing()
        return Poller(client, first_delay=timing.first_delay, max_delay=timing.max_delay)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        spec = dict(props["spec"])
        token = client_token(str(props.get(shared.OWNER, "")), spec)
        lookback = mapping.lookback_of(spec)
        window = mapping.window(lookback, datetime.now(UTC)) if lookback else None
        request = start_request(spec, token, window)
        request["tags"] = awsops.with_owner_tags(request.get("tags"), str(props.get(shared.OWNER, "")))
        client, (wait, timeout) = self.data(), wait_settings(spec)
        try:
            job = self._start(client, request)
            if wait:
                job = self.poller(client).until(str(job["batchEvaluationId"]), TERMINAL, timeout)
        except BatchEvaluationError:
            raise
        except Exception as exc:
            raise self._failure(exc, props, "start the batch evaluation") from exc
        outs = {
            **_picked(props, KEPT_INPUTS),
            **job_outputs(job),
            "clientToken": token,
            "timeRange": window or {},
        }
        return dyn.CreateResult(str(job["batchEvaluationId"]), outs)

    def _start(self, client: Any, request: dict[str, Any]) -> dict[str, Any]:
        """Start (idempotent by token); a token reused with another window adopts the job it started."""
        try:
            return dict(client.start_batch_evaluation(**request))
        except Exception as exc:
            if aws.error_code(exc) != "ConflictException" or "token" not in str(exc).lower():
                raise
            found = newest_named(client, str(request["batchEvaluationName"]))
            if found is None:
                raise
            return found

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        try:
            job = self.data().get_batch_evaluation(batchEvaluationId=id_)
        except Exception as exc:
            if base.is_not_found(exc):
                return dyn.ReadResult(None, {})
            raise self._failure(exc, props, "read the batch evaluation") from exc
        if job["status"] == "DELETING":  # deleted outside Pulumi and on its way out
            return dyn.ReadResult(None, {})
        outs = {**_picked(props, KEPT_INPUTS), **_picked(props, OUTPUT_KEYS), **job_outputs(job)}
        return dyn.ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Only the wait settings or the source file changed: wait if asked to, never restart."""
        outs = {**_picked(news, KEPT_INPUTS), **_picked(olds, OUTPUT_KEYS)}
        wait, timeout = wait_settings(news["spec"])
        if wait and olds.get("status") not in TERMINAL:
            try:
                outs.update(job_outputs(self.poller(self.data()).until(id_, TERMINAL, timeout)))
            except BatchEvaluationError:
                raise
            except Exception as exc:
                raise self._failure(exc, news, "wait for the batch evaluation") from exc
        return dyn.UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Stop a running job first, then delete it; a job already gone is success."""
        client = self.data()
        try:
            status = client.get_batch_evaluation(batchEvaluationId=id_)["status"]
            if status in RUNNING:
                status = client.stop_batch_evaluation(batchEvaluationId=id_)["status"]
            if status not in TERMINAL:
                self.poller(client).until(id_, TERMINAL, DEFAULT_TIMEOUT)
            client.delete_batch_evaluation(batchEvaluationId=id_)
        except BatchEvaluationError:
            raise
        except Exception as exc:
            if base.is_not_found(exc):
                return
            raise self._failure(exc, props, "delete the batch evaluation") from exc

    def _failure(self, exc: BaseException, props: dict[str, Any], action: str) -> aws.AwsError:
        name = (props.get("spec") or {}).get("batchEvaluationName", "?")
        resource = f"BatchEvaluation {name} (could not {action})"
        return aws.AwsError(
            aws.describe_error(exc, resource, str(props.get(shared.SOURCE, "?"))), aws.error_code(exc)
        )


def newest_named(client: Any, name: str) -> dict[str, Any] | None:
    """The most recent job called `name` (the one a crashed run started), following every page."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client.list_batch_evaluations(**({"nextToken": token} if token else {}))
        found += [j for j in page.get("batchEvaluations", []) if j.get("batchEvaluationName") == name]
        token = page.get("nextToken")
        if not token:
            break
    live = [j for j in found if j.get("status") != "DELETING"]
    return max(live, key=lambda j: str(j.get("createdAt", "")), default=None)


def spec_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(property, reason) for our additions, then for the request as botocore's model sees it."""
    problems: list[tuple[str, str]] = []
    if not isinstance(spec.get("dataSourceConfig"), dict):
        return [("dataSourceConfig", "required: cloudWatchLogs or onlineEvaluationConfigSource")]
    if mapping.lookback_of(spec) is not None:
        try:
            mapping.parse_lookback(str(mapping.lookback_of(spec)))
        except mapping.MappingError as exc:
            problems.append(("dataSourceConfig.cloudWatchLogs.filterConfig.lookback", str(exc)))
    timeout = spec.get("waitTimeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        problems.append(("waitTimeoutSeconds", "must be a positive number of seconds"))
    if "wait" in spec and not isinstance(spec["wait"], bool):
        problems.append(("wait", "must be true or false"))
    return problems or model_problems(spec)


def model_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """What StartBatchEvaluation would reject (patterns, limits, enums); not judged while values are
    unknown (a preview), since the real `up` checks again with every value known."""
    from evalctl.emulator.validation import validate_params

    if shared.contains_unknown(spec):
        return []
    window = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-02T00:00:00Z"}
    request = start_request(spec, "0" * 64, window if mapping.lookback_of(spec) else None)
    return [(p.path, p.message) for p in validate_params(aws.DATA, "StartBatchEvaluation", request)]


class BatchEvaluationResource(dyn.Resource, module="batch_evaluation", name="BatchEvaluation"):
    """The dynamic resource: props are the spec, its file and the owner URN, plus the job outputs."""

    batchEvaluationId: pulumi.Output[str]
    status: pulumi.Output[str]
    results: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BatchEvaluationProvider(), name, {**props, **dict.fromkeys(OUTPUT_KEYS)}, opts)


def urn_value(resource: pulumi.Resource) -> pulumi.Output[str]:
    """A resource's URN as a value without a dependency on the resource (a child that depends on its
    own parent is a cycle the SDK refuses)."""
    urn = resource.urn
    return pulumi.Output(set(), urn.future(), urn.is_known(), urn.is_secret())  # type: ignore[arg-type]


@dataclass
class BatchEvaluationArgs:
    """The StartBatchEvaluation request (evaluators resolved to ids) plus our additions, and its file."""

    spec: dict[str, pulumi.Input[Any]]
    source: pulumi.Input[str]


class BatchEvaluation(pulumi.ComponentResource):
    """One batch evaluation job; outputs its id, status and evaluation results."""

    batch_evaluation_id: pulumi.Output[str]
    status: pulumi.Output[str]
    results: pulumi.Output[dict[str, Any]]

    def __init__(
        self, name: str, args: BatchEvaluationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        props = {"spec": args.spec, shared.SOURCE: args.source, shared.OWNER: urn_value(self)}
        self.resource = BatchEvaluationResource(name, props, pulumi.ResourceOptions(parent=self))
        self.batch_evaluation_id = self.resource.batchEvaluationId
        self.status = self.resource.status
        self.results = self.resource.results
        self.register_outputs(
            {"batchEvaluationId": self.batch_evaluation_id, "status": self.status, "results": self.results}
        )
