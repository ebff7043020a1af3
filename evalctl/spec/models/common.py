"""Pieces shared by every kind: the document envelope, references and name patterns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from evalctl.spec.patterns import (
    AGENTCORE_ID,
    API_VERSION,
    BUILTIN,
    EVALUATOR_ARN,
    EVALUATOR_REF_PATTERN,
    INSIGHT_REF_PATTERN,
    KIND_FILES,
    LOGICAL,
    NAME_PATTERN,
    THIRD_PARTY,
)

__all__ = [
    "AGENTCORE_ID",
    "API_VERSION",
    "BUILTIN",
    "EVALUATOR_ARN",
    "EVALUATOR_REF_PATTERN",
    "INSIGHT_REF_PATTERN",
    "KIND_FILES",
    "LOGICAL",
    "NAME_PATTERN",
    "THIRD_PARTY",
    "EvaluatorRef",
    "InsightRef",
    "LogicalRef",
    "Metadata",
    "document_model",
]

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
