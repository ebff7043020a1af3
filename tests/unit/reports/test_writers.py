"""Report writers: results.json against its schema, JUnit against the XSD's structure, Markdown, HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import pytest

from evalctl.reports import schema as schema_module
from evalctl.reports.models import (
    ActorUsage,
    EvaluatorSummary,
    ResultEntry,
    ResultError,
    ScenarioFailure,
    Simulation,
)
from evalctl.reports.outcomes import judge_case
from evalctl.reports.writers import read_json, write_reports

ROW = EvaluatorSummary(id="e", name="e", evaluated=1, failed=0)


def entry(value=None, label=None, error=None, trace="t1"):
    return ResultEntry(evaluatorId="e", traceId=trace, value=value, label=label, error=error)


OUTCOME_CASES = [
    ("no result for this session is a skip, not a pass", [], 0.5, "skipped"),
    ("a score at the pass mark passes (>=)", [entry(0.5)], 0.5, "passed"),
    ("one low turn fails the session", [entry(0.9), entry(0.2, trace="t2")], 0.5, "failed"),
    ("an error beats a low score", [entry(0.1), entry(error=ResultError(type="Timeout"))], 0.5, "error"),
    ("a categorical label is neither passed nor failed", [entry(label="Poor")], 0.5, "labelled"),
    ("the gate threshold is the pass mark", [entry(0.7)], 0.8, "failed"),
]


@pytest.mark.parametrize(
    ("reason", "entries", "mark", "status"), OUTCOME_CASES, ids=[c[0] for c in OUTCOME_CASES]
)
def test_case_outcomes(reason, entries, mark, status):
    assert judge_case("s1", ROW, entries, mark).status == status, reason


@pytest.fixture
def written(tmp_path, gated_results):
    paths = write_reports(gated_results, tmp_path / "out")
    return {p.name: p for p in paths}


def test_all_four_files_are_written(written):
    assert sorted(written) == ["junit.xml", "report.html", "results.json", "summary.md"]


def test_results_json_validates_and_reads_back(written, gated_results):
    doc = json.loads(written["results.json"].read_text())
    jsonschema.Draft202012Validator(json.loads(schema_module.SCHEMA_PATH.read_text())).validate(doc)
    assert read_json(written["results.json"].parent) == gated_results
    assert [g["passed"] for g in doc["gates"]] == [False, True, True]


# The structure of the JUnit XSD (Jenkins junit-10.xsd): allowed children and attributes per element.
JUNIT_CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "properties": {"property"},
    "property": set(),
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
    "failure": set(),
    "error": set(),
    "skipped": set(),
    "system-out": set(),
    "system-err": set(),
}
JUNIT_ATTRS = {
    "testsuites": ({"name", "time", "tests", "failures", "errors", "skipped", "disabled"}, set()),
    "testsuite": (
        {
            "name",
            "tests",
            "failures",
            "errors",
            "skipped",
            "time",
            "timestamp",
            "hostname",
            "id",
            "package",
            "disabled",
        },
        {"name", "tests"},
    ),
    "testcase": ({"name", "classname", "time", "assertions", "status"}, {"name", "classname"}),
    "failure": ({"message", "type"}, set()),
    "error": ({"message", "type"}, set()),
    "skipped": ({"message"}, set()),
    "property": ({"name", "value"}, {"name", "value"}),
}


def _check_structure(element):
    assert {c.tag for c in element} <= JUNIT_CHILDREN[element.tag], element.tag
    allowed, required = JUNIT_ATTRS.get(element.tag, (set(), set()))
    assert set(element.attrib) <= allowed, (element.tag, element.attrib)
    assert required <= set(element.attrib), (element.tag, element.attrib)
    for child in element:
        _check_structure(child)


def test_junit_matches_the_xsd_structure_and_counts(written, gated_results):
    root = ET.parse(written["junit.xml"]).getroot()
    assert root.tag == "testsuites"
    _check_structure(root)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [e.name for e in gated_results.evaluators]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(gated_results.sessions) * len(gated_results.evaluators), (
        "one per session x evaluator"
    )
    for element in [root, *suites]:
        scope = element.findall(".//testcase")
        assert int(element.get("tests")) == len(scope)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(element.get(attr)) == sum(1 for c in scope if c.find(tag) is not None), (
                element.tag,
                attr,
            )
        assert re.fullmatch(r"\d+(\.\d+)?", element.get("time"))
    for suite in suites:  # xs:dateTime without a zone, as the XSD's ISO8601_DATETIME_PATTERN wants
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp"))


def test_junit_of_a_simulation_with_failed_scenarios_keeps_the_xsd_structure_and_counts(
    tmp_path, gated_results
):
    """The "simulated scenarios" suite had no failures, skipped or timestamp, which every other suite has."""
    failure = ScenarioFailure(
        scenarioId="garbled", error="the actor's answer is not JSON", turns=1, scored=True
    )
    simulation = Simulation(
        scenarios=3, failed=1, complete=False, failures=[failure], actorUsage=ActorUsage(calls=4)
    )
    results = gated_results.model_copy(update={"simulation": simulation})
    write_reports(results, tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    _check_structure(root)
    suite = root.find("testsuite[@name='simulated scenarios']")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "1",
        "0",
        "1",
        "0",
    )
    assert suite.get("timestamp") == root.find("testsuite").get("timestamp")


def test_junit_failures_carry_the_explanation(written):
    root = ET.parse(written["junit.xml"]).getroot()
    case = root.find("testsuite[@name='Builtin.Helpfulness']/testcase[@name='sess-billing-02']")
    failure = case.find("failure")
    assert failure.get("message").startswith("Builtin.Helpfulness scored 0.50 (Somewhat Helpful) < 0.80")
    assert "Turn t2b answered the question at not helpful level." in failure.text
    error = root.find("testsuite[@name='Builtin.Helpfulness']/testcase[@name='sess-refund-04']/error")
    assert error.get("type") == "ValidationException"


def test_markdown_summary_reads_as_a_pr_comment(written, gated_results):
    text = written["summary.md"].read_text()
    assert text.startswith("## Evaluation `nightly_support`: ❌ gates failed")
    lines = text.splitlines()
    header = lines.index("| Evaluator | Level | Average | Labels | Evaluated | Failed | Gate |")
    table = lines[header + 2 : lines.index("", header)]
    assert len(table) == len(gated_results.evaluators)
    assert "| Builtin.Helpfulness | TRACE | 0.71 | — | 3 | 1 | ❌ ≥ 0.80 |" in text
    assert "_average = mean over every scored result, each trace or tool call counted once._" in text
    assert text.count("<details>") == len(gated_results.sessions) == text.count("</details>")
    assert "- Fix: Require lookup_invoice before any billing answer." in text
    first = text.index("<code>sess-refund-04</code>")
    assert first < text.index("<code>sess-billing-01</code>"), "sessions with problems come first"


def test_markdown_escapes_table_cells():
    from evalctl.reports.markdown import cell

    assert cell("a|b\nc") == "a\\|b c"


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.sections: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "section" and "evaluator" in (values.get("class") or ""):
            self.sections.append(values["data-evaluator-id"])
        self.svgs += tag == "svg"


def test_html_is_self_contained_with_a_chart_per_evaluator(written, gated_results):
    text = written["report.html"].read_text()
    parser = _Collector()
    parser.feed(text)
    assert parser.urls == [], "no links or resources to load"
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * parser.svgs
    assert parser.sections == [e.id for e in gated_results.evaluators]
    assert parser.svgs == len(gated_results.evaluators)
    assert text.count('<details class="session"') == len(gated_results.sessions)


def test_html_escapes_untrusted_text(tmp_path, gated_results):
    from evalctl.reports.html import render_html

    session = gated_results.sessions[0]
    bad = session.results[0].model_copy(update={"explanation": "<script>alert(1)</script>"})
    evil = gated_results.model_copy(
        update={"sessions": [session.model_copy(update={"results": [bad]}), *gated_results.sessions[1:]]}
    )
    text = render_html(evil)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_markdown_fits_a_github_comment_for_a_big_wordy_run():
    from evalctl.reports.markdown import render_markdown
    from evalctl.reports.results import from_local

    triples = [
        (
            f"s{i:04d}",
            "e",
            {
                "evaluatorId": "e",
                "context": {"spanContext": {"sessionId": f"s{i:04d}", "traceId": f"t{i}-{turn}"}},
                "value": 0.2,
                "explanation": "word " * 400,
            },
        )
        for i in range(300)
        for turn in range(6)
    ]
    text = render_markdown(from_local("big", triples))
    assert len(text) < 65_536
    assert text.count("<details>") == text.count("</details>") >= 1
    shown = text.count("<details>")
    assert f"_{300 - shown} more sessions are not shown here; see results.json._" in text


def test_categorical_rows_show_labels_not_passes(mixed_results):
    """A categorical evaluator: its label distribution in the table, `Poor` never shown as passed."""
    from evalctl.reports.markdown import render_markdown
    from evalctl.reports.text import render_text

    rows = {row.id: row for row in mixed_results.evaluators}
    assert rows["tone-Ab12Cd34Ef"].labels == {"Good": 1, "Poor": 1}  # results.json carries it too
    assert rows["Builtin.Helpfulness"].labels is None
    text = render_text(mixed_results)
    tone = next(line for line in text.splitlines() if line.startswith("tone-Ab12Cd34Ef"))
    assert tone.split()[2] == "n/a" and tone.endswith("Good 1 · Poor 1")
    markdown = render_markdown(mixed_results)
    assert "| tone-Ab12Cd34Ef | TRACE | n/a | Good 1 · Poor 1 |" in markdown
    assert "🏷️ Poor" in markdown and "✅ Poor" not in markdown


def test_markdown_session_badges_agree_with_the_header_and_gates(mixed_results):
    """A low trace score is '🔻 low score', counted in the header; ❌ is only for failed gates."""
    from evalctl.reports.markdown import render_markdown

    text = render_markdown(mixed_results)
    assert text.startswith("## Evaluation `mixed`: ✅ gates passed")
    assert "2 sessions (2 completed, 0 failed), 1 session with a low score" in text
    assert "<summary>🔻 low score <code>sess-a</code></summary>" in text
    assert "<summary>✅ pass <code>sess-b</code></summary>" in text
    assert "❌" not in text
