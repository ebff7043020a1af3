"""Online evaluation: enabled configurations score sampled sessions once they go quiet.

`tick` runs before every request and after every clock advance. Each configuration keeps a cursor
(the emulator time it has looked up to); a tick scores the sessions whose inactivity timeout
expired between the cursor and now, if the configuration is ENABLED, and moves the cursor to now.
Every change of a configuration is a request, and every request ticks first, so a session is
scored exactly when its timeout expired while the configuration was enabled (README "Online
evaluation").
"""

from __future__ import annotations

import logging
import math
from typing import Any

from evalctl.emulator import bridge, cwlogs, jobs, live_filters, live_sessions, resultslog, sources
from evalctl.emulator.core import Core
from evalctl.emulator.errors import ApiError
from evalctl.engine.model import EvaluatorDef

TABLE = "onlineConfigs"
CONFIG_ARN = "aws.bedrock_agentcore.online_evaluation_config.arn"
CONFIG_NAME = "aws.bedrock_agentcore.online_evaluation_config.name"
_LOG = logging.getLogger(__name__)


def tick(core: Core) -> int:
    """Bring every online configuration up to emulator time; returns the records written."""
    with core.store.lock:
        rows = core.settle(TABLE)
        if not rows:
            return 0
        now = core.clock.now()
        written = 0
        for config in sorted(rows.values(), key=lambda r: (r["createdAt"], r["onlineEvaluationConfigId"])):
            try:
                written += _advance(core, config, now)
            except Exception:  # one broken configuration must not fail every request of the emulator
                _LOG.exception("online evaluation %s failed", config["onlineEvaluationConfigId"])
                config["_cursor"] = now
        if written:
            core.store.save()
        return written


def _advance(core: Core, config: dict[str, Any], now: float) -> int:
    # A configuration being created is not running yet; one being deleted no longer is.
    if config["status"] in ("CREATING", "DELETING"):
        return 0
    cursor = float(config.get("_cursor", config["createdAt"]))
    if now <= cursor:
        return 0
    if config.get("executionStatus") != "ENABLED":
        config["_cursor"] = now
        return 0  # paused: sessions that go quiet meanwhile are never scored (README)
    region = config["onlineEvaluationConfigArn"].split(":")[3]
    # Reading is skipped while no telemetry arrived and no open session can be due yet: the
    # next read covers (cursor, now] all the same, so skipping changes nothing but the cost.
    seen = [cwlogs.event_count(region), config["updatedAt"]]
    due = config.get("_nextDue", 0.0)
    if seen == config.get("_seen") and (due is None or now < float(due)):
        return 0
    config["_cursor"] = now
    source = dict((config.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {})
    timeout = live_sessions.timeout_seconds(config)
    quiet, next_due = live_sessions.finished(region, source, cursor, now, timeout)
    # None for "no open session": JSON (the --data-dir state) has no infinity.
    config["_seen"], config["_nextDue"] = seen, (None if math.isinf(next_due) else next_due)
    done = set(config.get("_scored") or [])
    percentage = live_sessions.sampling_percentage(config)
    chosen = sorted(s for s in quiet if s not in done and live_sessions.sampled(s, percentage))
    narrowed = _narrow(region, source, (config.get("rule") or {}).get("filters") or [], chosen)
    if not narrowed:
        return 0
    defs = _definitions(core, config, region)
    spec = jobs.JobSpec(region, {**source, "filterConfig": narrowed}, defs, [], None)
    outcome = jobs.run(spec)
    scored = [s for s in outcome["sessions"] if s["results"]]
    config["_scored"] = sorted(done | {s["sessionId"] for s in scored})
    group, stream = destination(config, region, source)
    return resultslog.write_records(region, group, stream, records(config, scored, defs, int(now * 1000)))


def _narrow(
    region: str, source: dict[str, Any], filters: list[dict[str, Any]], chosen: list[str]
) -> dict[str, Any] | None:
    """The batch filterConfig for the chosen sessions: with `rule.filters`, only the traces that pass
    them (sessions left without one are not scored); None when nothing is left."""
    if not chosen:
        return None
    if not filters:
        return {"sessionIds": chosen}
    try:
        docs = live_sessions.of_services(sources.read_documents(region, source), set(source["serviceNames"]))
    except LookupError:
        return None
    included = live_filters.included_traces(docs, filters)
    pairs = [{"sessionId": s, "traceIds": sorted(included[s])} for s in chosen if s in included]
    return {"sessionTraceIds": pairs} if pairs else None


def _definitions(core: Core, config: dict[str, Any], region: str) -> list[EvaluatorDef]:
    defs = []
    for ref in config.get("evaluators") or []:
        try:
            defs.append(bridge.definition(core, ref["evaluatorId"], region))
        except ApiError:  # deleted since (only possible when the lock mode allows it): skipped
            continue
    return defs


def destination(config: dict[str, Any], region: str, source: dict[str, Any]) -> tuple[str, str]:
    """The (log group, stream) a configuration's results go to; the stream is the config id."""
    cloudwatch = (config.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    group = str(cloudwatch["logGroupName"])
    if cloudwatch.get("resultDestination") == "SOURCE_LOG_GROUP":
        group = sources.source_log_group(region, source)
    return group, str(config["onlineEvaluationConfigId"])


def records(
    config: dict[str, Any], sessions: list[dict[str, Any]], defs: list[EvaluatorDef], now_ms: int
) -> list[dict[str, Any]]:
    """Result records in the batch shape; the configuration stands where a batch job would."""
    cloudwatch = (config.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    arn, name = config["onlineEvaluationConfigArn"], config["onlineEvaluationConfigName"]
    namespace = cloudwatch.get("metricsNamespace") or resultslog.NAMESPACE
    job = resultslog.Job(arn, name, config["onlineEvaluationConfigId"], namespace)
    kinds = resultslog.kinds(defs)
    out = []
    for session in sessions:
        for result in session["results"]:
            target = resultslog.session_target(session, result, now_ms * 1_000_000)
            kind = kinds.get(result["evaluatorId"], ("TRACE", None))
            doc = resultslog.record(result, job, target, kind, now_ms)
            doc["attributes"].update({CONFIG_ARN: arn, CONFIG_NAME: name})
            out.append(doc)
    return out
