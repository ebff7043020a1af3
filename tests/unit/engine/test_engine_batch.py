"""Many (evaluator, session) pairs at once: the same results as one `evaluate` per pair, failures included."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from evalctl.engine.batch import evaluate_many
from evalctl.engine.builtins import builtin_definition
from evalctl.engine.code import CodeRunner
from evalctl.engine.judge import OfflineJudge
from evalctl.engine.model import CodeSource, EvaluatorDef
from evalctl.engine.scoring import evaluate
from tests.unit.engine.test_engine_code import FAILURES, code_evaluator

BENCH = Path(__file__).resolve().parents[3] / "bench" / "replay.py"

# The event as the handler saw it, so equal explanations mean equal events.
SUMMARY = """
import hashlib, json
def lambda_handler(event, context):
    digest = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
    return {"label": event["evaluationLevel"], "value": len(event["evaluationReferenceInputs"]),
            "explanation": json.dumps([digest, event["evaluationTarget"]])}
"""


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_replay", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pool_of_two():
    runner = CodeRunner(workers_per_handler=2)
    yield runner
    runner.close()


def test_batch_gives_what_evaluate_gives_on_the_bench_sessions(pool_of_two, handler_dir):
    """The replay bench's sessions and evaluators, plus code at every level and a judge: identical results."""
    bench = _bench()
    sessions = bench.rekey(bench.base_sessions(), 12)
    leak_scan = code_evaluator(handler_dir(bench.HANDLER), "SESSION")
    evaluators = [builtin_definition(ident) for ident in bench.TRAJECTORY] + [leak_scan]
    evaluators += [code_evaluator(handler_dir(SUMMARY), level) for level in ("SESSION", "TRACE", "TOOL_CALL")]
    evaluators.append(builtin_definition("Builtin.Helpfulness"))
    jobs = [(e, s, bench.references(s)) for s in sessions for e in evaluators]
    judge = OfflineJudge()
    one_by_one = [
        [r.to_api() for r in evaluate(e, s, refs, judge, runner=pool_of_two)] for e, s, refs in jobs
    ]
    together = [[r.to_api() for r in row] for row in evaluate_many(jobs, judge, runner=pool_of_two)]
    assert together == one_by_one
    flat = [result for row in together for result in row]
    assert not [r for r in flat if "errorCode" in r], "every evaluator scores the bench sessions"
    assert {r["evaluatorId"] for r in flat} == {e.evaluator_id for e in evaluators}
    tool_level = [r for r in flat if r["label"] == "TOOL_CALL"]
    assert tool_level, "the fixtures have tool calls, so TOOL_CALL events were sent"


@pytest.mark.parametrize(("source", "code", "fragment", "reason"), FAILURES)
def test_failures_in_a_batch_are_those_of_single_calls(
    pool_of_two, handler_dir, sessions_of, source, code, fragment, reason
):
    """Every failure mode fails its own results in a batch, with the code a single call gives."""
    evaluator = code_evaluator(handler_dir(source), "SESSION", timeout=0.5)
    sessions = sessions_of("openinference_adot_spans.json", "raw_otel_langchain_tool_runtime_logs.json")
    rows = evaluate_many([(evaluator, s, []) for s in sessions], OfflineJudge(), runner=pool_of_two)
    assert [len(row) for row in rows] == [1] * len(sessions) == [1, 1], reason
    for row in rows:
        assert (row[0].error_code, fragment in (row[0].error_message or "")) == (code, True), reason


def test_a_timeout_in_a_batch_fails_only_its_call(handler_dir, sessions_of):
    """With one worker, the call after a timed-out one runs in a fresh process and succeeds."""
    source = (
        "import os, time\ndef lambda_handler(e, c):\n"
        "    if len(e['evaluationInput']['sessionSpans']) == 8: time.sleep(30)\n"
        "    return {'label': 'ok', 'explanation': str(os.getpid())}"
    )
    evaluator = code_evaluator(handler_dir(source), "SESSION", timeout=0.5)
    quick = sessions_of("raw_otel_langchain_tool_runtime_logs.json")[0]
    slow = sessions_of("openinference_adot_spans.json")[0]  # its 8 documents make the handler hang
    runner = CodeRunner(workers_per_handler=1)
    try:
        rows = evaluate_many(
            [(evaluator, s, []) for s in (quick, slow, quick)], OfflineJudge(), runner=runner
        )
    finally:
        runner.close()
    [first], [hung], [last] = rows
    assert (first.label, hung.error_code, last.label) == ("ok", "Timeout", "ok")
    assert first.explanation != last.explanation, "the hung worker was killed and replaced"


def test_one_thread_keeps_every_worker_busy(pool_of_two, handler_dir, sessions_of, tmp_path):
    """Two calls that can only finish together (each waits for the other's file) both succeed."""
    source = f"""
import os, time
FOLDER = {str(tmp_path)!r}
def lambda_handler(e, c):
    mine = os.path.join(FOLDER, e["evaluatorName"])
    open(mine, "w").close()
    other = os.path.join(FOLDER, "b" if e["evaluatorName"] == "a" else "a")
    deadline = time.monotonic() + 5
    while not os.path.exists(other):
        if time.monotonic() > deadline:
            return {{"label": "alone"}}
        time.sleep(0.01)
    return {{"label": "together", "explanation": str(os.getpid())}}
"""
    folder = handler_dir(source)
    session = sessions_of("openinference_adot_spans.json")[0]
    code = CodeSource(directory=folder, timeout_seconds=10)
    pair = [
        EvaluatorDef(f"code-{name}bcdefghij", name, "arn:code", "SESSION", "code", code=code) for name in "ab"
    ]
    rows = evaluate_many([(e, session, []) for e in pair], OfflineJudge(), runner=pool_of_two)
    assert [row[0].label for row in rows] == ["together", "together"]
    assert len({json.dumps(row[0].explanation) for row in rows}) == 2, "two worker processes"


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
        jobs = [(evaluator, s, []) for s in (quick, greedy, quick, greedy, quick)]
        rows = evaluate_many(jobs, OfflineJudge(), runner=runner)
    finally:
        runner.close()
    outcomes = [row[0].error_code or row[0].label for row in rows]
    assert outcomes == ["ok", "Runtime.OutOfMemory", "ok", "Runtime.OutOfMemory", "ok"]
    assert len({row[0].explanation for row in rows if row[0].label}) == 3, "a new worker after each"


@pytest.mark.parametrize(
    ("payload", "code", "reason"),
    [(b"not a zip", "InvalidCodePackage", "garbage bytes"), (None, "CodeUnavailable", "only a Lambda ARN")],
)
def test_unusable_code_fails_every_call_of_a_batch(pool_of_two, sessions_of, payload, code, reason):
    """Code that cannot run fails each of its results, as one call at a time does, and nothing else."""
    source = CodeSource(zip_bytes=payload, lambda_arn="arn:aws:lambda:us-east-1:123456789012:function:f")
    broken = EvaluatorDef("code-abcdefghij", "code_eval", "arn:code", "TRACE", "code", code=source)
    trajectory = builtin_definition("Builtin.TrajectoryAnyOrderMatch")
    sessions = sessions_of("openinference_adot_spans.json", "raw_otel_langchain_tool_runtime_logs.json")
    jobs = [(e, s, _trajectory_refs(s.session_id)) for s in sessions for e in (broken, trajectory)]
    judge = OfflineJudge()
    together = [[r.to_api() for r in row] for row in evaluate_many(jobs, judge, runner=pool_of_two)]
    assert together == [[r.to_api() for r in evaluate(*job, judge, runner=pool_of_two)] for job in jobs]
    codes = [[r.get("errorCode") for r in row] for row in together]
    assert all(codes[::2]) and {c for row in codes[::2] for c in row} == {code}, reason
    assert codes[1::2] == [[None], [None]], "the trajectory matches beside it still score"


def _trajectory_refs(session_id: str) -> list[dict[str, object]]:
    return [{"context": {"spanContext": {"sessionId": session_id}}, "expectedTrajectory": {"toolNames": []}}]
