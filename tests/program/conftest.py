"""Fixtures of the program tests: one provider server per test process, bound to the session emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.program.deploy import provider_config
from tests.providers.harness import ProviderServer


@pytest.fixture(scope="session")
def provider_server(_emulator_session: Any) -> Iterator[ProviderServer]:
    """The real `python -m pulumi.dynamic` server; it takes a second or two to start, so start it once."""
    with ProviderServer(config=provider_config(_emulator_session)) as server:
        yield server
