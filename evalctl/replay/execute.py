"""Replay cases in parallel and check their expectations."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from evalctl.engine.code import CodeRunner
from evalctl.engine.judge import Judge, OfflineJudge
from evalctl.engine.model import EvaluationResult, Session
from evalctl.engine.scoring import evaluate
from evalctl.replay.cases import Case


@dataclass(frozen=True)
class Outcome:
    """One expectation of one EvaluatorTest, checked."""

    test: str
    evaluator: str
    target: str
    passed: bool
    message: str
    skipped: bool = False
    # Sessions whose results broke the expectation (or that had none for it), for the reports' badges.
    sessions: tuple[str, ...] = ()


def _score(case: Case, session: Session, judge: Judge | None, runner: CodeRunner) -> list[EvaluationResult]:
    refs = case.references.get(session.session_id)
    # Only judge-based evaluators consult the judge; the others never get here without one.
    return evaluate(case.evaluator, session, refs, judge or OfflineJudge(), runner=runner)


def replay(
    cases: list[Case], judge: Judge | None, workers: int | None = None
) -> dict[str, list[EvaluationResult]]:
    """Every (case, session) pair scored, across threads; code runs in the engine's worker processes."""
    workers = workers or os.cpu_count() or 2
    runner = CodeRunner(workers_per_handler=workers)
    jobs = [(c, s) for c in cases if judge is not None or not c.needs_judge for s in c.sessions]
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            scored = list(pool.map(lambda job: _score(job[0], job[1], judge, runner), jobs))
    finally:
        runner.close()
    out: dict[str, list[EvaluationResult]] = {c.doc.name: [] for c in cases}
    for (case, _), results in zip(jobs, scored, strict=True):
        out[case.doc.name] += results
    return out


def _matches(result: EvaluationResult, expect: Mapping[str, Any]) -> bool:
    ctx = result.context
    return all(
        expect.get(key) is None or expect.get(key) == value
        for key, value in (("sessionId", ctx.session_id), ("traceId", ctx.trace_id), ("spanId", ctx.span_id))
    )


def _where(result: EvaluationResult) -> str:
    """Which target a result is about, so a failure names the trace or tool call to look at."""
    ctx = result.context
    if ctx.span_id:
        return f"tool call {ctx.span_id}"
    return f"trace {ctx.trace_id}" if ctx.trace_id else f"session {ctx.session_id}"


def _violations(result: EvaluationResult, expect: Mapping[str, Any]) -> list[str]:
    return [f"{_where(result)}: {problem}" for problem in _problems(result, expect)]


def _problems(result: EvaluationResult, expect: Mapping[str, Any]) -> list[str]:
    if result.failed:
        return [f"failed: {result.error_code}: {result.error_message}"]
    problems = []
    if "label" in expect and result.label != expect["label"]:
        problems.append(f"label {result.label!r} != {expect['label']!r}")
    if "minValue" in expect and (result.value is None or result.value < float(expect["minValue"])):
        problems.append(f"value {result.value} < {expect['minValue']}")
    if "maxValue" in expect and (result.value is None or result.value > float(expect["maxValue"])):
        problems.append(f"value {result.value} > {expect['maxValue']}")
    return problems


def check(case: Case, results: Iterable[EvaluationResult], judged: bool) -> list[Outcome]:
    """Each expectation holds for every result it targets, and targets at least one."""
    results = list(results)
    evaluator = case.doc.spec["evaluator"]
    outcomes = []
    for expect in case.doc.spec["expect"]:
        target = expect.get("spanId") or expect.get("traceId") or expect.get("sessionId") or "every target"
        if case.needs_judge and not judged:
            reason = "skipped: no judge configured (set EVALCTL_JUDGE or pass --judge offline)"
            outcomes.append(Outcome(case.doc.name, evaluator, target, True, reason, skipped=True))
            continue
        hits = [r for r in results if _matches(r, expect)]
        problems = [p for r in hits for p in _violations(r, expect)]
        broken = {r.context.session_id for r in hits if _problems(r, expect)}
        if not hits:
            problems = [f"no result for {target} (is it in the session files?)"]
            broken = {expect["sessionId"]} if expect.get("sessionId") else set()
        shown = "; ".join(problems) or _describe(hits)
        if problems and expect.get("reason"):
            shown += f" (expected because: {expect['reason']})"
        outcomes.append(
            Outcome(case.doc.name, evaluator, target, not problems, shown, sessions=tuple(sorted(broken)))
        )
    return outcomes


def _describe(hits: list[EvaluationResult]) -> str:
    first = hits[0]
    return f"{len(hits)} result(s), e.g. label {first.label!r} value {first.value}"
