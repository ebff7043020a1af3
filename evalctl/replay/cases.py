"""EvaluatorTest specs to runnable cases: the evaluator definition, sessions and reference inputs."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalctl.catalog import TRAJECTORY_EVALUATORS
from evalctl.engine.builtins import builtin_definition, definition_from_api, is_builtin
from evalctl.engine.model import CodeSource, EvaluatorDef, Session
from evalctl.engine.spans import load_span_file, parse_sessions
from evalctl.spec.mapping import reference_inputs
from evalctl.spec.names import physical_name
from evalctl.spec.project import Document, Project


class CaseError(ValueError):
    """An EvaluatorTest that cannot be run; the message says why."""


@dataclass
class Case:
    """One EvaluatorTest ready to replay."""

    doc: Document
    evaluator: EvaluatorDef
    sessions: list[Session]
    references: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def needs_judge(self) -> bool:
        return self.evaluator.kind in ("llm", "derived") or (
            self.evaluator.kind == "builtin" and self.evaluator.evaluator_id not in TRAJECTORY_EVALUATORS
        )


def definition(project: Project, ref: str) -> EvaluatorDef:
    """The engine's definition of a referenced evaluator; code-based ones run from their source folder."""
    if is_builtin(ref):
        return builtin_definition(ref)
    doc = project.valid("Evaluator", ref)
    if doc is None:
        raise CaseError(f"evaluator '{ref}' is not declared in the specs; local replay needs its spec")
    request = dict(doc.spec, evaluatorName=physical_name("Evaluator", doc.name, doc.spec, project.stack))
    function = (doc.spec["evaluatorConfig"].get("codeBased") or {}).get("function")
    if function is None and "codeBased" in doc.spec["evaluatorConfig"]:
        raise CaseError(
            f"evaluator '{ref}' runs a deployed Lambda (lambdaConfig); local replay needs function.source"
        )
    base = definition_from_api(
        request, evaluator_id=f"{doc.name}-local00000", evaluator_arn=f"local:{doc.name}"
    )
    if function is None:
        return base
    code = CodeSource(
        directory=doc.directory / function["source"],
        handler=function.get("handler", "handler.handler"),
        timeout_seconds=float(function.get("timeoutSeconds", 60)),
        memory_mb=int(function.get("memoryMb", 256)),
        function_name=str(request["evaluatorName"]),
    )
    return EvaluatorDef(
        base.evaluator_id, base.evaluator_name, base.evaluator_arn, base.level, "code", code=code
    )


def session_files(doc: Document) -> list[Path]:
    patterns = doc.spec["sessions"]
    found: list[Path] = []
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        found += [Path(p) for p in sorted(glob.glob(str(doc.directory / pattern)))]
    if not found:
        raise CaseError(f"{doc.file}: no session file matches {patterns}")
    return list(dict.fromkeys(found))


def build(project: Project, doc: Document) -> Case:
    """Load the sessions and the ground truth of one EvaluatorTest."""
    documents: list[dict[str, Any]] = []
    for path in session_files(doc):
        documents += load_span_file(path)
    sessions = parse_sessions(documents)
    case = Case(doc, definition(project, doc.spec["evaluator"]), sessions)
    truth = project.valid("GroundTruth", doc.spec["groundTruth"]) if doc.spec.get("groundTruth") else None
    by_id = {s["sessionId"]: s for s in truth.spec["sessions"]} if truth else {}
    for session in sessions:
        if session.session_id in by_id:
            traces = [t.trace_id for t in session.traces]
            case.references[session.session_id] = reference_inputs(by_id[session.session_id], traces)
    return case
