"""evalctl: Amazon Bedrock AgentCore Evaluations as code (core, no Pulumi dependency)."""

from __future__ import annotations

__version__ = "0.1.0"
API_VERSION = "evalctl/v1alpha1"
