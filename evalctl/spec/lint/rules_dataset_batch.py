"""Rules for dataset batches (`dataset`, `agent`, `requestTemplate`), each citing botocore's model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalctl import request_template, scenarios
from evalctl.datasets import gather
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import missing, problem
from evalctl.spec.lint.rules_batch import FIX, used_fields
from evalctl.spec.project import Document, Project


def _companions(doc: Document) -> Iterator[Diagnostic]:
    """`agent` and `requestTemplate` only mean something with a dataset."""
    spec = doc.spec
    for key in ("agent", "requestTemplate"):
        if key in spec and spec.get("dataset") is None:
            yield problem(
                doc, f"/spec/{key}", f"`{key}` is only used by a dataset batch; add `dataset:` or drop it",
                "dataset-batch",
            )  # fmt: skip


def _exclusions(doc: Document) -> Iterator[Diagnostic]:
    """DatasetExecutionConfig: "You must also specify evaluators and a dataSourceConfig that uses
    cloudWatchLogs [...] You can't specify insights or an onlineEvaluationConfigSource"."""
    spec = doc.spec
    if "onlineEvaluationConfigSource" in (spec.get("dataSourceConfig") or {}):
        yield problem(
            doc,
            "/spec/dataSourceConfig/onlineEvaluationConfigSource",
            "a dataset batch reads the agent's traces from cloudWatchLogs (the service name and log groups "
            "the agent writes to), not from an online evaluation configuration",
            "dataset-batch",
        )
    if spec.get("insights"):
        yield problem(doc, "/spec/insights", "a dataset batch can't run insights; drop them", "dataset-batch")
    for key in ("groundTruth", "evaluationMetadata"):
        if key in spec:
            yield problem(
                doc,
                f"/spec/{key}",
                f"a dataset batch takes its ground truth from the scenarios; drop `{key}` (its session ids "
                "can't match sessions that only exist once the run invokes the agent)",
                "dataset-batch",
            )
    if not spec.get("agent"):
        yield problem(
            doc,
            "/spec/dataset",
            "no `agent`: only `evalctl run --local --agent URL` can run this batch; add the runtime "
            "endpoint ARN to run it on AWS",
            "dataset-batch-agent",
            "warning",
        )
    template = spec.get("requestTemplate")
    if isinstance(template, str):
        why = request_template.problem(template)
        if why is not None:
            yield problem(doc, "/spec/requestTemplate", f"requestTemplate {why}", "request-template")


def _target(project: Project, doc: Document, ref: dict[str, Any]) -> Iterator[Diagnostic]:
    """The dataset exists, uses the predefined schema, and has a version that can run."""
    name = str(ref.get("name"))
    target = project.valid("Dataset", name)
    if project.get("Dataset", name) is None:
        dangling = missing(project, doc, "/spec/dataset/name", name, "Dataset")
        if dangling is not None:  # None: a broken file seems to declare it; its own error says why
            yield dangling
        return
    if target is None:
        return  # its own errors are reported where it is declared
    schema_type = target.spec.get("schemaType") or scenarios.PREDEFINED
    if schema_type != scenarios.PREDEFINED:
        # DatasetSource: "The dataset must use the predefined evaluation schema".
        yield problem(
            doc,
            "/spec/dataset/name",
            f"dataset '{name}' is {schema_type}; a batch runs only {scenarios.PREDEFINED} datasets"
            + (
                f" (run simulated scenarios against a local agent: evalctl simulate {name} --agent URL "
                "--evaluator ID)"
                if schema_type == scenarios.SIMULATED
                else ""
            ),
            "dataset-schema",
        )
    if not target.spec.get("publish"):
        # DatasetVersion: "You can't run the DRAFT version."
        yield problem(
            doc,
            "/spec/dataset/name",
            f"dataset '{name}' has `publish: false`, so no version exists to run (the DRAFT can't be run); "
            f"set publish: true on it ({target.file}:{target.at('/metadata/name')[0]})",
            "dataset-unpublished",
        )
    yield from _truth_use(project, doc, target)


def _truth_use(project: Project, doc: Document, target: Document) -> Iterator[Diagnostic]:
    """Warn about scenario ground truth that none of the batch's evaluators reads."""
    used = used_fields(project, list(doc.spec["evaluators"]))
    if used is None:
        return
    found, _ = gather(target.spec, target.file, target.at)
    provided: set[str] = set()
    for item in found:
        truth = scenarios.ground_truth(item.scenario) if isinstance(item.scenario, dict) else {}
        provided |= {k for k in ("assertions", "expectedTrajectory") if k in truth}
        if truth.get("turns"):
            provided.add("expectedResponse")
    for field in sorted(provided - used):
        yield problem(
            doc,
            "/spec/dataset",
            f"the scenarios of dataset '{target.name}' have {field}, but none of this batch's evaluators "
            f"uses it (add e.g. {FIX[field]}, or drop it)",
            "ground-truth-unused",
            "warning",
        )


def dataset_batch(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Every rule of a batch that runs a dataset against an agent."""
    yield from _companions(doc)
    ref = doc.spec.get("dataset")
    if not isinstance(ref, dict):
        return
    yield from _exclusions(doc)
    yield from _target(project, doc, ref)
