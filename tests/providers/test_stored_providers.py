"""`__provider` blobs stored by earlier releases still work: the real provider server (pulumi.dynamic's own
deserializer) loads each one with today's code and runs refresh and destroy with it against the emulator.

The blobs in tests/data/provider_blobs/ were written by tests/program/old_providers.py from the commits
named in each file (the first round of providers, the one that added datasets and the insight store, and
the last release under the old names). Every class path they refer to still exists, so no shim module
is needed; a class that moves must stay importable at its old path (tests/program/test_provider_paths.py).
The server is configured with the config keys as those releases spelled them (`agentcore-evaluations:*`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from evalctl import naming
from tests.providers.harness import ProviderServer, ResourceState, urn, wait_until
from tests.providers.specs import custom_evaluators, evaluator_props, evaluator_urn, online_props, online_urn

BLOBS = Path(__file__).resolve().parents[1] / "data" / "provider_blobs"
RELEASES = {path.stem: json.loads(path.read_text()) for path in sorted(BLOBS.glob("*.json"))}
STORED = sorted((commit, path) for commit, found in RELEASES.items() for path in found["providers"])
MISSING = "absent_test-0123456789"


def stored(commit: str, path: str) -> dict[str, Any]:
    """The `__provider` input as state holds it: the stored blob, secret."""
    return rpc.wrap_rpc_secret(RELEASES[commit]["providers"][path])


def with_old_provider(state: ResourceState, commit: str, path: str) -> ResourceState:
    """`state` as an earlier release left it: its outputs carry that release's provider."""
    return ResourceState(
        state.urn, state.id, state.inputs, {**state.outputs, "__provider": stored(commit, path)}
    )


@pytest.fixture(scope="module")
def old_config_server(_emulator_session: Any) -> Iterator[ProviderServer]:
    """A provider server configured through the old config namespace only."""
    old = naming.LEGACY_PROJECT
    config = {f"{old}:endpoint": _emulator_session.endpoint, "aws:region": "us-east-1",
              f"{old}:retryBaseSeconds": "0.02", f"{old}:pollSeconds": "0.05"}  # fmt: skip
    with ProviderServer(config=config) as server:
        yield server


def test_fixtures_cover_every_provider_of_each_release() -> None:
    assert len(RELEASES) >= 2, "an early release and the last one under the old names"
    for commit, found in RELEASES.items():
        assert found["commit"].startswith(commit) and found["subject"]
        assert {"components.evaluator.EvaluatorProvider", "components.gate.GateProvider"} <= set(
            found["providers"]
        )


@pytest.mark.parametrize("commit", sorted(RELEASES))
def test_old_evaluator_and_online_providers_refresh_and_destroy(
    old_config_server: ProviderServer, emulator: Any, commit: str
) -> None:
    control = emulator.client("bedrock-agentcore-control")
    tone = old_config_server.up(evaluator_urn(), evaluator_props())
    online = old_config_server.up(online_urn("live"), online_props("live", [tone.id]))
    for state, path in ((tone, "components.evaluator.EvaluatorProvider"),
                        (online, "components.online_evaluation.OnlineEvaluationProvider")):  # fmt: skip
        old = with_old_provider(state, commit, path)
        refreshed = old_config_server.refresh(old)
        assert refreshed is not None and refreshed.id == state.id, path
        assert refreshed.outputs.get("status") == "ACTIVE", path
    online_old = with_old_provider(online, commit, "components.online_evaluation.OnlineEvaluationProvider")
    old_config_server.destroy(online_old)
    old_config_server.destroy(with_old_provider(tone, commit, "components.evaluator.EvaluatorProvider"))
    assert wait_until(lambda: custom_evaluators(control) == [], timeout=10), "the old provider deleted it"
    gone = control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
    assert [c for c in gone if c.get("status") != "DELETING"] == []


@pytest.mark.parametrize(("commit", "path"), STORED)
def test_every_old_provider_resolves_and_reads_through_the_emulator(
    old_config_server: ProviderServer, emulator: Any, commit: str, path: str
) -> None:
    kind = path.split(".")[1]
    state = ResourceState(
        urn(f"old-{kind}", f"dynamic/{kind}:x"), MISSING, {}, {"__provider": stored(commit, path)}
    )
    emulator.admin.clear_call_counts()
    if kind == "gate":  # the verdict lives only in state: read hands it back, delete touches nothing
        refreshed = old_config_server.refresh(
            ResourceState(state.urn, "gate-1", {}, {**state.outputs, "passed": True})
        )
        assert refreshed is not None and refreshed.outputs["passed"] is True
        old_config_server.destroy(state)
        assert emulator.admin.call_counts() == {}
        return
    if kind == "insight_store":  # the singleton always exists: read it, and destroy restores its defaults
        refreshed = old_config_server.refresh(ResourceState(state.urn, "default", {}, state.outputs))
        live = emulator.client("bedrock-agentcore-control").get_agent_insight_store(
            agentInsightStoreId="default"
        )
        assert refreshed is not None and refreshed.outputs["status"] == live["status"]
        old_config_server.destroy(ResourceState(state.urn, "default", {}, state.outputs))
    else:  # refresh of a resource that is gone says so; destroying it again succeeds
        assert old_config_server.refresh(state) is None
        old_config_server.destroy(state)
    assert emulator.admin.call_counts(), "the old provider called the emulator (configured via the old keys)"
