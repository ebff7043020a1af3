"""InsightStore: the account's service-defined Agent Insight Store, adopted (never created or deleted)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalctl.service_models import CONTROL, input_shape
from evalctl.spec.models.api import anchored
from evalctl.spec.models.common import document_model


def _key_pattern() -> Any:
    """The kmsKeyArn pattern of UpdateAgentInsightStore, straight from botocore's model."""
    config = input_shape(CONTROL, "UpdateAgentInsightStore").members["encryptionConfiguration"]
    return config.members["kmsKeyArn"].metadata["pattern"]


class InsightStoreEncryption(BaseModel):
    """How new Agent Insights are encrypted at rest."""

    model_config = ConfigDict(extra="forbid", title="InsightStoreEncryption")
    mode: Literal["AWS_OWNED_KMS_KEY", "CUSTOMER_MANAGED_KMS"] = Field(
        description="AWS_OWNED_KMS_KEY (the default), or CUSTOMER_MANAGED_KMS with kmsKeyArn."
    )
    kmsKeyArn: str | None = Field(
        None,
        description="Required with CUSTOMER_MANAGED_KMS; not allowed with AWS_OWNED_KMS_KEY.",
        json_schema_extra={"pattern": anchored(_key_pattern())},
    )


class InsightStoreSpec(BaseModel):
    """The settings of the Region's one Agent Insight Store; removing the spec restores the defaults."""

    model_config = ConfigDict(extra="forbid", title="InsightStoreSpec")
    enablementStatus: Literal["ENABLED", "DISABLED"] = Field(
        "ENABLED",
        description="Whether the store accepts new Agent Insights (the service's default is DISABLED).",
    )
    encryptionConfiguration: InsightStoreEncryption | None = Field(
        None, description="Encryption of new insights; omitted means AWS_OWNED_KMS_KEY."
    )


InsightStoreDocument = document_model(
    "InsightStore",
    InsightStoreSpec,
    "The account's Agent Insight Store in the stack's Region: enablement and encryption (adopted).",
)
