"""EvaluatorTest: unit tests for evaluators, replayed locally on recorded sessions by `evalctl test`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from evalctl.spec.models.common import EvaluatorRef, LogicalRef, document_model


class Expectation(BaseModel):
    """What the evaluator must score for one session, trace or tool call."""

    model_config = ConfigDict(extra="forbid", title="Expectation")
    sessionId: str | None = Field(None, min_length=1)
    traceId: str | None = Field(None, min_length=1)
    spanId: str | None = Field(None, min_length=1)
    label: str | None = Field(None, min_length=1, description="The exact label expected.")
    minValue: float | None = Field(None, description="Lowest acceptable value (inclusive).")
    maxValue: float | None = Field(None, description="Highest acceptable value (inclusive).")
    reason: str | None = Field(None, description="Why this is expected, shown when it fails.")


class EvaluatorTestSpec(BaseModel):
    """An evaluator, the recorded sessions to replay it on, and what it must score."""

    model_config = ConfigDict(extra="forbid", title="EvaluatorTestSpec")
    evaluator: EvaluatorRef
    sessions: str | list[str] = Field(description="Span file(s) or glob(s), relative to the spec file.")
    groundTruth: LogicalRef | None = None
    expect: list[Expectation] = Field(min_length=1)


EvaluatorTestDocument = document_model(
    "EvaluatorTest", EvaluatorTestSpec, "Replay an evaluator locally and check it."
)
