"""BatchEvaluation: a dynamic resource that starts one AgentCore batch evaluation job and waits for it."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN

from evalctl import aws

TYPE_NAME = "BatchEvaluation"
MODULE = "batch_evaluation"
TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED"})
RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
# These change how `pulumi up` waits, not which job runs: they update in place, never replace.
WAIT_FIELDS = ("wait", "waitTimeoutSeconds")
# Our additions to the StartBatchEvaluation request; resolved before the call.
EXTRA_FIELDS = ("groundTruth", "lookback", "runKey", *WAIT_FIELDS)
DEFAULT_TIMEOUT = 1800.0
NAME_PATTERN = r"[a-zA-Z][a-zA-Z0-9_]{0,47}"
LOOKBACK = re.compile(r"(\d+)\s*([smhdw])")
CONFIG_NAMESPACE = "agentcore-evaluations"
JOB_KEYS = ("batch_evaluation_id", "batch_evaluation_arn", "status", "results", "error_details")
OUTPUT_KEYS = (*JOB_KEYS, "client_token", "time_range")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def settings() -> aws.ClientSettings:
    """Client settings from the stack config the engine hands the provider (else the AWS environment)."""
    own = pulumi.Config(CONFIG_NAMESPACE)
    attempts = own.get_int("maxAttempts")
    return aws.ClientSettings(
        endpoint=own.get("endpoint"),
        region=own.get("region") or pulumi.Config("aws").get("region"),
        profile=own.get("profile"),
        max_attempts=attempts if attempts is not None else aws.ClientSettings.max_attempts,
    )


def data_plane() -> Any:
    """A fresh `bedrock-agentcore` client: never kept on the provider, so it always pickles."""
    return aws.client(aws.DATA, settings())


def explain(exc: ClientError, props: dict[str, Any], action: str) -> str:
    """The AWS error as a message naming the spec file, the job and what to do."""
    spec = props.get("spec") or {}
    resource = f"BatchEvaluation {spec.get('batchEvaluationName', '?')} (could not {action})"
    return aws.describe_error(exc, resource, str(props.get("source", "?")))


def is_unknown(value: Any) -> bool:
    """True for a value Pulumi does not know yet (preview of a resource that is being created)."""
    return isinstance(value, str) and value == UNKNOWN


def owner_urn(type_token: str, name: str) -> str:
    """The URN the engine gives a top-level resource: the owner recorded in tokens and tags."""
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_token}::{name}"


class BatchEvaluationError(RuntimeError):
    """A batch evaluation job could not be started, waited for, stopped or deleted."""


class BatchWaitTimeout(BatchEvaluationError):
    """A job did not reach a terminal status within `waitTimeoutSeconds`."""


def job_inputs(spec: dict[str, Any]) -> dict[str, Any]:
    """The members of a spec that decide which job runs (everything but the wait settings)."""
    return {k: v for k, v in spec.items() if k not in WAIT_FIELDS}


def client_token(urn: str, spec: dict[str, Any]) -> str:
    """Idempotency token from the owner URN and the job inputs (runKey included): 64 hex chars."""
    canonical = json.dumps(job_inputs(spec), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{urn}\n{canonical}".encode()).hexdigest()


def parse_lookback(value: Any) -> timedelta:
    """`90m`, `24h`, `7d`, `2w`, `3600s` or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=float(value))
    match = LOOKBACK.fullmatch(str(value).strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"lookback {value!r} is not a positive duration like 90m, 24h, 7d or 2w")
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])


def resolve_window(lookback: Any, now: datetime) -> dict[str, str]:
    """The concrete time range a lookback means at `now` (whole seconds, UTC, ISO 8601)."""
    end = now.astimezone(UTC).replace(microsecond=0)
    start = end - parse_lookback(lookback)
    return {
        "startTime": start.isoformat().replace("+00:00", "Z"),
        "endTime": end.isoformat().replace("+00:00", "Z"),
    }


def with_time_range(source: dict[str, Any], window: dict[str, str]) -> dict[str, Any]:
    """A copy of dataSourceConfig with the window set where its source kind keeps it."""
    out: dict[str, Any] = json.loads(json.dumps(source))
    if "onlineEvaluationConfigSource" in out:
        out["onlineEvaluationConfigSource"]["timeRange"] = window
    else:
        logs = out.setdefault("cloudWatchLogs", {})
        logs.setdefault("filterConfig", {})["timeRange"] = window
    return out


def _text(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {"text": str(value)}


def _turn(turn: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prompt = turn.get("prompt", (turn.get("input") or {}).get("prompt"))
    if prompt is not None:
        out["input"] = {"prompt": str(prompt)}
    if turn.get("expectedResponse") is not None:
        out["expectedResponse"] = _text(turn["expectedResponse"])
    return out


def _inline_truth(session: dict[str, Any]) -> dict[str, Any]:
    inline: dict[str, Any] = {}
    if session.get("assertions"):
        inline["assertions"] = [_text(a) for a in session["assertions"]]
    trajectory = session.get("expectedTrajectory")
    if trajectory is not None:
        names = trajectory.get("toolNames", []) if isinstance(trajectory, dict) else trajectory
        inline["expectedTrajectory"] = {"toolNames": [str(n) for n in names]}
    if session.get("turns"):
        inline["turns"] = [_turn(t) for t in session["turns"]]
    return inline


def session_metadata(ground_truth: dict[str, Any]) -> list[dict[str, Any]]:
    """A GroundTruth spec as the API's `evaluationMetadata.sessionMetadata` list."""
    if isinstance(ground_truth.get("sessionMetadata"), list):
        return list(ground_truth["sessionMetadata"])
    out = []
    for session in ground_truth.get("sessions") or []:
        entry: dict[str, Any] = {"sessionId": str(session["sessionId"])}
        if session.get("testScenarioId"):
            entry["testScenarioId"] = str(session["testScenarioId"])
        inline = _inline_truth(session)
        if inline:
            entry["groundTruth"] = {"inline": inline}
        if session.get("metadata"):
            entry["metadata"] = {str(k): str(v) for k, v in session["metadata"].items()}
        out.append(entry)
    return out


def start_request(spec: dict[str, Any], token: str, window: dict[str, str] | None) -> dict[str, Any]:
    """The StartBatchEvaluation parameters for a spec, its client token and its resolved window."""
    request = {k: v for k, v in spec.items() if k not in EXTRA_FIELDS}
    if window is not None:
        request["dataSourceConfig"] = with_time_range(request["dataSourceConfig"], window)
    if spec.get("groundTruth"):
        request["evaluationMetadata"] = {"sessionMetadata": session_metadata(spec["groundTruth"])}
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
        "batch_evaluation_id": job["batchEvaluationId"],
        "batch_evaluation_arn": job.get("batchEvaluationArn", ""),
        "status": job["status"],
        "results": jsonable(job.get("evaluationResults") or {}),
        "error_details": list(job.get("errorDetails") or []),
    }


class BatchEvaluationProvider(ResourceProvider):
    """Starts a job on create, refreshes on read, stops and deletes on delete; changes replace."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        spec = news.get("spec")
        if not isinstance(spec, dict):
            return CheckResult(news, [CheckFailure("spec", "spec must be a mapping")])
        return CheckResult(news, [CheckFailure(f"spec.{p}", r) for p, r in spec_problems(spec)])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_spec, new_spec = olds.get("spec") or {}, news.get("spec") or {}
        replaces: list[str] = ["urn"] if olds.get("urn") != news.get("urn") else []
        if job_inputs(old_spec) != job_inputs(new_spec):
            replaces.append("spec")
        changed = bool(replaces) or wait_settings(old_spec) != wait_settings(new_spec)
        changed = changed or olds.get("source") != news.get("source")
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec, urn = dict(props["spec"]), str(props.get("urn", ""))
        token = client_token(urn, spec)
        window = resolve_window(spec["lookback"], datetime.now(UTC)) if spec.get("lookback") else None
        client = data_plane()
        try:
            started = client.start_batch_evaluation(**start_request(spec, token, window))
            job_id = str(started["batchEvaluationId"])
            job = self._settle(client, job_id, spec, started)
        except ClientError as exc:
            raise BatchEvaluationError(explain(exc, props, "start the batch evaluation")) from exc
        outs = {**_inputs(props), **job_outputs(job), "client_token": token, "time_range": window or {}}
        return CreateResult(job_id, outs)

    @staticmethod
    def _settle(client: Any, job_id: str, spec: dict[str, Any], started: dict[str, Any]) -> dict[str, Any]:
        wait, timeout = wait_settings(spec)
        if wait:
            return Poller(client).until(job_id, TERMINAL, timeout)
        return {**started, "batchEvaluationId": job_id}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            job = data_plane().get_batch_evaluation(batchEvaluationId=id_)
        except ClientError as exc:
            if aws.error_code(exc) == "ResourceNotFoundException":
                return ReadResult(None, {})
            raise BatchEvaluationError(explain(exc, props, "read the batch evaluation")) from exc
        return ReadResult(id_, {**_inputs(props), **_kept(props), **job_outputs(job)})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = {**_inputs(news), **_kept(olds)}
        wait, timeout = wait_settings(news["spec"])
        if wait and olds.get("status") not in TERMINAL:
            try:
                outs.update(job_outputs(Poller(data_plane()).until(id_, TERMINAL, timeout)))
            except ClientError as exc:
                raise BatchEvaluationError(explain(exc, news, "wait for the batch evaluation")) from exc
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = data_plane()
        try:
            status = client.get_batch_evaluation(batchEvaluationId=id_)["status"]
            if status in RUNNING:
                client.stop_batch_evaluation(batchEvaluationId=id_)
                status = "STOPPING"
            if status == "STOPPING":
                Poller(client).until(id_, TERMINAL, DEFAULT_TIMEOUT)
            client.delete_batch_evaluation(batchEvaluationId=id_)
        except ClientError as exc:
            if aws.error_code(exc) == "ResourceNotFoundException":
                return
            raise BatchEvaluationError(explain(exc, props, "delete the batch evaluation")) from exc


def _inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in ("spec", "source", "urn") if k in props}


def _kept(props: dict[str, Any]) -> dict[str, Any]:
    """Outputs that only create knows: the token and the window it resolved (so re-runs don't drift)."""
    return {k: props[k] for k in OUTPUT_KEYS if k in props}


def spec_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(property, reason) for what the API or our additions would reject; unknowns are skipped."""
    problems: list[tuple[str, str]] = []
    name = spec.get("batchEvaluationName")
    if isinstance(name, str) and not is_unknown(name) and not re.fullmatch(NAME_PATTERN, name):
        problems.append(("batchEvaluationName", f"{name!r} must match {NAME_PATTERN}"))
    if len(spec.get("evaluators") or []) > 10:
        problems.append(("evaluators", "at most 10 evaluators per batch evaluation"))
    if not isinstance(spec.get("dataSourceConfig"), dict):
        problems.append(("dataSourceConfig", "required: cloudWatchLogs or onlineEvaluationConfigSource"))
    if spec.get("lookback") is not None:
        try:
            parse_lookback(spec["lookback"])
        except ValueError as exc:
            problems.append(("lookback", str(exc)))
    timeout = spec.get("waitTimeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        problems.append(("waitTimeoutSeconds", "must be a positive number of seconds"))
    if "wait" in spec and not isinstance(spec["wait"], bool):
        problems.append(("wait", "must be true or false"))
    return problems


@dataclass
class BatchEvaluationArgs:
    """Inputs: the StartBatchEvaluation request (evaluators resolved to ids) plus our additions."""

    spec: pulumi.Input[dict[str, Any]]
    source: str


class BatchEvaluation(Resource, module=MODULE, name=TYPE_NAME):
    """One batch evaluation job; outputs its id, terminal status and evaluation results."""

    batch_evaluation_id: pulumi.Output[str]
    batch_evaluation_arn: pulumi.Output[str]
    status: pulumi.Output[str]
    results: pulumi.Output[dict[str, Any]]
    time_range: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: BatchEvaluationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        urn = owner_urn(f"pulumi-python:dynamic/{MODULE}:{TYPE_NAME}", name)
        props: dict[str, Any] = {"spec": args.spec, "source": args.source, "urn": urn}
        props.update(dict.fromkeys(OUTPUT_KEYS))
        super().__init__(BatchEvaluationProvider(), name, props, opts)
