"""Bounded resources and inert output: validate limits, Markdown escaping."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from evalctl.reports.markdown import render_markdown
from evalctl.reports.results import from_local
from evalctl.spec.loader import MAX_DOCUMENTS, load_text

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script> | broken | `tick"


def test_validate_stops_reading_a_file_of_tiny_documents():
    """Probe 4: documents past the limit are not parsed; one located problem says so."""
    text = "".join(f"---\nkind: Evaluator\nx: {i}\n" for i in range(MAX_DOCUMENTS * 3))
    docs, problems = load_text("big.yaml", text)
    assert len(docs) <= MAX_DOCUMENTS
    [limit] = [p for p in problems if p.code == "too-many-documents"]
    assert limit.line == MAX_DOCUMENTS * 3 + 2, "located at the first document not read"


def test_validate_prints_a_bounded_number_of_errors_and_a_summary(tmp_path):
    """Probe 4: a file with thousands of errors prints 200 of them and counts the rest."""
    spec = tmp_path / "many.yaml"
    spec.write_text("".join(f"---\nkind: Evaluator\nx: {i}\n" for i in range(MAX_DOCUMENTS)))
    result = subprocess.run(
        [sys.executable, "-m", "evalctl", "validate", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert len(lines) == 202, lines[-3:]
    assert lines[-2].startswith("... and ") and "more problem(s) not shown" in lines[-2]


def test_summary_md_neutralises_html_and_table_breaking_text():
    """Probe 4: `<script>` shows as text and a `|` cannot add table columns."""
    triples = [
        (
            f"s-{HOSTILE}",
            f"ev{HOSTILE}",
            {
                "evaluatorId": f"ev{HOSTILE}",
                "context": {"spanContext": {"sessionId": f"s-{HOSTILE}", "traceId": f"t{HOSTILE}"}},
                "value": 0.5,
                "explanation": HOSTILE,
            },
        )
    ]
    text = render_markdown(from_local(f"job{HOSTILE}", triples))
    # Inside a code span Markdown shows `<script>` as text; everywhere else it must be escaped.
    outside_code = re.sub(r"`[^`\n]*`", "", text)
    assert "<script>" not in outside_code
    assert "&lt;script&gt;" in text
    for line in text.splitlines():
        if line.startswith("|"):
            unescaped = line.replace("\\|", "")
            # the evaluator table has 7 columns (8 bars), the session tables 4 (5 bars)
            assert unescaped.count("|") in (8, 5), line
