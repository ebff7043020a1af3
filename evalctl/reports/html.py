"""`report.html`: one self-contained page with a score chart per evaluator and per-session drill-down."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from evalctl.reports.charts import histogram_svg
from evalctl.reports.html_assets import CSS, SCRIPT
from evalctl.reports.models import EvaluatorSummary, InsightCluster, RootCause, RunResults
from evalctl.reports.outcomes import (
    AVERAGE_DEFINITION,
    DEFAULT_PASS_MARK,
    EXPECTATION_FAILED,
    RANK,
    STATUS_WORDS,
    CaseOutcome,
    case_outcomes,
    describe_score,
    distribution,
    entry_status,
    expectation_failures,
    label_counts,
    low_score_note,
    ordered_sessions,
    row_entries,
    target,
)
from evalctl.reports.text import (
    KIND_TITLES,
    evaluator_label,
    gate_for,
    gates_title,
    plural,
    score,
    session_counts,
    simulation_lines,
)


def slug(text: str) -> str:
    """An HTML id fragment for an evaluator."""
    return re.sub(r"[^a-zA-Z0-9_-]+", "-", text).strip("-").lower() or "evaluator"


def render_html(results: RunResults, default_pass_mark: float = DEFAULT_PASS_MARK) -> str:
    """The page as text; it loads nothing from the network."""
    outcomes = case_outcomes(results, default_pass_mark)
    body = [
        _header(results, outcomes),
        "<main>",
        f'<p class="meta" id="average-definition">{escape(AVERAGE_DEFINITION)}; low score = a scored '
        f"result below the pass mark (its gate's threshold, else {default_pass_mark:.2f})</p>",
        _gates(results),
        '<h2>Evaluators</h2><div class="grid">',
        *(_evaluator_section(results, row) for row in results.evaluators),
        "</div>",
        _insights(results.insights.clusters),
        _sessions(outcomes, expectation_failures(results)),
        "</main>",
    ]
    title = escape(f"evalctl · {results.job.name}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script></body></html>\n"
    )


def write_html(results: RunResults, path: Path, default_pass_mark: float = DEFAULT_PASS_MARK) -> Path:
    """Write report.html; returns the path."""
    path.write_text(render_html(results, default_pass_mark), encoding="utf-8")
    return path


def _header(results: RunResults, outcomes: list[CaseOutcome]) -> str:
    job = results.job
    if results.gates:
        ok = all(g.passed for g in results.gates)
        verdict = (
            f'<span class="badge {"pass" if ok else "fail"}">'
            f"{gates_title(results.gates).lower()} {'passed' if ok else 'failed'}</span>"
        )
    else:
        verdict = ""
    counts = session_counts(results) + low_score_note(outcomes)
    errors = "".join(f'<p class="meta">Error: {escape(d)}</p>' for d in job.errorDetails)
    errors += "".join(f'<p class="meta">{escape(line)}</p>' for line in simulation_lines(results))
    return (
        f"<header><h1>{escape(job.name)} {verdict}</h1>"
        f'<div class="meta"><code>{escape(job.id)}</code> · {escape(job.status)} · {escape(job.source)} · '
        f"{escape(counts)} · {escape(job.createdAt or '')}</div>{errors}</header>"
    )


def _gates(results: RunResults) -> str:
    if not results.gates:
        return ""
    items = "".join(
        f'<li><span class="badge {"pass" if g.passed else "fail"}">{"pass" if g.passed else "fail"}</span> '
        f"{escape(g.message)}</li>"
        for g in results.gates
    )
    return f'<h2>{gates_title(results.gates)}</h2><ul class="gates">{items}</ul>'


def _evaluator_section(results: RunResults, row: EvaluatorSummary) -> str:
    entries = row_entries(results.sessions, row)
    values = [e.value for e in entries if e.value is not None and e.error is None]
    labels = label_counts(entries)
    gate = gate_for(row, results.gates)
    threshold = None if gate is None else float(gate.threshold)
    gate_name = "gate" if threshold is None else f"gate ≥ {threshold:.2f}"
    verdict = "" if gate is None else ("pass" if gate.passed else "fail")
    gate_html = "—" if gate is None else f'<em class="{verdict}">{verdict.upper()}</em>'
    label = evaluator_label(row)
    if values or not labels:
        chart = histogram_svg(values, row.averageScore, threshold, f"Scores of {label}")
        legend = "solid line: average · dashed: gate threshold"
    else:  # categorical: labels, no scores to average
        chart = _label_bars(labels)
        legend = "labels given (categorical scale: no average)"
    scored = f"{plural(len(values), 'scored result')} in {plural(row.evaluated, 'session')}"
    if labels:
        scored += f" · labels: {distribution(labels)}"
    stats = "".join(
        f"<div><b>{value}</b><span>{name}</span></div>"
        for name, value in (
            ("average (per result)", score(row.averageScore)),
            ("sessions evaluated", row.evaluated),
            ("sessions failed", row.failed),
            (gate_name, gate_html),
        )
    )
    return (
        f'<section class="evaluator" id="evaluator-{slug(row.id + (row.dimension or ""))}" '
        f'data-evaluator-id="{escape(row.id)}"><h3>{escape(label)}</h3>'
        f'<div class="meta">{escape(row.level or "level unknown")} · {escape(scored)}</div>'
        f'<div class="stats">{stats}</div>{chart}'
        f'<div class="legend">{legend}</div></section>'
    )


def _label_bars(labels: dict[str, int]) -> str:
    """A categorical evaluator's label distribution as a small table of bars."""
    total = sum(labels.values())
    rows = "".join(
        f'<tr class="label-count"><td>{escape(name)}</td><td>{count}</td>'
        f'<td><span class="label-bar" style="width:{round(100 * count / total)}px"></span></td></tr>'
        for name, count in labels.items()
    )
    return f'<table class="labels">{rows}</table>'


def _insights(clusters: list[InsightCluster]) -> str:
    if not clusters:
        return ""
    blocks = []
    for cluster in clusters:
        causes = "".join(_root_cause(c) for c in cluster.rootCauses)
        sessions = ", ".join(f"<code>{escape(s)}</code>" for s in cluster.sessions)
        blocks.append(
            f'<div class="cluster {cluster.kind}"><b>{KIND_TITLES[cluster.kind]}: {escape(cluster.name)}</b> '
            f"({plural(cluster.affectedSessionCount, 'session')}) {escape(cluster.description)}"
            + (f'<div class="meta">Sessions: {sessions}</div>' if sessions else "")
            + (f"<ul>{causes}</ul>" if causes else "")
            + "</div>"
        )
    return "<h2>Insights</h2>" + "".join(blocks)


def _root_cause(cause: RootCause) -> str:
    affected = plural(cause.affectedSessionCount, "session")
    fix = f"<br>Fix: {escape(cause.recommendation)}" if cause.recommendation else ""
    return f"<li><b>{escape(cause.name)}</b> ({affected}): {escape(cause.rootCause)}{fix}</li>"


def _sessions(outcomes: list[CaseOutcome], failures: dict[str, list[str]]) -> str:
    ordered = ordered_sessions(outcomes, failures)
    controls = (
        '<div class="controls"><input type="search" id="session-search" placeholder="filter sessions">'
        '<label><input type="checkbox" id="problems-only"> problems only</label></div>'
    )
    blocks = "".join(_session(sid, cases, failures.get(sid, [])) for sid, cases in ordered)
    return f"<h2>Sessions ({len(ordered)})</h2>{controls}{blocks}"


def _session(session_id: str, cases: list[CaseOutcome], failures: list[str]) -> str:
    worst_case = min(cases, key=lambda o: RANK[o.status])
    worst: str = worst_case.status
    words = STATUS_WORDS[worst_case.status]
    quiet = ("passed", "labelled")
    note = "" if worst in quiet else f' <span class="meta">{escape(worst_case.message)}</span>'
    if failures:  # an EvaluatorTest expectation about this session failed: it must not read "pass"
        worst, words = "fail", EXPECTATION_FAILED
        note = f' <span class="meta">{escape("; ".join(failures))}</span>'
    rows = []
    for case in cases:
        for entry in case.entries:
            if entry.error is not None:
                shown, why = f"{entry.error.type}", entry.error.message
            else:
                shown, why = describe_score(entry), entry.explanation or ""
            status = entry_status(entry, case.pass_mark)
            rows.append(
                f'<tr class="result" data-status="{status}">'
                f"<td>{escape(evaluator_label(case.evaluator))}</td><td>{escape(target(entry))}</td>"
                f'<td><span class="badge {status}">{STATUS_WORDS[status]}</span> {escape(shown)}</td>'
                f"<td>{escape(why)}</td></tr>"
            )
    text = escape(" ".join([session_id, *(o.evaluator.name for o in cases)]).lower())
    return (
        f'<details class="session" data-status="{worst}" data-search="{text}"><summary>'
        f'<span class="badge {worst}">{words}</span> '
        f"<code>{escape(session_id)}</code>{note}</summary>"
        "<table><tr><th>Evaluator</th><th>Target</th><th>Outcome</th><th>Explanation</th></tr>"
        + "".join(rows)
        + "</table></details>"
    )
