"""A Create whose engine is killed while it runs: the provider server lives on (its own process group)
and finishes the call, but leaves the resource tagged pending, so the next `up` adopts it."""

from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from evalctl import aws, awsops
from tests.providers.conftest import server_config
from tests.providers.engine_stand_in import descendants, kill_leftovers
from tests.providers.harness import ProviderError, ProviderServer
from tests.providers.specs import custom_evaluators, evaluator_props, evaluator_urn

STAND_IN = (sys.executable, "-m", "tests.providers.engine_stand_in")


def test_a_create_whose_engine_is_killed_leaves_its_resource_pending(emulator):
    emulator.admin.configure(resource_seconds=1.0)  # CREATING for a second: the kill lands mid-create
    config = server_config(emulator.endpoint, retryBaseSeconds="0.02", pollSeconds="0.06")
    control = emulator.client("bedrock-agentcore-control")
    with ProviderServer(config=config, launcher=STAND_IN) as server, ThreadPoolExecutor(1) as pool:
        plugin = descendants(server.pid)
        try:
            creating = pool.submit(server.up, evaluator_urn("tone"), evaluator_props())
            deadline = time.monotonic() + 20
            while emulator.admin.call_counts().get("CreateEvaluator", 0) < 1:
                assert time.monotonic() < deadline, "no CreateEvaluator reached the emulator"
                time.sleep(0.01)  # polling the emulator's call counts, with the deadline above
            os.kill(server.pid, signal.SIGKILL)  # the "engine"; the server finishes the Create alone
            with pytest.raises(ProviderError) as exc:
                creating.result(timeout=30)
        finally:
            kill_leftovers(plugin)
    assert "evalctl: the engine stopped while" in exc.value.details
    [left] = custom_evaluators(control)
    assert awsops.is_pending(awsops.live_tags(control, left["evaluatorArn"])), f"{aws.PENDING_TAG} stays"
