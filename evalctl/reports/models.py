"""The `results.json` document: pydantic models that are the single source of its JSON Schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal["1"] = "1"
SCHEMA_ID = "https://evalctl.dev/schemas/results.schema.json"

Source = Literal["aws", "emulator", "local"]
Level = Literal["SESSION", "TRACE", "TOOL_CALL"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Job(_Model):
    """The batch evaluation (or local replay) that produced the results."""

    id: str
    name: str
    status: str = Field(description="GetBatchEvaluation status, e.g. COMPLETED or FAILED")
    source: Source
    arn: str | None = None
    createdAt: str | None = Field(default=None, description="ISO 8601")
    updatedAt: str | None = Field(default=None, description="ISO 8601")
    errorDetails: list[str] = Field(default_factory=list)
    totalSessions: int | None = None
    sessionsCompleted: int | None = None
    sessionsFailed: int | None = None
    sessionsIgnored: int | None = None
    sessionsInProgress: int | None = None


class EvaluatorSummary(_Model):
    """Aggregates for one evaluator (one row per dimension of a multi-dimensional evaluator)."""

    id: str
    name: str
    level: Level | None = None
    dimension: str | None = None
    averageScore: float | None = Field(default=None, description="None when no result was scored")
    evaluated: int = Field(ge=0, description="sessions with at least one scored result")
    failed: int = Field(ge=0, description="sessions with at least one error result")
    labels: dict[str, int] | None = Field(
        default=None,
        description="how often each label was given, for a categorical evaluator (labels, no scores)",
    )


class ResultError(_Model):
    """Why an evaluator could not score a target."""

    type: str
    message: str = ""


class ResultEntry(_Model):
    """One evaluator's verdict on one target (the session, a trace or a tool-call span)."""

    evaluatorId: str
    evaluatorName: str | None = None
    level: Level | None = None
    dimension: str | None = None
    traceId: str | None = None
    spanId: str | None = None
    value: float | None = None
    label: str | None = None
    explanation: str | None = None
    error: ResultError | None = None


class SessionResults(_Model):
    """Every result for one session, sorted by evaluator then target."""

    sessionId: str
    scenarioId: str | None = Field(default=None, description="the dataset scenario a dataset job ran")
    results: list[ResultEntry]


class RootCause(_Model):
    """A root cause inside an insight cluster, with the fix the service recommends."""

    name: str
    rootCause: str = ""
    recommendation: str = ""
    affectedSessionCount: int = 0
    sessions: list[str] = Field(default_factory=list)


class InsightCluster(_Model):
    """A failure category, user intent or execution pattern shared by several sessions."""

    kind: Literal["failure", "userIntent", "executionSummary", "insight"]
    name: str
    description: str = ""
    affectedSessionCount: int = 0
    sessions: list[str] = Field(default_factory=list)
    rootCauses: list[RootCause] = Field(default_factory=list)


class Insights(_Model):
    """Insight clusters normalized for rendering, plus the API's own members untouched."""

    clusters: list[InsightCluster] = Field(default_factory=list)
    raw: dict[str, Any] = Field(
        default_factory=dict,
        description="failureAnalysisResult, userIntentResult, executionSummaryResult, insightResults",
    )


class GateRecord(_Model):
    """A gate verdict as evalctl.reports.gates.GateVerdict.to_dict() writes it."""

    kind: str
    gate: dict[str, Any]
    passed: bool
    message: str
    observed: float | int | None = None
    threshold: float | int
    details: dict[str, Any] = Field(default_factory=dict)


class ActorUsage(_Model):
    """Tokens the actor model of a simulated run spent, only as the model reported them."""

    calls: int = Field(ge=0, description="actor calls that were answered (the preflight included)")
    inputTokens: int | None = None
    outputTokens: int | None = None
    totalTokens: int | None = None
    note: str | None = Field(default=None, description="e.g. 'not reported by the model'; no count guessed")

    def describe(self) -> str:
        """One line for the summaries, e.g. `120 in + 30 out tokens (4 call(s))`."""
        if not self.calls:
            return "no actor call was answered"
        counted = (
            None if self.inputTokens is None else f"{self.inputTokens} in + {self.outputTokens} out tokens"
        )
        said = ", ".join(part for part in (counted, self.note) if part)
        return f"{said} ({self.calls} call(s))"


class ScenarioFailure(_Model):
    """A simulated scenario that did not run to its end, and what became of the turns it had."""

    scenarioId: str
    error: str
    turns: int = Field(ge=0, description="agent turns that happened before it failed")
    scored: bool = Field(description="those turns are in the scores")


class Simulation(_Model):
    """How `evalctl simulate`'s conversations went; per scenario detail is in simulation.json."""

    scenarios: int = Field(ge=0)
    failed: int = Field(ge=0)
    complete: bool = Field(description="false when a scenario failed: the scores cover a shortened run")
    failures: list[ScenarioFailure] = Field(default_factory=list)
    actorUsage: ActorUsage


class RunResults(_Model):
    """Everything one evaluation run produced; the stable, versioned `results.json`."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_ID, "title": "evalctl results.json"}
    )

    schemaVersion: Literal["1"] = SCHEMA_VERSION
    job: Job
    evaluators: list[EvaluatorSummary]
    sessions: list[SessionResults]
    insights: Insights = Field(default_factory=Insights)
    gates: list[GateRecord] = Field(default_factory=list)
    simulation: Simulation | None = Field(default=None, description="set by `evalctl simulate`")

    def to_json_dict(self) -> dict[str, Any]:
        """The document as written to results.json (absent optional fields are omitted)."""
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> RunResults:
        """Read a results.json document back (raises pydantic.ValidationError when malformed)."""
        return cls.model_validate(data)

    def evaluation_results(self) -> dict[str, Any]:
        """The GetBatchEvaluation `evaluationResults` shape, so gates judge local runs too."""
        summaries = []
        for row in self.evaluators:
            entry: dict[str, Any] = {"evaluatorId": row.id, "totalEvaluated": row.evaluated}
            entry["totalFailed"] = row.failed
            entry["statistics"] = {} if row.averageScore is None else {"averageScore": row.averageScore}
            if row.dimension:
                entry["evaluationDimensionName"] = row.dimension
            summaries.append(entry)
        return {
            "numberOfSessionsCompleted": self.job.sessionsCompleted or 0,
            "numberOfSessionsFailed": self.job.sessionsFailed or 0,
            "totalNumberOfSessions": self.job.totalSessions or 0,
            "evaluatorSummaries": summaries,
        }

    def with_gates(self, verdicts: list[dict[str, Any]]) -> RunResults:
        """A copy carrying these gate verdicts (GateVerdict.to_dict() output)."""
        return self.model_copy(update={"gates": [GateRecord.model_validate(v) for v in verdicts]})


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of results.json, deterministic, with a generated-by header."""
    schema = RunResults.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "Generated by evalctl.reports.models.json_schema(); do not edit. "
        "Regenerate: python -m evalctl.reports.schema --write",
        **schema,
    }
