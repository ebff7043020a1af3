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
    generations,
    insight_store,
    online,
    recommendations,
    tags,
)
from evalctl.emulator.core import Core, Request

Handler = Callable[[Core, dict[str, Any], Request], dict[str, Any]]


def _after_batches(handler: Handler) -> Handler:
    """Bring every batch job up to emulator time first: a job that just finished writes its insights."""

    def run(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
        for record in list(core.settle(batch.TABLE).values()):
            batch.observe(core, record)
        return handler(core, params, req)

    return run


HANDLERS: dict[str, Handler] = {
    **evaluators.HANDLERS,
    **online.HANDLERS,
    **tags.HANDLERS,
    **batch.HANDLERS,
    **evaluate.HANDLERS,
    **datasets.HANDLERS,
    **dataset_examples.HANDLERS,
    **recommendations.HANDLERS,
    **generations.HANDLERS,
    **{name: _after_batches(handler) for name, handler in agent_insights.HANDLERS.items()},
    **insight_store.HANDLERS,
}

# Operations whose success changes state: persisted afterwards, and idempotent by clientToken.
READ_ONLY_PREFIXES = ("Get", "List")


# Reads that may move a batch job along its lifecycle (and write its results): saved too.
SETTLING_READS = (
    "GetBatchEvaluation",
    "ListBatchEvaluations",
    "GetRecommendation",
    "ListRecommendations",
    "GetDatasetGeneration",
    "ListDatasetGenerations",
    "GetDataset",
    "ListDatasetExamples",
    "ListDatasets",
    *agent_insights.HANDLERS,
    *insight_store.HANDLERS,
)


def is_mutation(operation: str) -> bool:
    return not operation.startswith(READ_ONLY_PREFIXES) and operation != "Evaluate"
