"""The operation table: AgentCore operation name -> handler(core, params, request) -> response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalctl.emulator import (
    agent_insights,
    batch,
    dataset_examples,
    datasets,
    evaluate,
    evaluators,
    insight_store,
    online,
    tags,
)
from evalctl.emulator.core import Core, Request

Handler = Callable[[Core, dict[str, Any], Request], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    **evaluators.HANDLERS,
    **online.HANDLERS,
    **tags.HANDLERS,
    **batch.HANDLERS,
    **evaluate.HANDLERS,
    **datasets.HANDLERS,
    **dataset_examples.HANDLERS,
    **agent_insights.HANDLERS,
    **insight_store.HANDLERS,
}

# Operations whose success changes state: persisted afterwards, and idempotent by clientToken.
READ_ONLY_PREFIXES = ("Get", "List")


# Reads that may move a batch job along its lifecycle (and write its results): saved too.
SETTLING_READS = (
    "GetBatchEvaluation",
    "ListBatchEvaluations",
    *agent_insights.HANDLERS,
    *insight_store.HANDLERS,
)


def is_mutation(operation: str) -> bool:
    return not operation.startswith(READ_ONLY_PREFIXES) and operation != "Evaluate"
