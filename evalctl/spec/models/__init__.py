"""Spec models: one module per kind, built on the API shapes of botocore's service models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalctl.spec.models.common import KIND_FILES

if TYPE_CHECKING:
    from pydantic import BaseModel

    KINDS: dict[str, tuple[str, type[BaseModel]]]

__all__ = ["KINDS", "KIND_FILES"]


def _build() -> dict[str, tuple[str, type[BaseModel]]]:
    """Kind -> (schema file stem, document model), in the order of the dispatch schema."""
    from evalctl.spec.models.dataset import DatasetDocument
    from evalctl.spec.models.evaluation import (
        BatchEvaluationDocument,
        EvaluatorDocument,
        GroundTruthDocument,
        OnlineEvaluationDocument,
    )
    from evalctl.spec.models.infra import LogGroupDocument, RoleDocument
    from evalctl.spec.models.insight_store import InsightStoreDocument
    from evalctl.spec.models.recommendation import RecommendationDocument
    from evalctl.spec.models.testing import EvaluatorTestDocument

    models = {
        "Evaluator": EvaluatorDocument,
        "OnlineEvaluation": OnlineEvaluationDocument,
        "BatchEvaluation": BatchEvaluationDocument,
        "GroundTruth": GroundTruthDocument,
        "Role": RoleDocument,
        "LogGroup": LogGroupDocument,
        "EvaluatorTest": EvaluatorTestDocument,
        "Dataset": DatasetDocument,
        "InsightStore": InsightStoreDocument,
        "Recommendation": RecommendationDocument,
    }
    return {kind: (stem, models[kind]) for kind, stem in KIND_FILES.items()}


def __getattr__(name: str) -> Any:
    # Building the models from botocore costs most of a second; `evalctl validate` only needs the
    # committed schemas, so the models are built on first use (schema generation, providers).
    if name == "KINDS":
        kinds = _build()
        globals()["KINDS"] = kinds
        return kinds
    raise AttributeError(name)
