"""Role and LogGroup: the IAM roles and CloudWatch log groups the evaluation resources need."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalctl.spec.models.common import document_model

GrantTemplate = Literal[
    "batchEvaluationCaller",
    "invokeEvaluatorModels",
    "onlineEvaluationExecution",
    "codeEvaluatorExecution",
    "ciDeployer",
    "ciEvaluator",
]
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
StringOrList = str | list[str]


class ScopedGrant(BaseModel):
    """A grant narrowed to some of the stack's specs (by metadata.name)."""

    model_config = ConfigDict(extra="forbid", title="ScopedGrant")
    template: GrantTemplate
    resources: list[str] = Field(min_length=1, description="metadata.name of the specs the grant may touch.")


class Statement(BaseModel):
    """A raw IAM policy statement, added as it is."""

    model_config = ConfigDict(extra="forbid", title="Statement")
    Sid: str | None = Field(None, json_schema_extra={"pattern": "^[A-Za-z0-9]*$"})
    Effect: Literal["Allow", "Deny"]
    Action: StringOrList | None = None
    NotAction: StringOrList | None = None
    Resource: StringOrList | None = None
    NotResource: StringOrList | None = None
    Condition: dict[str, dict[str, Any]] | None = None


class RoleSpec(BaseModel):
    """An IAM role with least-privilege grants generated from the specs."""

    model_config = ConfigDict(extra="forbid", title="RoleSpec")
    roleName: str | None = Field(
        None,
        description="Physical name; defaults to metadata.name plus the stack.",
        json_schema_extra={"pattern": r"^[\w+=,.@-]{1,64}$"},
    )
    description: str | None = Field(None, max_length=1000)
    assumedBy: list[str] = Field(
        min_length=1, description="Service principals or role ARNs that may assume it."
    )
    grants: list[GrantTemplate | ScopedGrant] | None = Field(
        None, description="Least-privilege policy templates."
    )
    statements: list[Statement] | None = Field(None, description="Extra raw IAM statements.")
    maxSessionDuration: int | None = Field(None, ge=3600, le=43200)
    permissionsBoundary: str | None = Field(None, json_schema_extra={"pattern": "^arn:aws[a-z-]*:iam::"})
    tags: dict[str, str] | None = Field(None, json_schema_extra={"maxProperties": 50})


class LogGroupSpec(BaseModel):
    """A CloudWatch log group, e.g. for online evaluation results."""

    model_config = ConfigDict(extra="forbid", title="LogGroupSpec")
    logGroupName: str | None = Field(
        None,
        description="Physical name; defaults to /evalctl/<stack>/<name>.",
        json_schema_extra={"pattern": r"^[.\-_/#A-Za-z0-9]{1,512}$"},
    )
    retentionInDays: int | None = Field(
        None,
        description="One of CloudWatch's allowed retention periods.",
        json_schema_extra={"enum": list(RETENTION_DAYS)},
    )
    kmsKeyId: str | None = Field(None, max_length=256)
    logGroupClass: Literal["STANDARD", "INFREQUENT_ACCESS"] | None = None
    tags: dict[str, str] | None = Field(None, json_schema_extra={"maxProperties": 50})


RoleDocument = document_model("Role", RoleSpec, "An IAM role for evaluations, CI or code-based evaluators.")
LogGroupDocument = document_model("LogGroup", LogGroupSpec, "A CloudWatch log group.")
