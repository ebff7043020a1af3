"""StartBatchEvaluation's inputs: request values made JSON, the session source, the output config."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evalctl.emulator import sources
from evalctl.emulator.core import Core
from evalctl.emulator.errors import ValidationError
from evalctl.emulator.settings import RESERVED_LOG_PREFIX, RESULTS_LOG_GROUP


def epochs(value: Any) -> Any:
    """Request values with datetimes as epoch seconds, so records stay JSON."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: epochs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [epochs(v) for v in value]
    return value


def session_source(core: Core, config: dict[str, Any]) -> dict[str, Any]:
    """Where a job reads sessions: its cloudWatchLogs, or the source of the named online configuration."""
    if "cloudWatchLogs" in config:
        return dict(config["cloudWatchLogs"])
    online = config["onlineEvaluationConfigSource"]
    arn = online["onlineEvaluationConfigArn"]
    match = [c for c in core.settle("onlineConfigs").values() if c["onlineEvaluationConfigArn"] == arn]
    if not match:
        raise ValidationError(f"Online evaluation configuration {arn} does not exist")
    source = dict(match[0]["dataSourceConfig"]["cloudWatchLogs"])
    if online.get("timeRange"):
        source["timeRange"] = online["timeRange"]
    return source


def output_config(core: Core, params: dict[str, Any], job_id: str, region: str) -> dict[str, Any] | None:
    """Where results go (README "Result records"): None for insights-only jobs, which write none."""
    given = (params.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    if not params.get("evaluators"):
        return None
    namespace = given.get("metricsNamespace")
    if namespace is not None and str(namespace).startswith("AWS/"):
        raise ValidationError("outputConfig.cloudWatchConfig.metricsNamespace can't begin with AWS/")
    group = given.get("logGroupName")
    if given.get("resultDestination") == "SOURCE_LOG_GROUP":
        if group:
            raise ValidationError(
                "outputConfig.cloudWatchConfig.logGroupName must be omitted when resultDestination is "
                "SOURCE_LOG_GROUP: results are written back to the trace source log group"
            )
        group = sources.source_log_group(region, params["dataSourceConfig"].get("cloudWatchLogs") or {})
    elif group and group.startswith(RESERVED_LOG_PREFIX) and group != RESULTS_LOG_GROUP:
        raise ValidationError(
            f"outputConfig.cloudWatchConfig.logGroupName {group} is under the service-reserved "
            f"{RESERVED_LOG_PREFIX} namespace; choose another name or omit it for the default group"
        )
    out = {k: v for k, v in given.items() if k in ("metricsNamespace", "resultDestination")}
    return {"cloudWatchConfig": {
        "logGroupName": group or RESULTS_LOG_GROUP,
        "logStreamName": given.get("logStreamName") or f"run-{job_id}", **out,
    }}  # fmt: skip
