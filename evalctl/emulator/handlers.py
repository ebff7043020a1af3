"""The operation table: AgentCore operation name -> handler(core, params, request) -> response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalctl.emulator import (
    batch,
    dataset_examples,
    datasets,
    evaluate,
    evaluators,
    generations,
    online,
    recommendations,
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
    **recommendations.HANDLERS,
    **generations.HANDLERS,
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
)


def is_mutation(operation: str) -> bool:
    return not operation.startswith(READ_ONLY_PREFIXES) and operation != "Evaluate"
