"""The tier-2 harness against a throwaway provider: wire behaviour the real providers rely on."""

from __future__ import annotations

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from tests.providers.harness import ProviderError, ProviderServer, provider_input, urn
from tests.providers.toy import EchoProvider, ShowingProvider

ENDPOINT = "http://127.0.0.1:1"
URN = urn("echo", "dynamic/toy:Echo")


@pytest.fixture(scope="module")
def server():
    config = {"evalctl:endpoint": ENDPOINT}
    with ProviderServer(config=config, env={"TOY_MARKER": "from-env"}) as srv:
        yield srv


@pytest.fixture(scope="module")
def provider():
    return provider_input(EchoProvider())


def test_provider_input_is_the_sdk_serialization_wrapped_as_secret(provider):
    assert rpc.is_rpc_secret(provider), "the program registers __provider as a secret"
    assert provider["value"] == serialize_provider(EchoProvider())


def test_configure_declines_secrets_so_the_engine_unwraps_them(server):
    assert server.accept_secrets is False


def test_config_env_and_numbers_cross_like_in_a_real_run(server, provider):
    _id, outs = server.create(URN, {"name": "a", "size": 7, "__provider": provider})
    assert outs["config"] == ENDPOINT, "Configure's config reaches provider.configure"
    assert outs["env"] == "from-env", "the process environment reaches the provider"
    assert outs["sizeType"] == "float", "ints arrive as doubles (TESTING.md pitfall 3)"


def test_check_failures_name_the_property(server, provider):
    checked = server.check(URN, {}, {"size": 1, "__provider": provider})
    assert checked.failures == [("name", "name is required")]


@pytest.mark.parametrize(
    ("olds", "news", "changes", "replaces", "reason"),
    [
        ({"name": "a", "size": 1}, {"name": "a", "size": 1}, "none", [], "identical inputs"),
        ({"name": "a", "size": 1}, {"name": "a", "size": 2}, "some", [], "an updatable member"),
        ({"name": "a", "size": 1}, {"name": "b", "size": 1}, "some", ["name"], "an immutable member"),
    ],
)
def test_diff_answers_reach_the_engine(server, provider, olds, news, changes, replaces, reason):
    plan = server.diff(URN, "echo-a", {**olds, "__provider": provider}, {**news, "__provider": provider})
    assert (plan.changes, plan.replaces) == (changes, replaces), reason


def test_up_creates_updates_and_replaces(server, provider):
    state = server.up(URN, {"name": "a", "size": 1, "__provider": provider})
    assert state.id == "echo-a"
    same = server.up(URN, {"name": "a", "size": 1, "__provider": provider}, state)
    assert same is state, "no diff, no step"
    updated = server.up(URN, {"name": "a", "size": 2, "__provider": provider}, state)
    assert (updated.id, updated.outputs["size"]) == ("echo-a", 2)
    replaced = server.up(URN, {"name": "b", "size": 2, "__provider": provider}, updated)
    assert replaced.id == "echo-b"


def test_read_of_a_gone_resource_reports_no_id(server, provider):
    id_, outs, _inputs = server.read(URN, "echo-g", {"name": "g", "gone": True, "__provider": provider})
    assert (id_, outs) == ("", {"__provider": provider["value"]}), "ReadResult(None, {}) means gone"


def test_provider_exceptions_come_back_with_their_message(server, provider):
    with pytest.raises(ProviderError) as exc:
        server.delete(URN, "echo-x", {"name": "x", "refuseDelete": True, "__provider": provider})
    assert "cannot delete x: refused on purpose" in exc.value.details


def test_a_refusal_shows_only_its_message_and_a_bug_its_traceback(server):
    """In `python -m pulumi.dynamic` our providers' errors skip the SDK's traceback (components._errors)."""
    showing = provider_input(ShowingProvider())
    with pytest.raises(ProviderError) as refused:
        server.delete(URN, "echo-r", {"name": "r", "refuse": True, "__provider": showing})
    assert refused.value.details.strip() == "evalctl: r: refused on purpose. To fix: ask nicely."
    with pytest.raises(ProviderError) as bug:
        server.delete(URN, "echo-b", {"name": "b", "bug": True, "__provider": showing})
    assert "Traceback (most recent call last)" in bug.value.details
    assert "KeyError: 'no such key'" in bug.value.details and "toy.py" in bug.value.details
