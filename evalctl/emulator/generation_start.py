"""StartDatasetGeneration: the checks at Start, the resolved source record, and the work (README)."""

from __future__ import annotations

import re
from typing import Any

from evalctl import scenarios
from evalctl.emulator import batch, batch_inputs, generation_work, trace_select
from evalctl.emulator.core import Core
from evalctl.emulator.dataset_start import MAX_SCENARIOS
from evalctl.emulator.errors import NotFoundError, ValidationError
from evalctl.emulator.generation_work import DYNAMIC, FIXED, Counts
from evalctl.engine.model import Session

SCHEMAS = {FIXED: scenarios.PREDEFINED, DYNAMIC: scenarios.SIMULATED}
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_FINISHED = ("COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED")


def check(params: dict[str, Any], dataset: dict[str, Any]) -> None:
    """Every documented rule of the request that needs no other resource; ValidationException."""
    kind = params.get("scenarioType") or DYNAMIC
    if dataset["schemaType"] != SCHEMAS[kind]:
        raise ValidationError(
            f"scenarioType {kind} generates {SCHEMAS[kind]} scenarios but dataset {dataset['datasetId']} "
            f"is {dataset['schemaType']}"
        )
    trace = params["source"]["traceGeneration"]
    config = trace["sourceConfig"]
    logs = config.get("cloudWatchLogs")
    if logs and logs.get("logGroupNames") and logs.get("logGroupNamePrefixes"):
        raise ValidationError("You can't specify logGroupNames together with logGroupNamePrefixes")
    filters = (trace.get("selection") or {}).get("filters") or {}
    truth = trace.get("groundTruth")
    if logs and filters.get("evaluatorFilters"):
        raise ValidationError("evaluatorFilters need an onlineEvaluation or batchEvaluation source")
    if logs and truth and truth.get("qualityFilters"):
        raise ValidationError("You can't specify quality filters with a cloudWatchLogs source")
    if truth and kind == DYNAMIC:  # SimulatedScenario has no expected_response nor expected_trajectory
        raise ValidationError("groundTruth fields are members of FIXED scenarios; DYNAMIC ones have none")
    turns = filters.get("turnCount") or {}
    if turns.get("min") and turns.get("max") and turns["min"] > turns["max"]:
        raise ValidationError(f"turnCount min {turns['min']} is greater than max {turns['max']}")
    wanted = (trace.get("sampling") or {}).get("maxScenarios") or generation_work.DEFAULT_MAX_SCENARIOS
    if len(dataset["_draft"]) + wanted > MAX_SCENARIOS:
        raise ValidationError(
            f"The draft holds {len(dataset['_draft'])} examples; with maxScenarios {wanted} it could exceed "
            f"{MAX_SCENARIOS} (lower maxScenarios or delete examples)"
        )
    for custom in (trace.get("redactionConfiguration") or {}).get("customDataIdentifiers") or []:
        _check_custom(custom)


def _check_custom(custom: dict[str, Any]) -> None:
    if custom["name"] in generation_work.MANAGED_NAMES:
        raise ValidationError(f"Custom data identifier {custom['name']} has the name of a managed identifier")
    if _LOOKAROUND.search(custom["regex"]):
        raise ValidationError(
            f"Custom data identifier {custom['name']}: lookahead and lookbehind aren't supported"
        )
    try:
        re.compile(custom["regex"])
    except re.error as exc:
        raise ValidationError(f"Custom data identifier {custom['name']}: invalid regex: {exc}") from exc


def resolve(
    core: Core, config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """(sourceConfig with its resolved window, where to read, per-session results or None)."""
    now = core.clock.now()
    if "batchEvaluation" in config:
        arn = config["batchEvaluation"]["batchEvaluationArn"]
        rows = [r for r in core.settle(batch.TABLE).values() if r["batchEvaluationArn"] == arn]
        if not rows:
            raise NotFoundError(f"Batch evaluation {arn} not found")
        job = batch.observe(core, rows[0])
        if job["status"] not in _FINISHED:
            raise ValidationError(f"Batch evaluation {arn} is {job['status']}; generate once it has finished")
        found = (job.get("_outcome") or {}).get("sessions") or []
        return dict(config), dict(job["_spec"]["source"]), {s["sessionId"]: s["results"] for s in found}
    kind = "cloudWatchLogs" if "cloudWatchLogs" in config else "onlineEvaluation"
    given = batch_inputs.epochs(config[kind])
    start, end = trace_select.window(given, now)
    resolved = {kind: {**given, "startTime": start, "endTime": end}}
    if kind == "cloudWatchLogs":
        return resolved, {**given, "timeRange": {"startTime": start, "endTime": end}}, None
    arn = given["onlineEvaluationConfigArn"]
    rows = [c for c in core.settle("onlineConfigs").values() if c["onlineEvaluationConfigArn"] == arn]
    if not rows:
        raise NotFoundError(f"Online evaluation configuration {arn} not found")
    source = dict(rows[0]["dataSourceConfig"]["cloudWatchLogs"])
    # No per-session online results are kept to filter on: evaluator filters leave sessions unscored.
    return resolved, {**source, "timeRange": {"startTime": start, "endTime": end}}, {}


def select(
    sessions: list[Session], trace: dict[str, Any], results: dict[str, Any] | None, counts: Counts
) -> tuple[list[Session], set[str]]:
    """(sampled sessions, the ids of those that get reference fields) and the counts on the way."""
    selection = trace.get("selection") or {}
    sessions = trace_select.ordered(sessions)
    filters = selection.get("filters") or {}
    if "identifiers" in selection:
        chosen = generation_work.pick_ids(sessions, selection["identifiers"], counts)
    else:
        chosen = [
            s for s in sessions
            if s.traces and trace_select.turn_range(s, filters.get("turnCount"))
            and trace_select.attribute_match(s, filters.get("attributeFilters") or [])
        ]  # fmt: skip
    counts.matched = len(chosen) + counts.failed
    rules = filters.get("evaluatorFilters") or []
    if rules:
        verdicts = {s.session_id: generation_work.evaluator_match((results or {}).get(s.session_id), rules)
                    for s in chosen}  # fmt: skip
        counts.unscored = sum(1 for v in verdicts.values() if v is None)
        chosen = [s for s in chosen if verdicts[s.session_id]]
    limit = (trace.get("sampling") or {}).get("maxScenarios") or generation_work.DEFAULT_MAX_SCENARIOS
    chosen = chosen[:limit]
    counts.selected = len(chosen)
    truth = trace.get("groundTruth")
    if truth is None:
        return chosen, set()
    quality = truth.get("qualityFilters", rules)
    if "identifiers" in selection and "qualityFilters" not in truth:
        quality = []  # "If the selection names sessions and traces by ID, every selected session gets them"
    if not quality:
        return chosen, {s.session_id for s in chosen}
    good = {s.session_id for s in chosen
            if generation_work.evaluator_match((results or {}).get(s.session_id), quality)}  # fmt: skip
    return chosen, good


def record_source(
    trace: dict[str, Any], resolved: dict[str, Any], quality: list[Any] | None
) -> dict[str, Any]:
    """GenerationSourceRecord: the request with its window, turn maximum and quality filters resolved."""
    out: dict[str, Any] = {"sourceConfig": resolved}
    selection = trace.get("selection") or {}
    if "identifiers" in selection:
        ids = selection["identifiers"]
        counts = {
            "sessionIdCount": len(ids.get("sessionIds") or []),
            "traceIdCount": len(ids.get("traceIds") or []),
        }
        out["selection"] = {"identifiers": counts}
    elif "filters" in selection:
        filters = dict(selection["filters"])
        turns = dict(filters.get("turnCount") or {})
        filters["turnCount"] = {**turns, "max": turns.get("max") or trace_select.MAX_TURNS}
        out["selection"] = {"filters": filters}
    limit = (trace.get("sampling") or {}).get("maxScenarios") or generation_work.DEFAULT_MAX_SCENARIOS
    out["sampling"] = {"maxScenarios": limit}
    if trace.get("groundTruth") is not None:
        out["groundTruth"] = {**trace["groundTruth"], "qualityFilters": quality or []}
    if trace.get("redactionConfiguration") is not None:
        out["redactionConfiguration"] = trace["redactionConfiguration"]
    return {"traceGeneration": out}
