"""Helpers that replaced copied blocks: each does what its copies did."""

from __future__ import annotations

import argparse
import random

import pytest

from evalctl import awsops
from evalctl.cli import jobs
from evalctl.emulator import errors
from evalctl.emulator.agents import RuntimeClientError
from evalctl.emulator.core import projection
from evalctl.reports.stats import central_interval, paired_cluster_ci
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.loader import load_text
from evalctl.spec.project import Project


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (errors.ValidationError, "ValidationException", 400),
        (errors.ConflictError, "ConflictException", 409),
        (errors.NotFoundError, "ResourceNotFoundException", 404),
        (errors.UnknownOperationError, "UnknownOperationException", 404),
        (errors.ThrottlingError, "ThrottlingException", 429),
        (errors.QuotaError, "ServiceQuotaExceededException", 402),
        (errors.InternalError, "InternalServerException", 500),
        (RuntimeClientError, "RuntimeClientError", 424),
    ],
)
def test_error_classes_carry_the_code_and_status_of_their_class_line(cls, code, status):
    error = cls("why")
    assert (error.code, error.status, error.message, str(error)) == (code, status, "why", "why")
    assert isinstance(error, errors.ApiError)


def test_an_error_subclass_without_a_code_keeps_its_parents():
    class Narrower(errors.ConflictError):
        """A kind of conflict."""

    assert (Narrower.code, Narrower.status) == ("ConflictException", 409)


def test_projection_keeps_the_named_fields_in_order_and_absent_ones_as_null():
    render = projection(("b", "a", "missing"))
    assert list(render({"a": 1, "b": 2, "c": 3}).items()) == [("b", 2), ("a", 1), ("missing", None)]


def test_central_interval_cuts_equal_tails_from_unsorted_deltas():
    deltas = [float(v) for v in random.Random(7).sample(range(101), 101)]
    assert central_interval(deltas, 0.9) == pytest.approx((5.0, 95.0))
    assert deltas != sorted(deltas), "the helper sorts; callers need not"


def test_paired_interval_is_unchanged_by_the_shared_tail():
    """Same seed, same resamples: the interval the inlined code computed."""
    baseline = [[0.2, 0.4], [0.5], [0.1, 0.3, 0.2], [0.9]]
    candidate = [[0.6, 0.4], [0.7], [0.3, 0.3, 0.5], [0.8]]
    low, high = paired_cluster_ci(baseline, candidate, random.Random(3), resamples=200)
    rng = random.Random(3)
    deltas = []
    for _ in range(200):
        picks = [rng.randrange(4) for _ in range(4)]
        pooled = [
            sum(v for i in picks for v in side[i]) / sum(len(side[i]) for i in picks)
            for side in (candidate, baseline)
        ]
        deltas.append(pooled[0] - pooled[1])
    assert (low, high) == pytest.approx(central_interval(deltas, 0.95))
    assert low <= high


def test_admit_files_documents_by_their_schema_check_and_skips_nameless_ones():
    text = "kind: Role\nmetadata: {name: a}\n---\nkind: Role\nmetadata: {name: b}\n---\nkind: Role\n"
    raws, problems = load_text("x.yaml", text)
    assert problems == [] and len(raws) == 3
    project = Project(files=["x.yaml"])
    assert project.get("Role", "a") is None  # builds the lookup tables before admitting
    broken = [Diagnostic("x.yaml", 4, 1, "bad")]
    project.admit(raws[0], [])
    project.admit(raws[1], broken)
    project.admit(raws[2], [])
    assert [d.name for d in project.documents] == ["a"]
    assert [(d.name, d.valid) for d in project.broken] == [("b", False)]
    assert project.get("Role", "b") is project.broken[0], "lookup tables follow what was admitted"


def test_job_parser_takes_a_reference_and_the_service_flags():
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()

    def handler(_args: argparse.Namespace) -> int:
        return 0

    jobs.add_job_parser(subparsers, "poke", "poke a job", "Poke one batch evaluation.", handler)
    args = parser.parse_args(["poke", "job-1", "--region", "eu-west-1", "--json", "--stack", "prod"])
    assert (args.ref, args.region, args.json, args.stack, args.handler) == (
        "job-1",
        "eu-west-1",
        True,
        "prod",
        handler,
    )


def test_token_items_follows_tokens_passes_params_and_stops_on_a_repeated_token():
    pages = {None: (["a", "b"], "t1"), "t1": (["c"], "t2"), "t2": (["d"], "t2")}
    calls = []

    def call(**kwargs):
        calls.append(kwargs)
        items, token = pages[kwargs.get("nextToken")]
        return {"things": [{"id": i} for i in items], "nextToken": token}

    found = [item["id"] for item in awsops.token_items(call, "things", maxResults=2)]
    assert found == ["a", "b", "c", "d"]
    assert calls == [
        {"maxResults": 2},
        {"maxResults": 2, "nextToken": "t1"},
        {"maxResults": 2, "nextToken": "t2"},
    ]


def test_token_items_ends_without_a_token_and_reads_a_missing_key_as_empty():
    assert list(awsops.token_items(lambda **_: {"nextToken": None}, "things")) == []
