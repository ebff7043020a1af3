"""Fixtures for tier-2 provider tests: one provider server per module, aimed at the shared emulator."""

from __future__ import annotations

import pytest

from tests.providers.harness import ProviderServer

REGION = "us-east-1"


def server_config(endpoint: str, **extra: str) -> dict[str, str]:
    config = {"evalctl:endpoint": endpoint, "aws:region": REGION}
    config.update({f"evalctl:{k}": v for k, v in extra.items()})
    return config


@pytest.fixture(scope="module")
def provider_server(_emulator_session):
    """A provider server retrying 8 times with our backoff from 20 ms (botocore's starts near 1 s)."""
    config = server_config(
        _emulator_session.endpoint, maxAttempts="8", retryBaseSeconds="0.02", pollSeconds="0.06"
    )
    with ProviderServer(config=config) as server:
        yield server


@pytest.fixture
def fast_emulator(emulator):
    """The emulator with short lifecycles: CREATING shows in the create response, ACTIVE on the next call."""
    emulator.admin.configure(resource_seconds=0.0, delete_seconds=0.05)
    return emulator
