"""Physical names: alternates and per-run batch names fit the API pattern and map back to their spec."""

from __future__ import annotations

from evalctl.spec.names import AGENTCORE_NAME, alternate_name, is_run_of, run_name


def test_run_names_fit_the_pattern_and_are_recognised_as_runs_of_their_batch():
    for declared in ("nightly_support_dev", "b" * 48, "x"):
        run = run_name(declared, "0a1b2c")
        assert AGENTCORE_NAME.fullmatch(run) and len(run) <= 48
        assert is_run_of(run, declared)
        assert is_run_of(declared, declared) and is_run_of(alternate_name(declared), declared)


def test_other_batches_are_not_runs_of_a_batch():
    assert not is_run_of("nightly_support_dev_extra", "nightly_support_dev")
    assert not is_run_of("nightly_support_dev_rzzzzzz", "nightly_support_dev")
    assert not is_run_of("nightly", "nightly_support_dev")
    assert not is_run_of(run_name("nightly_support_prod", "0a1b2c"), "nightly_support_dev")
