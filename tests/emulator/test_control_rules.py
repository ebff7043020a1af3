"""Control-plane rules the emulator enforces as AWS documents them (cited in the emulator README)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import error_code, make_evaluator
from tests.emulator.test_batch import FILES, SERVICE, _start


def test_batch_names_are_unique_until_the_job_is_deleted(
    emulator: Any, data: Any, span_fixtures: Any
) -> None:
    emulator.admin.seed([span_fixtures / f for f in FILES], SERVICE)
    emulator.admin.configure(delete_seconds=1)
    first = _start(data)["batchEvaluationId"]
    with pytest.raises(ClientError) as exc:
        _start(data)
    assert error_code(exc) == "ConflictException" and "nightly" in exc.value.response["Error"]["Message"]
    emulator.admin.advance_clock(3600)  # finished jobs keep their name too
    with pytest.raises(ClientError):
        _start(data)
    data.delete_batch_evaluation(batchEvaluationId=first)
    emulator.admin.advance_clock(2)
    assert _start(data)["batchEvaluationId"] != first, "the name is free once the job is gone"


def test_a_client_token_expires_after_the_configured_window(emulator: Any, control: Any) -> None:
    emulator.admin.configure(token_ttl_seconds=60)
    token = "t" * 40
    first = make_evaluator(control, name="one", clientToken=token)
    emulator.admin.advance_clock(30)
    assert make_evaluator(control, name="one", clientToken=token)["evaluatorId"] == first["evaluatorId"]
    emulator.admin.advance_clock(61)
    with pytest.raises(ClientError) as exc:  # a new request again: the name is taken now
        make_evaluator(control, name="one", clientToken=token)
    assert error_code(exc) == "ConflictException"
    assert make_evaluator(control, name="two", clientToken=token)["evaluatorId"] != first["evaluatorId"]


def test_a_token_reused_with_other_parameters_is_refused(control: Any) -> None:
    token = "u" * 40
    make_evaluator(control, name="one", clientToken=token)
    with pytest.raises(ClientError) as exc:
        make_evaluator(control, name="other", clientToken=token)
    assert error_code(exc) == "ConflictException" and "different request parameters" in str(exc.value)


def test_concurrent_changes_to_one_evaluator_conflict(emulator: Any, control: Any) -> None:
    emulator.admin.configure(resource_seconds=5)
    evaluator_id = make_evaluator(control, name="busy")["evaluatorId"]
    emulator.admin.advance_clock(6)
    control.update_evaluator(evaluatorId=evaluator_id, description="first")
    with pytest.raises(ClientError) as exc:
        control.update_evaluator(evaluatorId=evaluator_id, description="second")
    assert error_code(exc) == "ConflictException"


def test_lock_mode_is_validated(emulator: Any) -> None:
    with pytest.raises(Exception, match="lock_mode"):
        emulator.admin.configure(lock_mode="sometimes")
