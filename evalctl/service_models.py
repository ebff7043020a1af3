"""botocore's service models of the two AgentCore services: their names and a cached loader."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import ServiceModel, StructureShape
    from botocore.session import Session

CONTROL = "bedrock-agentcore-control"
DATA = "bedrock-agentcore"


@cache
def _session() -> Session:
    # Imported when first used: `evalctl.aws` takes the service names from here and stays light.
    import botocore.session

    return botocore.session.get_session()


@cache
def service_model(name: str) -> ServiceModel:
    """The installed botocore model of one service (cached: loading it takes tens of milliseconds)."""
    return _session().get_service_model(name)


def paginator_config(service: str, operation: str) -> dict[str, Any]:
    """botocore's pagination config of one operation (tokens, limit and result keys)."""
    config: dict[str, Any] = _session().get_paginator_model(service).get_paginator(operation)
    return config


def input_shape(service: str, operation: str) -> StructureShape:
    """The input shape of one operation (every AgentCore operation we call has one)."""
    shape = service_model(service).operation_model(operation).input_shape
    assert shape is not None, f"{service} {operation} takes no input"
    return shape
