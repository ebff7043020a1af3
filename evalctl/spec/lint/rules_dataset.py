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
    if spec.get("s3Source") and (spec.get("scenarios") or spec.get("files")):
        # The DRAFT is the object, read whole: scenarios from git could not be kept next to it.
        yield problem(
            doc,
            "/spec/s3Source",
            "set either s3Source or scenarios/files: the S3 object replaces the whole dataset when it is "
            "read; put every scenario in the object, or move them all to git",
            "dataset-two-sources",
        )
    _found, problems = gather(spec, doc.file, doc.at)
    yield from problems
