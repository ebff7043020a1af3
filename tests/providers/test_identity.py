"""One AWS identity: the dynamic providers take credentials from the stack's `aws:*` config."""

from __future__ import annotations

import json

import pytest

from tests.providers.conftest import server_config
from tests.providers.harness import ProviderError, ProviderServer
from tests.providers.specs import custom_evaluators, evaluator_props, evaluator_urn

# No credentials in the environment or in files: only the stack config can supply them.
NO_ENV_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_CONFIG_FILE": "/nonexistent",
}


def start(emulator, **aws):
    config = server_config(emulator.endpoint, pollSeconds="0.05")
    config.update({f"aws:{k}": v for k, v in aws.items()})
    return ProviderServer(config=config, env=NO_ENV_CREDENTIALS)


def test_without_stack_credentials_nothing_is_called(fast_emulator):
    with start(fast_emulator) as server, pytest.raises(ProviderError, match="credentials"):
        server.up(evaluator_urn(), evaluator_props())


def test_stack_access_keys_and_an_assumed_role_are_used(fast_emulator):
    role = json.dumps({"roleArn": "arn:aws:iam::123456789012:role/deployer", "sessionName": "ci"})
    with start(fast_emulator, accessKey="AKIDSTACK", secretKey="stack-secret", assumeRole=role) as server:
        fast_emulator.admin.clear_call_counts()
        state = server.up(evaluator_urn(), evaluator_props())
    assert fast_emulator.admin.call_counts().get("AssumeRole") == 1, "the role chain was assumed once"
    assert [
        e["evaluatorId"] for e in custom_evaluators(fast_emulator.client("bedrock-agentcore-control"))
    ] == [state.id]


def test_a_setting_the_providers_cannot_honour_is_refused_with_the_fix(fast_emulator):
    with (
        start(fast_emulator, sharedCredentialsFiles='["/x"]') as server,
        pytest.raises(ProviderError, match="aws:sharedCredentialsFiles"),
    ):
        server.up(evaluator_urn(), evaluator_props())
    assert custom_evaluators(fast_emulator.client("bedrock-agentcore-control")) == []
