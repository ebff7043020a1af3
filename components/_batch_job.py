"""A batch evaluation job as the provider meets it: the start request, waits, outputs and checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from components import _props as shared
from components._errors import UserError
from evalctl import aws, awsops
from evalctl.api.validation import validate_params
from evalctl.awsops import is_not_found
from evalctl.spec import mapping

TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED"})
RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
DEFAULT_TIMEOUT = 3600.0


class BatchEvaluationError(UserError):
    """A batch evaluation job could not be started, waited for, stopped or deleted."""


class BatchWaitTimeout(BatchEvaluationError):
    """A job did not reach a terminal status within `waitTimeoutSeconds`."""


def start_request(spec: dict[str, Any], token: str, window: dict[str, str] | None) -> dict[str, Any]:
    """The StartBatchEvaluation parameters: our additions resolved, the lookback made a timeRange
    (the caller sets a fresh clientToken per call when `token` is empty)."""
    truth = spec.get("groundTruth")
    sessions = (truth.get("sessions") or []) if truth else None
    request = mapping.start_request(spec, sessions, window)
    if token:
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

    def until_gone(self, job_id: str, timeout: float) -> None:
        """Poll until the deleted job is gone (its name is held until then), at most `timeout`."""
        deadline, delay = self.clock() + timeout, self.first_delay
        while _gone_or_status(self.client, job_id) != "GONE":
            left = deadline - self.clock()
            if left <= 0:
                raise BatchWaitTimeout(f"batch evaluation {job_id} is still DELETING after {timeout:g} s")
            self.sleep(min(delay, left))
            delay = min(delay * 2, self.max_delay)


def _gone_or_status(client: Any, job_id: str) -> str:
    try:
        return str(client.get_batch_evaluation(batchEvaluationId=job_id)["status"])
    except Exception as exc:
        if is_not_found(exc):
            return "GONE"
        raise


def job_outputs(job: dict[str, Any]) -> dict[str, Any]:
    """The outputs we keep from a GetBatchEvaluation response."""
    return {
        "batchEvaluationId": job["batchEvaluationId"],
        "batchEvaluationArn": job.get("batchEvaluationArn", ""),
        "status": job["status"],
        "results": jsonable(job.get("evaluationResults") or {}),
        "errorDetails": list(job.get("errorDetails") or []),
    }


def newest_named(client: Any, name: str) -> dict[str, Any] | None:
    """The most recent job called `name` (the one a crashed run started), following every page."""
    jobs = awsops.items(client, "list_batch_evaluations", "batchEvaluations")
    found = [j for j in jobs if j.get("batchEvaluationName") == name]
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
    if spec.get("dataset") is not None and not spec.get("agent"):
        problems.append(("agent", "a dataset batch needs the runtime endpoint ARN to invoke"))
    timeout = spec.get("waitTimeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        problems.append(("waitTimeoutSeconds", "must be a positive number of seconds"))
    if "wait" in spec and not isinstance(spec["wait"], bool):
        problems.append(("wait", "must be true or false"))
    return problems or model_problems(spec)


def model_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """What StartBatchEvaluation would reject (patterns, limits, enums); not judged while values are
    unknown (a preview), since the real `up` checks again with every value known."""
    if shared.contains_unknown(spec):
        return []
    window = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-02T00:00:00Z"}
    try:
        request = start_request(spec, "0" * 64, window if mapping.lookback_of(spec) else None)
    except mapping.MappingError as exc:
        return [("dataset", str(exc))]
    return [(p.path, p.message) for p in validate_params(aws.DATA, "StartBatchEvaluation", request)]
