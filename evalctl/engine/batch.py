"""Score many (evaluator, session) pairs at once: the code calls of all of them go to the workers together.

`evaluate` per pair from several threads leaves each thread blocked on one worker's pipe. Here one
thread keeps every worker of a handler's pool busy (see `dispatch`) and, while they run, scores the
pairs that need no worker (trajectory matches, judges). The results are the ones `evaluate` gives,
in the jobs' order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from evalctl.catalog import TRAJECTORY_EVALUATORS
from evalctl.engine.code import CodeRunError, CodeRunner
from evalctl.engine.judge import Judge
from evalctl.engine.model import CodeSource, EvaluationResult, EvaluatorDef, Session, SpanContext
from evalctl.engine.scoring import code_result, evaluate, failed_result, lambda_event, plan

Job = tuple[EvaluatorDef, Session, list[dict[str, Any]] | None]


@dataclass(frozen=True)
class _Call:
    job: int
    slot: int
    context: SpanContext
    ignored: list[str]


def evaluate_many(jobs: Sequence[Job], judge: Judge, *, runner: CodeRunner) -> list[list[EvaluationResult]]:
    """`evaluate(evaluator, session, refs, judge)` of each job, code calls dispatched together."""
    rows: list[list[EvaluationResult | None]] = [[] for _ in jobs]
    by_source: dict[CodeSource, list[int]] = {}
    local: list[int] = []
    for index, (evaluator, _, _) in enumerate(jobs):
        if evaluator.code is not None and dispatched(evaluator):
            by_source.setdefault(evaluator.code, []).append(index)
        else:
            local.append(index)
    remote = sum(len(indices) for indices in by_source.values())
    # Spread the local jobs evenly between the code calls, so the workers never wait for them.
    share = math.ceil(len(local) / remote) if remote else 0
    leftover = iter(local)

    def score_local(count: int | None) -> None:
        for index in islice(leftover, count):
            evaluator, session, refs = jobs[index]
            rows[index] = list(evaluate(evaluator, session, refs, judge, runner=runner))

    def events(indices: list[int], calls: list[_Call]) -> Iterator[dict[str, Any]]:
        for index in indices:
            evaluator, session, refs = jobs[index]
            planned = plan(evaluator, session, refs)
            rows[index] = [None] * len(planned)
            for slot, (item, target_refs, ignored) in enumerate(planned):
                calls.append(_Call(index, slot, item.context, ignored))
                yield lambda_event(evaluator, session, target_refs, item)
            score_local(share)

    for source, indices in by_source.items():
        calls: list[_Call] = []
        verdicts = runner.invoke_many(source, events(indices, calls))
        for call, verdict in zip(calls, verdicts, strict=True):
            evaluator = jobs[call.job][0]
            rows[call.job][call.slot] = (
                failed_result(evaluator, call.context, call.ignored, verdict)
                if isinstance(verdict, CodeRunError)
                else code_result(evaluator, call.context, call.ignored, verdict)
            )
    score_local(None)
    return [[result for result in row if result is not None] for row in rows]


def dispatched(evaluator: EvaluatorDef) -> bool:
    """Code evaluators with local code, whose calls go to the workers; the rest are scored in place."""
    return (
        evaluator.kind == "code"
        and evaluator.evaluator_id not in TRAJECTORY_EVALUATORS
        and evaluator.code is not None
        and evaluator.code.runnable
    )
