"""Load every spec under some paths into a Project: all documents, by kind and name, with problems."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.files import check_files
from evalctl.spec.loader import Positions, RawDocument, discover


@dataclass
class Document:
    """A schema-valid spec document and where it came from."""

    kind: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    file: str
    positions: Positions
    valid: bool = True

    @property
    def source_file(self) -> str:
        return self.file

    @property
    def directory(self) -> Path:
        return Path(self.file).parent

    def at(self, pointer: str, key: bool = False) -> tuple[int, int]:
        """Line and column of a pointer inside this document."""
        return self.positions.of_key(pointer) if key else self.positions.of_value(pointer)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """The document as plain data (apiVersion, kind, metadata, spec)."""
        return {
            "apiVersion": "evalctl/v1alpha1",
            "kind": self.kind,
            "metadata": self.metadata,
            "spec": self.spec,
        }


@dataclass
class Project:
    """Every document of a set of spec files, in file order."""

    documents: list[Document] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stack: str = "dev"
    broken: list[Document] = field(default_factory=list)
    # Text of files that are not valid YAML: names they seem to declare don't count as dangling.
    unreadable: dict[str, str] = field(default_factory=dict)
    # Rules resolve every reference through these; built once, after loading (see `reindex`).
    _names: dict[str, dict[str, Document]] | None = field(default=None, repr=False, compare=False)
    _kinds: dict[str, list[Document]] | None = field(default=None, repr=False, compare=False)

    def admit(self, raw: RawDocument, problems: list[Diagnostic]) -> None:
        """File a parsed document: among the documents if its schema check found nothing, else the broken."""
        doc = to_document(raw, valid=not problems)
        if doc is not None:
            (self.broken if problems else self.documents).append(doc)
            self.reindex()

    def reindex(self) -> None:
        """Forget the lookup tables (call after changing `documents` or `broken`)."""
        self._names = self._kinds = None

    @property
    def by_kind(self) -> dict[str, dict[str, Document]]:
        """Valid documents by kind and name, then invalid ones, so references to them don't cascade."""
        if self._names is None:
            self._names = {}
            for doc in [*self.documents, *self.broken]:
                self._names.setdefault(doc.kind, {}).setdefault(doc.name, doc)
        return self._names

    def get(self, kind: str, name: str) -> Document | None:
        return self.by_kind.get(kind, {}).get(name)

    def valid(self, kind: str, name: str) -> Document | None:
        """A schema-valid document, safe to read fields from."""
        doc = self.get(kind, name)
        return doc if doc is not None and doc.valid else None

    def of_kind(self, kind: str) -> list[Document]:
        if self._kinds is None:
            self._kinds = {}
            for doc in self.documents:
                self._kinds.setdefault(doc.kind, []).append(doc)
        return list(self._kinds.get(kind, []))

    def maybe_declared(self, name: str) -> bool:
        """Whether a file that failed to parse has a `name: <name>` line."""
        line = re.compile(rf"^\s*name:\s*['\"]?{re.escape(name)}['\"]?\s*(#.*)?$", re.MULTILINE)
        return any(line.search(text) for text in self.unreadable.values())

    @property
    def document_count(self) -> int:
        """Every document read, valid or not."""
        return len(self.documents) + len(self.broken)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def to_document(raw: RawDocument, valid: bool = True) -> Document | None:
    """A Document for valid data; for invalid data only when its kind and name are readable."""
    data = raw.data
    meta = data.get("metadata") if isinstance(data, dict) else None
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("name"), str)
        or not isinstance(data.get("kind"), str)
    ):
        return None
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    return Document(
        kind=data["kind"],
        name=meta["name"],
        metadata=meta,
        spec=spec,
        file=raw.file,
        positions=raw.positions,
        valid=valid,
    )


def load_documents(paths: Iterable[Path]) -> tuple[Project, list[Diagnostic]]:
    """Parse and schema-check every file; schema-valid documents join the project."""
    files, missing = discover(paths)
    project = Project(files=[_display(f) for f in files])
    problems = [Diagnostic(m, 1, 1, "no such file or folder", code="io") for m in missing]
    for raws, parse_problems, per_document in check_files(files, project.files):
        problems += parse_problems
        for problem in parse_problems:
            if problem.code == "yaml-syntax":
                project.unreadable[problem.file] = _text(Path(problem.file))
        for raw, doc_problems in zip(raws, per_document, strict=True):
            problems += doc_problems
            project.admit(raw, doc_problems)
    return project, problems


def project_folder(file: Path) -> Path:
    """The spec folder a file belongs to: its topmost ancestor named `evaluations`, else its folder."""
    parents = [p for p in file.resolve().parents if p.name == "evaluations"]
    return parents[-1] if parents else file.resolve().parent


def with_context(paths: list[Path]) -> list[Path]:
    """The paths plus what the files among them reference, each file read once.

    A single file's references point at its siblings; without them every reference would dangle.
    A file under `evaluations/` brings that whole folder; any other file its sibling YAML files only
    (its folder may be a repository root, not a spec folder).
    """
    files = [p for p in paths if p.is_file()]
    folders = sorted({project_folder(p) for p in files if _in_evaluations(p)})
    siblings = {
        s.resolve()
        for p in files
        if not _in_evaluations(p)
        for s in p.resolve().parent.iterdir()
        if s.suffix in (".yaml", ".yml") and s.is_file()
    }
    asked = {p.resolve() for p in paths}
    inside = [p for p in paths if any(p.resolve().is_relative_to(f) for f in folders)]
    extra = sorted(s for s in siblings - asked if not any(s.is_relative_to(f) for f in folders))
    return [*folders, *(p for p in paths if p not in inside), *extra]


def _in_evaluations(file: Path) -> bool:
    return any(p.name == "evaluations" for p in file.resolve().parents)


def load_project(paths: Iterable[Path], stack: str = "dev") -> tuple[Project, list[Diagnostic]]:
    """Load, schema-check and lint across files; every problem found, errors and warnings."""
    from evalctl.spec.lint.semantic import lint_project

    project, problems = load_documents(paths)
    project.stack = stack
    problems += lint_project(project)
    return project, sorted(set(problems))
