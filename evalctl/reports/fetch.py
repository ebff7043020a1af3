"""Read a batch evaluation and its result log stream through boto3 clients the caller provides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_RESULTS_GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"
MAX_PAGES = 1000  # 10,000 events a page: far beyond any batch job, and a guard against a looping token


class BatchNotFoundError(LookupError):
    """GetBatchEvaluation answered ResourceNotFoundException."""


def results_location(response: Mapping[str, Any]) -> tuple[str, str]:
    """The log group and stream a job writes its results to (the service's defaults when unset)."""
    config = (response.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    group = config.get("logGroupName") or DEFAULT_RESULTS_GROUP
    stream = config.get("logStreamName") or f"run-{response.get('batchEvaluationId', '')}"
    return str(group), str(stream)


def get_batch(data_client: Any, batch_evaluation_id: str) -> dict[str, Any]:
    """GetBatchEvaluation without ResponseMetadata; a missing job raises BatchNotFoundError."""
    from botocore.exceptions import ClientError

    try:
        response = data_client.get_batch_evaluation(batchEvaluationId=batch_evaluation_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise BatchNotFoundError(f"batch evaluation {batch_evaluation_id} not found") from exc
        raise
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def read_result_events(logs_client: Any, group: str, stream: str) -> list[dict[str, Any]]:
    """Every event of the stream, oldest first; a stream not written yet reads as empty."""
    from botocore.exceptions import ClientError

    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
    for _ in range(MAX_PAGES):
        try:
            page = logs_client.get_log_events(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return events
            raise
        events += page.get("events") or []
        token = page.get("nextForwardToken")
        # CloudWatch signals the end by handing back the token it was given.
        if not token or token == kwargs.get("nextToken") or not page.get("events"):
            return events
        kwargs["nextToken"] = token
    return events


def fetch_batch(
    data_client: Any, logs_client: Any, batch_evaluation_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The GetBatchEvaluation response and its result log events, ready for results.from_batch."""
    response = get_batch(data_client, batch_evaluation_id)
    group, stream = results_location(response)
    return response, read_result_events(logs_client, group, stream)
