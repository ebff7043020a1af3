"""Dataset: evaluation scenarios kept in git (inline or in .jsonl/.yaml files) or in S3."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalctl.service_models import CONTROL, input_shape
from evalctl.spec.models.api import anchored
from evalctl.spec.models.common import document_model
from evalctl.spec.patterns import S3_URI


def _limit(member: str, key: str) -> Any:
    """One constraint of a CreateDataset member, straight from botocore's model."""
    return input_shape(CONTROL, "CreateDataset").members[member].metadata[key]


class S3Source(BaseModel):
    """A JSONL file in S3, for scenarios that cannot live in git."""

    model_config = ConfigDict(extra="forbid", title="S3Source")
    s3Uri: str = Field(
        description="s3://bucket/key of a JSONL file, one scenario per line.",
        json_schema_extra={"pattern": anchored(S3_URI)},
    )
    revision: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="Ours, not sent to AWS: change it (e.g. to the object's ETag or version id) after "
        "rewriting the object so that `pulumi up` reads it again; nothing else notices a new object.",
    )


class DatasetSpec(BaseModel):
    """The scenarios of one AgentCore dataset and how they are published."""

    model_config = ConfigDict(extra="forbid", title="DatasetSpec")
    datasetName: str | None = Field(
        None,
        description="Physical name; default `<metadata.name>_<stack>` with '-' as '_'.",
        json_schema_extra={"pattern": anchored(_limit("datasetName", "pattern"))},
    )
    schemaType: Literal["AGENTCORE_EVALUATION_PREDEFINED_V1", "AGENTCORE_EVALUATION_SIMULATED_V1"] = Field(
        "AGENTCORE_EVALUATION_PREDEFINED_V1", description="The scenario type; immutable after creation."
    )
    description: str | None = Field(None, max_length=200)
    scenarios: list[dict[str, Any]] | None = Field(
        None, description="Scenarios written inline (the SDK's scenario fields, snake_case)."
    )
    files: list[str] | None = Field(
        None,
        min_length=1,
        description="Scenario files relative to this spec: .jsonl (one scenario per line) or "
        ".yaml/.yml (a list of scenarios).",
    )
    s3Source: S3Source | None = Field(
        None,
        description="Scenarios from S3 instead of git: read at creation, and again when `s3Uri` or "
        "`revision` changes.",
    )
    publish: bool = Field(
        False, description="Create a dataset version whenever the scenarios change; batches can pin it."
    )
    kmsKeyArn: str | None = Field(
        None, json_schema_extra={"pattern": anchored(_limit("kmsKeyArn", "pattern"))}
    )
    tags: dict[str, str] | None = Field(None, json_schema_extra={"maxProperties": 50})


DatasetDocument = document_model(
    "Dataset", DatasetSpec, "Evaluation scenarios (predefined or simulated) as an AgentCore dataset."
)
