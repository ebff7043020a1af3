"""List calls through botocore's paginators (awsops.items, find_named), with and without our retries."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evalctl import aws, awsops
from evalctl.service_models import CONTROL
from tests.emulator.helpers import make_evaluator

NAMES = [f"paged_{i}" for i in range(5)]


@pytest.fixture
def evaluators(control: Any) -> list[str]:
    for name in NAMES:
        make_evaluator(control, name=name)
    return NAMES


def _retrying(emulator: Any) -> Any:
    settings = aws.ClientSettings(endpoint=emulator.endpoint, region="us-east-1", backoff_base=0.0)
    client = aws.client(CONTROL, settings)
    assert isinstance(client, aws.RetryingClient), "backoff_base selects our retries"
    return client


def test_items_follow_every_page(control: Any, evaluators: list[str], emulator: Any) -> None:
    emulator.admin.clear_call_counts()
    listed = list(awsops.items(control, "list_evaluators", "evaluators", PaginationConfig={"PageSize": 2}))
    custom = sorted(e["evaluatorName"] for e in listed if e["evaluatorType"] == "Custom")
    assert custom == evaluators
    assert emulator.admin.call_counts()["ListEvaluators"] == math.ceil(len(listed) / 2)


def test_paginator_of_a_retrying_client_retries_each_page(evaluators: list[str], emulator: Any) -> None:
    """botocore's retries are off under ours (one attempt), so a throttled page must be retried by ours."""
    client = _retrying(emulator)
    emulator.admin.set_faults(throttle_rate=0.5, seed=3)
    emulator.admin.clear_call_counts()
    listed = list(awsops.items(client, "list_evaluators", "evaluators", PaginationConfig={"PageSize": 2}))
    calls = emulator.admin.call_counts()["ListEvaluators"]
    emulator.admin.set_faults()
    assert sorted(e["evaluatorName"] for e in listed if e["evaluatorType"] == "Custom") == evaluators
    assert calls > math.ceil(len(listed) / 2), "some pages were throttled and fetched again"


@pytest.mark.parametrize(
    ("reason", "name", "found"),
    [("an existing name", "paged_3", True), ("no such name", "paged_9", False)],
    ids=["found", "missing"],
)
def test_find_named(evaluators: list[str], emulator: Any, reason: str, name: str, found: bool) -> None:
    summary = awsops.find_named(_retrying(emulator), "list_evaluators", "evaluators", "evaluatorName", name)
    assert (summary is not None and summary["evaluatorName"] == name) is found, reason


def test_a_list_call_without_a_paginator_is_refused(emulator: Any) -> None:
    client = _retrying(emulator)
    assert not client.can_paginate("get_evaluator")
    with pytest.raises(Exception, match="cannot be paginated"):
        client.get_paginator("get_evaluator")
