"""Semantic rules for OnlineEvaluation, Role, EvaluatorTest and result log groups."""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import evaluator_list, evaluator_ref, ground_truth_ref, problem, role_ref
from evalctl.spec.lint.rules_evaluator import ground_truth_fields
from evalctl.spec.lint.scales import NO_VALUE, categorical
from evalctl.spec.lint.schema_check import suggest
from evalctl.spec.project import Document, Project

HINT = "; list the metadata.name of a spec in this project"
RESERVED_PREFIX = "/aws/bedrock-agentcore/evaluations/"
PRINCIPAL = re.compile(
    r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?|arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)"
)


def online_references(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Evaluators, insights and the execution role exist."""
    yield from evaluator_list(project, doc)
    found = role_ref(project, doc, "/spec/evaluationExecutionRoleArn", doc.spec["evaluationExecutionRoleArn"])
    if found is not None:
        yield found


def online_ground_truth(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """An online evaluation has no ground truth, so its evaluators may not ask for it."""
    for index, ref in enumerate(doc.spec["evaluators"]):
        target = project.valid("Evaluator", ref)
        if target is None:
            continue
        fields = ground_truth_fields(target.spec)
        if fields:
            yield problem(
                doc,
                f"/spec/evaluators/{index}",
                f"evaluator '{ref}' uses ground-truth placeholders "
                f"({', '.join(sorted(fields))}); online evaluations have no ground truth and the service "
                "rejects it; use it in a BatchEvaluation instead",
                "online-ground-truth",
            )


def output_log_group(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Custom result log groups may not sit under the service's reserved prefix."""
    name = ((doc.spec.get("outputConfig") or {}).get("cloudWatchConfig") or {}).get("logGroupName")
    if isinstance(name, str) and name.startswith(RESERVED_PREFIX):
        yield problem(
            doc,
            "/spec/outputConfig/cloudWatchConfig/logGroupName",
            f"custom result log group '{name}' may not be under {RESERVED_PREFIX}; choose another name",
            "reserved-log-group",
        )


def role(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Principals are well-formed and scoped grants name specs that exist."""
    for index, principal in enumerate(doc.spec["assumedBy"]):
        if not PRINCIPAL.fullmatch(principal):
            yield problem(
                doc,
                f"/spec/assumedBy/{index}",
                f"'{principal}' is neither a service principal "
                "(bedrock-agentcore.amazonaws.com) nor an IAM role/user/root ARN",
                "bad-principal",
            )
    for index, grant in enumerate(doc.spec.get("grants") or []):
        if not isinstance(grant, dict):
            continue
        for r_index, name in enumerate(grant["resources"]):
            if not any(name in named for named in project.by_kind.values()):
                known = sorted({n for named in project.by_kind.values() for n in named})
                hint = suggest(name, known) or HINT
                yield problem(
                    doc,
                    f"/spec/grants/{index}/resources/{r_index}",
                    f"no spec named '{name}' to scope grant {grant['template']} to{hint}",
                    "dangling-reference",
                )


def evaluator_test(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """The evaluator and ground truth exist and the session files match something."""
    found = evaluator_ref(project, doc, "/spec/evaluator", doc.spec["evaluator"])
    if found is not None:
        yield found
    truth = doc.spec.get("groundTruth")
    found = ground_truth_ref(project, doc, truth)
    if found is not None:
        yield found
    patterns = doc.spec["sessions"]
    for index, pattern in enumerate([patterns] if isinstance(patterns, str) else patterns):
        pointer = "/spec/sessions" if isinstance(patterns, str) else f"/spec/sessions/{index}"
        if not glob.glob(str(doc.directory / pattern)):
            yield problem(
                doc,
                pointer,
                f"no session file matches '{pattern}' (relative to the folder of {doc.file}); "
                "fix the path or glob, or record the sessions first",
                "sessions-missing",
            )
    for index, expect in enumerate(doc.spec["expect"]):
        if not any(k in expect for k in ("label", "minValue", "maxValue")):
            yield problem(
                doc,
                f"/spec/expect/{index}",
                "an expectation needs label, minValue or maxValue",
                "expectation-empty",
            )
        labels = categorical(project, doc.spec["evaluator"])
        # Only a flat scale: which dimension a bound of a multi-dimensional evaluator reads is not ours.
        for bound in ("minValue", "maxValue") if labels and labels[1] == doc.spec["evaluator"] else ():
            if bound in expect:
                yield problem(
                    doc,
                    f"/spec/expect/{index}/{bound}",
                    f"{bound} on '{doc.spec['evaluator']}', whose rating scale is categorical: {NO_VALUE}; "
                    "expect a `label` instead",
                    "expectation-on-categorical",
                )
