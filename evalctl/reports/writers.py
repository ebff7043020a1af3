"""Report files: results.json, junit.xml, summary.md and report.html, one call or each on its own."""

from __future__ import annotations

import json
from pathlib import Path

from evalctl.reports.html import write_html
from evalctl.reports.junit import write_junit
from evalctl.reports.markdown import write_markdown
from evalctl.reports.models import RunResults
from evalctl.reports.outcomes import DEFAULT_PASS_MARK

__all__ = ["read_json", "write_html", "write_json", "write_junit", "write_markdown", "write_reports"]

FILE_NAMES = {"json": "results.json", "junit": "junit.xml", "markdown": "summary.md", "html": "report.html"}


def write_json(results: RunResults, path: Path) -> Path:
    """Write results.json (sorted keys, 2-space indent, no NaN); returns the path."""
    text = json.dumps(results.to_json_dict(), indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_json(path: Path) -> RunResults:
    """Read results.json back (a report directory holding one works too)."""
    file = path / FILE_NAMES["json"] if path.is_dir() else path
    return RunResults.from_json_dict(json.loads(file.read_text(encoding="utf-8")))


def write_reports(
    results: RunResults, directory: Path, default_pass_mark: float = DEFAULT_PASS_MARK
) -> list[Path]:
    """Write all four reports into `directory` (created if needed); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_json(results, directory / FILE_NAMES["json"]),
        write_junit(results, directory / FILE_NAMES["junit"], default_pass_mark),
        write_markdown(results, directory / FILE_NAMES["markdown"], default_pass_mark),
        write_html(results, directory / FILE_NAMES["html"], default_pass_mark),
    ]
