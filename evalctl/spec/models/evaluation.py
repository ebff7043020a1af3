"""Evaluator, OnlineEvaluation, BatchEvaluation and GroundTruth: the API request shapes plus our additions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalctl.service_models import CONTROL, DATA, input_shape
from evalctl.spec.models.api import Generator, Tailoring, anchored
from evalctl.spec.models.common import EvaluatorRef, InsightRef, LogicalRef, document_model

CAMEL_RUNTIMES = ("python3.11", "python3.12", "python3.13")
LOOKBACK_PATTERN = "^[1-9][0-9]{0,4}[dhm]$"


class FunctionSource(BaseModel):
    """A Lambda function the stack packages from a folder next to the spec and deploys for the evaluator."""

    model_config = ConfigDict(extra="forbid", title="FunctionSource")
    source: str = Field(
        description="Folder holding the handler's code, relative to the spec file.", min_length=1
    )
    handler: str = Field(
        "handler.handler",
        description="module.function of the handler inside `source`.",
        json_schema_extra={"pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$"},
    )
    timeoutSeconds: int = Field(60, ge=1, le=300, description="Lambda and evaluator timeout, 1 to 300 s.")
    memoryMb: int = Field(256, ge=128, le=10240, description="Lambda memory size in MB.")
    include: list[str] = Field(
        default_factory=list,
        description="Paths (relative to `source`) of secret-looking files (.env, *.pem, ...) to package "
        "anyway; by default they are left out with a warning.",
    )
    runtime: Literal["python3.11", "python3.12", "python3.13"] = Field(
        "python3.12", description="Lambda runtime."
    )


class MinAverageScoreGate(BaseModel):
    """Fail when an evaluator's average score is below a threshold."""

    model_config = ConfigDict(extra="forbid", title="MinAverageScoreGate")
    evaluator: EvaluatorRef
    minAverageScore: float = Field(description="Lowest acceptable average score (inclusive).")


class MaxFailedSessionsGate(BaseModel):
    """Fail when more sessions than this failed to evaluate."""

    model_config = ConfigDict(extra="forbid", title="MaxFailedSessionsGate")
    maxFailedSessions: int = Field(ge=0, description="Most sessions that may fail.")


class MinSessionsEvaluatedGate(BaseModel):
    """Fail when fewer sessions than this were evaluated."""

    model_config = ConfigDict(extra="forbid", title="MinSessionsEvaluatedGate")
    minSessionsEvaluated: int = Field(ge=1, description="Fewest sessions that must be evaluated.")


class DatasetRef(BaseModel):
    """The Dataset spec whose scenarios a batch sends to its agent, and which published version."""

    model_config = ConfigDict(extra="forbid", title="DatasetRef")
    name: LogicalRef = Field(description="A Dataset spec's metadata.name.")
    version: int | Literal["latest"] = Field(
        "latest",
        description="A published version number, or `latest` (the newest published one). The DRAFT "
        "can't be run.",
        json_schema_extra={"minimum": 1},
    )


def _endpoint_pattern() -> str:
    shape = input_shape(DATA, "StartBatchEvaluation").members["datasetExecutionConfig"]
    runtime = shape.members["agentInvocation"].members["agentCoreRuntime"]
    return anchored(str(runtime.members["agentRuntimeEndpointArn"].metadata["pattern"]))


Gate = MinAverageScoreGate | MaxFailedSessionsGate | MinSessionsEvaluatedGate


def _evaluator_spec() -> type[BaseModel]:
    tailoring = Tailoring(
        remove={("CreateEvaluatorRequest", "clientToken")},
        optional={("CreateEvaluatorRequest", "evaluatorName")},
        replace={("DerivedEvaluatorConfig", "baseEvaluatorId"): (EvaluatorRef, Field())},
        extra={"CodeBasedEvaluatorConfig": {"function": (FunctionSource | None, Field(None))}},
        prefix="",
    )
    return Generator(tailoring).model(input_shape(CONTROL, "CreateEvaluator"))


def _online_spec() -> type[BaseModel]:
    req = "CreateOnlineEvaluationConfigRequest"
    role = Field(
        description="The execution role: a Role spec's metadata.name or a role ARN.",
        min_length=1,
        max_length=2048,
    )
    tailoring = Tailoring(
        remove={(req, "clientToken")},
        optional={(req, "onlineEvaluationConfigName"), (req, "enableOnCreate")},
        replace={
            (req, "evaluators"): (list[EvaluatorRef], Field(min_length=1, max_length=25)),
            (req, "insights"): (list[InsightRef] | None, Field(None, max_length=10)),
            (req, "evaluationExecutionRoleArn"): (str, role),
        },
    )
    return Generator(tailoring).model(input_shape(CONTROL, "CreateOnlineEvaluationConfig"))


def _batch_spec() -> type[BaseModel]:
    req = "StartBatchEvaluationRequest"
    lookback = Field(
        None,
        description="Instead of timeRange: the window ending now, e.g. 1d, 12h, 30m.",
        json_schema_extra={"pattern": LOOKBACK_PATTERN},
    )
    ours: dict[str, tuple[Any, Any]] = {
        "groundTruth": (LogicalRef | None, Field(None, description="A GroundTruth spec's metadata.name.")),
        "gates": (
            list[Gate] | None,
            Field(None, description="Score gates that fail `pulumi up` and `evalctl run`."),
        ),
        "runKey": (
            str | None,
            Field(None, description="Change it to start a new job with the same spec.", max_length=64),
        ),
        "wait": (
            bool | None,
            Field(None, description="Wait for the job to finish during `pulumi up` (default true)."),
        ),
        "waitTimeoutSeconds": (
            int | None,
            Field(None, ge=1, le=86400, description="How long to wait (default 3600)."),
        ),
    }
    ours.update({
        "dataset": (
            DatasetRef | None,
            Field(None, description="Run this dataset's scenarios against `agent`, then score the sessions."),
        ),
        "agent": (
            str | None,
            Field(
                None,
                description="The agent runtime endpoint ARN a dataset batch invokes (`evalctl run --local "
                "--agent URL` can stand in for it).",
                json_schema_extra={"pattern": _endpoint_pattern()},
            ),
        ),
        "requestTemplate": (
            str | None,
            Field(
                None,
                max_length=10240,
                description='The JSON payload per turn, with "{{turn.input}}" once as a whole string value '
                '(default {"prompt": "{{turn.input}}"}).',
            ),
        ),
    })  # fmt: skip
    tailoring = Tailoring(
        remove={(req, "clientToken"), (req, "datasetExecutionConfig")},
        optional={(req, "batchEvaluationName")},
        replace={
            (req, "evaluators"): (list[EvaluatorRef], Field(min_length=1, max_length=10)),
            (req, "insights"): (list[InsightRef] | None, Field(None, max_length=10)),
        },
        extra={req: ours, "CloudWatchFilterConfig": {"lookback": (str | None, lookback)}},
    )
    return Generator(tailoring).model(input_shape(DATA, "StartBatchEvaluation"))


def _ground_truth_spec() -> type[BaseModel]:
    shape = input_shape(DATA, "StartBatchEvaluation").members["evaluationMetadata"]
    session = Generator(Tailoring()).model(shape.members["sessionMetadata"].member)

    class GroundTruthSpec(BaseModel):
        """Expected behaviour per session: assertions, tool trajectory and per-turn responses."""

        model_config = ConfigDict(extra="forbid", title="GroundTruthSpec")
        sessions: list[session] = Field(min_length=1, max_length=500)  # type: ignore[valid-type]

    return GroundTruthSpec


EvaluatorDocument = document_model(
    "Evaluator", _evaluator_spec(), "An LLM-as-a-judge, code-based or derived evaluator."
)
OnlineEvaluationDocument = document_model(
    "OnlineEvaluation", _online_spec(), "Continuous scoring of live traffic."
)
BatchEvaluationDocument = document_model(
    "BatchEvaluation", _batch_spec(), "A job that scores recorded sessions."
)
GroundTruthDocument = document_model(
    "GroundTruth", _ground_truth_spec(), "Ground truth for recorded sessions."
)
