"""Pieces shared by every kind: the document envelope, references and name patterns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

API_VERSION = "evalctl/v1alpha1"
# Kind -> schema file stem (schemas/<stem>.schema.json); the order of the dispatch schema.
KIND_FILES: dict[str, str] = {
    "Evaluator": "evaluator",
    "OnlineEvaluation": "online-evaluation",
    "BatchEvaluation": "batch-evaluation",
    "GroundTruth": "ground-truth",
    "Role": "role",
    "LogGroup": "log-group",
    "EvaluatorTest": "evaluator-test",
    "Dataset": "dataset",
    "InsightStore": "insight-store",
}
NAME_PATTERN = "^[a-z][a-z0-9-]{0,39}$"
BUILTIN = r"Builtin\.[a-zA-Z0-9._-]+"
THIRD_PARTY = r"ThirdParty\.[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+"
AGENTCORE_ID = r"[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}"
EVALUATOR_ARN = r"arn:aws[a-zA-Z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:evaluator/" + AGENTCORE_ID
LOGICAL = "[a-z][a-z0-9-]{0,39}"
# botocore's EvaluatorId/InsightId patterns; the spec lint (refs.py) explains values that miss them.
EVALUATOR_REF_PATTERN = f"^(?:{BUILTIN}|{THIRD_PARTY}|{LOGICAL}|{AGENTCORE_ID}|{EVALUATOR_ARN})$"
INSIGHT_REF_PATTERN = f"^(?:{BUILTIN}|{AGENTCORE_ID})$"

EvaluatorRef = Annotated[
    str,
    Field(
        description="A built-in or third-party id (Builtin.Helpfulness), an Evaluator's metadata.name, "
        "or a literal evaluator id or ARN.",
        json_schema_extra={"pattern": EVALUATOR_REF_PATTERN},
    ),
]
InsightRef = Annotated[
    str,
    Field(
        description="An insight id such as Builtin.Insight.FailureAnalysis.",
        json_schema_extra={"pattern": INSIGHT_REF_PATTERN},
    ),
]
LogicalRef = Annotated[
    str,
    Field(description="The metadata.name of another spec.", json_schema_extra={"pattern": f"^{LOGICAL}$"}),
]


class Metadata(BaseModel):
    """Identity of a spec: its logical name (unique per kind), labels and an optional import id."""

    model_config = ConfigDict(extra="forbid", title="Metadata")
    name: str = Field(
        description="Logical name, unique per kind, used by references.",
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    labels: dict[str, str] | None = Field(
        None, description="Free-form labels (team, owner, ...).", json_schema_extra={"maxProperties": 50}
    )
    importId: str | None = Field(
        None,
        description="Adopt this existing AWS resource (evaluator or online evaluation config id) "
        "instead of creating one.",
        min_length=1,
        max_length=256,
    )


def document_model(kind: str, spec: type[BaseModel], description: str) -> type[BaseModel]:
    """The whole document of a kind: apiVersion, kind, metadata and its spec."""
    config = ConfigDict(extra="forbid", title=kind, json_schema_extra={"description": description})
    fields: dict[str, Any] = {
        "apiVersion": (Literal["evalctl/v1alpha1"], Field(description="Always evalctl/v1alpha1.")),
        "kind": (Literal[kind], Field(description="The kind of resource this document declares.")),
        "metadata": (Metadata, Field()),
        "spec": (spec, Field()),
    }
    return create_model(f"{kind}Document", __config__=config, **fields)
