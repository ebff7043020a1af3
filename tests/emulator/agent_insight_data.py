"""Seeds a session whose `multiply_numbers` tool call failed, and runs a FailureAnalysis batch on it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

SERVICE = "calc_agent.DEFAULT"
APPLICATION = "calc_agent"
SESSION = "29fb7129-8624-4bd2-b37b-dea182f63ce8"
ERROR = "Request timed out after 30 s"


def failing_spans(span_fixtures: Path, folder: Path) -> Path:
    """The OpenAI Agents capture with its multiply_numbers span turned into a failed call."""
    rows = json.loads((span_fixtures / "openai_agents_openinference_adot_spans.json").read_text())
    for row in rows:
        if (row.get("attributes") or {}).get("tool.name") == "multiply_numbers":
            row["status"] = {"code": "ERROR", "message": ERROR}
    path = folder / "failing_spans.json"
    path.write_text(json.dumps(rows))
    return path


def enable_store(emulator: Any, control: Any) -> None:
    control.update_agent_insight_store(agentInsightStoreId="default", enablementStatus="ENABLED")
    emulator.admin.advance_clock(emulator.admin.configure()["insight_store_seconds"] + 1)


def finished_batch(emulator: Any, data: Any, name: str = "triage") -> str:
    """A completed batch evaluation with FailureAnalysis over the seeded session; its id."""
    job = data.start_batch_evaluation(
        batchEvaluationName=name,
        insights=[{"insightId": "Builtin.Insight.FailureAnalysis"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE]}},
    )
    emulator.admin.advance_clock(120)
    job_id = str(job["batchEvaluationId"])
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "COMPLETED"
    return job_id


def tour(emulator: Any, control: Any, data: Any, span_fixtures: Path) -> None:
    """Each Agent Insight and store operation once, for the conformance tour."""
    control.list_agent_insight_stores()
    enable_store(emulator, control)
    control.get_agent_insight_store(agentInsightStoreId="default")
    with tempfile.TemporaryDirectory() as folder:
        emulator.admin.seed([failing_spans(span_fixtures, Path(folder))], SERVICE)
    finished_batch(emulator, data, "insight_tour")
    [insight] = data.list_agent_insights(applicationName=APPLICATION)["agentInsights"]
    ident = {"agentInsightId": insight["agentInsightId"], "applicationName": APPLICATION}
    data.get_agent_insight(**ident)
    data.update_agent_insight(**ident, archiveStatus="ARCHIVED")
