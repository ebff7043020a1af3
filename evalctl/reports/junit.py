"""JUnit XML: one test suite per evaluator, one test case per session, failures carry explanations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from evalctl.reports.models import RunResults
from evalctl.reports.outcomes import (
    DEFAULT_PASS_MARK,
    CaseOutcome,
    case_outcomes,
    describe_score,
    status_counts,
    target,
)
from evalctl.reports.text import evaluator_label


def render_junit(results: RunResults, default_pass_mark: float = DEFAULT_PASS_MARK) -> str:
    """The document as text: testsuites > testsuite (per evaluator) > testcase (per session)."""
    outcomes = case_outcomes(results, default_pass_mark)
    root = ET.Element("testsuites", name=f"evalctl {results.job.name}")
    _set_counts(root, outcomes)
    for row in results.evaluators:
        mine = [o for o in outcomes if o.evaluator is row]
        suite = ET.SubElement(root, "testsuite", name=evaluator_label(row))
        _set_counts(suite, mine)
        if results.job.createdAt:
            suite.set("timestamp", results.job.createdAt[:19])
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("batchEvaluationId", results.job.id),
            ("evaluatorId", row.id),
            ("level", row.level),
        ):
            ET.SubElement(properties, "property", name=name, value=value or "")
        for outcome in mine:
            suite.append(_testcase(results.job.name, outcome))
    if results.simulation is not None and results.simulation.failures:
        root.append(_failed_scenarios(results))
        for count in ("tests", "errors"):  # CI counts them with the rest, so the run cannot read green
            root.set(count, str(int(root.get(count) or 0) + len(results.simulation.failures)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: RunResults, path: Path, default_pass_mark: float = DEFAULT_PASS_MARK) -> Path:
    """Write junit.xml; returns the path."""
    path.write_text(render_junit(results, default_pass_mark), encoding="utf-8")
    return path


def _set_counts(element: ET.Element, outcomes: list[CaseOutcome]) -> None:
    counts = status_counts(outcomes)
    element.set("tests", str(len(outcomes)))
    element.set("failures", str(counts["failed"]))
    element.set("errors", str(counts["error"]))
    element.set("skipped", str(counts["skipped"]))
    element.set("time", "0")


def _testcase(job_name: str, outcome: CaseOutcome) -> ET.Element:
    case = ET.Element("testcase", name=outcome.session_id, time="0")
    case.set("classname", f"{job_name}.{evaluator_label(outcome.evaluator)}")
    if outcome.status == "skipped":
        ET.SubElement(case, "skipped", message=outcome.message)
    elif outcome.status in ("failed", "error"):
        tag = "failure" if outcome.status == "failed" else "error"
        kind = "ScoreBelowPassMark" if tag == "failure" else _error_type(outcome)
        detail = ET.SubElement(case, tag, message=outcome.message, type=kind)
        detail.text = _details(outcome)
    else:
        ET.SubElement(case, "system-out").text = _details(outcome)
    return case


def _failed_scenarios(results: RunResults) -> ET.Element:
    """`evalctl simulate`'s scenarios that did not run to their end: one error test case each."""
    failures = results.simulation.failures if results.simulation else []
    suite = ET.Element("testsuite", name="simulated scenarios")
    # The attributes every other suite has (the XSD's), so readers that expect them count these too.
    for name, value in (("tests", len(failures)), ("failures", 0), ("errors", len(failures)), ("skipped", 0)):
        suite.set(name, str(value))
    suite.set("time", "0")
    if results.job.createdAt:
        suite.set("timestamp", results.job.createdAt[:19])
    for failure in failures:
        case = ET.SubElement(suite, "testcase", name=failure.scenarioId, time="0")
        case.set("classname", f"{results.job.name}.simulation")
        scored = "scored" if failure.scored else "not scored"
        message = f"failed after {failure.turns} turn(s) ({scored}): {failure.error}"
        ET.SubElement(case, "error", message=message, type="ScenarioFailed")
    return suite


def _error_type(outcome: CaseOutcome) -> str:
    return next((e.error.type for e in outcome.entries if e.error is not None), "Error")


def _details(outcome: CaseOutcome) -> str:
    """One line per result: target, score and the evaluator's explanation (or error)."""
    lines = []
    for entry in outcome.entries:
        if entry.error is not None:
            lines.append(f"{target(entry)}: {entry.error.type}: {entry.error.message}")
        else:
            lines.append(f"{target(entry)}: {describe_score(entry)}: {entry.explanation or ''}".rstrip(": "))
    return "\n".join(lines)
