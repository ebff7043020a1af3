"""Located problems (`file:line:col`) and the text, JSON and GitHub renderings of them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one spec file, 1-based line and column, with the JSON pointer it concerns."""

    file: str
    line: int
    column: int
    message: str = field(compare=False)
    pointer: str = ""
    severity: Severity = "error"
    code: str = "schema"

    def format(self, color: bool = False) -> str:
        """`path:line:col: severity: message [pointer]`."""
        sev: str = self.severity
        if color:
            sev = f"\033[31m{sev}\033[0m" if sev == "error" else f"\033[33m{sev}\033[0m"
        where = f" [{self.pointer}]" if self.pointer else ""
        return f"{self.file}:{self.line}:{self.column}: {sev}: {self.message}{where}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def github(self) -> str:
        """A GitHub Actions workflow command that annotates the line in the pull request."""
        level = "error" if self.severity == "error" else "warning"
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{level} file={self.file},line={self.line},col={self.column},title={self.code}::{message}"


def render(diagnostics: list[Diagnostic], fmt: str, color: bool = False, limit: int | None = None) -> str:
    """Problems in one of the formats `text`, `json`, `github`; text and github show at most `limit`."""
    ordered = sorted(diagnostics)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in ordered], indent=2)
    shown = ordered if limit is None else ordered[:limit]
    lines = [d.github() if fmt == "github" else d.format(color) for d in shown]
    rest = ordered[len(shown) :]
    if rest:
        errors = sum(1 for d in rest if d.severity == "error")
        files = len({d.file for d in rest})
        lines.append(
            f"... and {len(rest)} more problem(s) not shown ({errors} error(s), "
            f"{len(rest) - errors} warning(s) in {files} file(s)); fix these first or use --format json"
        )
    return "\n".join(lines)


def summary(diagnostics: list[Diagnostic], files: int, documents: int) -> str:
    """One line that says how it went."""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"ok: {documents} document(s) in {files} file(s), no problems"
    return f"{errors} error(s), {warnings} warning(s) in {files} file(s) ({documents} document(s))"
