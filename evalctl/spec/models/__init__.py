"""Spec models: one module per kind, built on the API shapes of botocore's service models."""

from __future__ import annotations

from pydantic import BaseModel

from evalctl.spec.models.evaluation import (
    BatchEvaluationDocument,
    EvaluatorDocument,
    GroundTruthDocument,
    OnlineEvaluationDocument,
)
from evalctl.spec.models.infra import LogGroupDocument, RoleDocument
from evalctl.spec.models.testing import EvaluatorTestDocument

# Kind -> (schema file stem, document model). Order is the order of the generated dispatch schema.
KINDS: dict[str, tuple[str, type[BaseModel]]] = {
    "Evaluator": ("evaluator", EvaluatorDocument),
    "OnlineEvaluation": ("online-evaluation", OnlineEvaluationDocument),
    "BatchEvaluation": ("batch-evaluation", BatchEvaluationDocument),
    "GroundTruth": ("ground-truth", GroundTruthDocument),
    "Role": ("role", RoleDocument),
    "LogGroup": ("log-group", LogGroupDocument),
    "EvaluatorTest": ("evaluator-test", EvaluatorTestDocument),
}
