"""The engine on the replay bench's data gives what the bare in-process loop computes, in order."""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from evalctl.engine import trajectory
from evalctl.engine.builtins import builtin_definition
from evalctl.engine.code import CodeRunner
from evalctl.engine.judge import OfflineJudge
from evalctl.engine.scoring import evaluate, lambda_event, targets
from tests.unit.engine.test_engine_code import code_evaluator

BENCH = Path(__file__).resolve().parents[3] / "bench" / "replay.py"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the bench's dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_engine_matches_the_bare_loop_on_the_bench_sessions(handler_dir):
    """Scores, labels, explanations and order: 2 threads + 2 workers, and 1 + 1, equal the bare loop."""
    bench = _load("bench_replay", BENCH)
    sessions = bench.rekey(bench.base_sessions(), 15)
    folder = handler_dir(bench.HANDLER)
    evaluators = [builtin_definition(ident) for ident in bench.TRAJECTORY]
    evaluators.append(code_evaluator(folder, "SESSION"))
    handler = _load("bench_handler_in_process", folder / "lambda_function.py").lambda_handler
    expected: list[tuple[Any, ...]] = []
    for session in sessions:
        names = [call.name for call in session.tool_calls]
        for ident in bench.TRAJECTORY:
            value, label, why = trajectory.score(ident, names, names)
            expected.append((ident, session.session_id, label, value, why))
        event = lambda_event(
            evaluators[-1], session, bench.references(session), targets("SESSION", session)[0]
        )
        returned = handler(event, None)
        expected.append(("code-abcdefghij", session.session_id, returned["label"], returned["value"],
                         returned["explanation"]))  # fmt: skip
    for threads in (2, 1):
        runner = CodeRunner(workers_per_handler=threads)
        judge = OfflineJudge()

        def replay(session: Any, runner: CodeRunner = runner, judge: OfflineJudge = judge) -> list[Any]:
            refs = bench.references(session)
            return [r for e in evaluators for r in evaluate(e, session, refs, judge, runner=runner)]

        try:
            with ThreadPoolExecutor(threads) as pool:
                results = [r for rows in pool.map(replay, sessions) for r in rows]
        finally:
            runner.close()
        got = [(r.evaluator_id, r.context.session_id, r.label, r.value, r.explanation) for r in results]
        assert got == expected, f"{threads} thread(s)"
    assert {label for _, _, label, _, _ in expected} >= {"Pass"}, "the bench's leak scan passes sessions"


def test_the_call_after_running_out_of_memory_gets_a_fresh_worker(handler_dir, sessions_of):
    """A worker that ran out of memory is replaced before the next call, never handed it."""
    source = (
        "import os\ndef lambda_handler(e, c):\n"
        "    if len(e['evaluationInput']['sessionSpans']) == 8: bytearray(2 * 1024 ** 3)\n"
        "    return {'label': 'ok', 'explanation': str(os.getpid())}"
    )
    evaluator = code_evaluator(handler_dir(source), "SESSION")
    quick = sessions_of("raw_otel_langchain_tool_runtime_logs.json")[0]
    greedy = sessions_of("openinference_adot_spans.json")[0]  # its 8 documents make the handler allocate
    runner = CodeRunner(workers_per_handler=1)
    try:
        rows = [
            evaluate(evaluator, s, [], OfflineJudge(), runner=runner)
            for s in (quick, greedy, quick, greedy, quick)
        ]
    finally:
        runner.close()
    outcomes = [row[0].error_code or row[0].label for row in rows]
    assert outcomes == ["ok", "Runtime.OutOfMemory", "ok", "Runtime.OutOfMemory", "ok"]
    assert len({row[0].explanation for row in rows if row[0].label}) == 3, "a new worker after each"
