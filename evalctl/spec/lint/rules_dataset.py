"""Dataset rules: scenarios valid for their schema type, located in their own files, ids unique."""

from __future__ import annotations

from collections.abc import Iterator

from evalctl.datasets import gather
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import problem
from evalctl.spec.project import Document, Project


def scenarios(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Every scenario checked (inline and in files); a dataset with none is refused."""
    spec = doc.spec
    if not spec.get("scenarios") and not spec.get("files") and not spec.get("s3Source"):
        yield problem(
            doc,
            "/spec",
            "a dataset needs scenarios: add `scenarios:`, `files:` or `s3Source:`",
            "dataset-empty",
        )
        return
    _found, problems = gather(spec, doc.file, doc.at)
    yield from problems
