"""Code-based evaluators: the Lambda event, return contract, failures, timeouts and worker reuse."""

from __future__ import annotations

import io
import zipfile

import pytest

from evalctl.engine.code import CodeRunError, interpret
from evalctl.engine.judge import OfflineJudge
from evalctl.engine.model import CodeSource, EvaluatorDef
from evalctl.engine.scoring import evaluate

ECHO = """
import json, os
def lambda_handler(event, context):
    print("handler output must not break the protocol")
    summary = {k: event[k] for k in ("schemaVersion", "evaluatorId", "evaluatorName", "evaluationLevel",
                                      "evaluationTarget", "evaluationReferenceInputs")}
    summary["spans"] = len(event["evaluationInput"]["sessionSpans"])
    summary["pid"] = os.getpid()
    summary["remaining"] = context.get_remaining_time_in_millis() > 0
    return {"label": "Echo", "value": 0.25, "explanation": json.dumps(summary)}
"""


def code_evaluator(
    folder, level="TRACE", timeout=10.0, handler="lambda_function.lambda_handler", zipped=None
):
    source = CodeSource(
        directory=None if zipped else folder, zip_bytes=zipped, handler=handler, timeout_seconds=timeout
    )
    return EvaluatorDef("code-abcdefghij", "code_eval", "arn:code", level, "code", code=source)


@pytest.fixture
def session(sessions_of):
    return sessions_of("openinference_adot_spans.json")[0]  # strands-evals synthetic: 2 traces, 1 tool call


REFS = [
    {"context": {"spanContext": {"sessionId": "unknown-session"}}, "assertions": [{"text": "s"}]},
    {
        "context": {"spanContext": {"sessionId": "unknown-session", "traceId": "adot-trace-1"}},
        "expectedResponse": {"text": "t1"},
    },
    {
        "context": {"spanContext": {"sessionId": "unknown-session", "spanId": "adot-tool-1"}},
        "expectedResponse": {"text": "tool"},
    },
]


@pytest.mark.parametrize(
    ("level", "targets", "ref_counts", "reason"),
    [
        ("SESSION", [None], [3], "no target, every reference input"),
        (
            "TRACE",
            [{"traceIds": ["adot-trace-1"]}, {"traceIds": ["adot-trace-2"]}],
            [2, 1],
            "session-level entry plus the trace's own",
        ),
        ("TOOL_CALL", [{"spanIds": ["adot-tool-1"]}], [2], "session-level entry plus the span's own"),
    ],
)
def test_event_per_level(runner, handler_dir, session, level, targets, ref_counts, reason):
    """The handler receives the documented event, filtered per level, in one reused worker."""
    import json

    results = evaluate(code_evaluator(handler_dir(ECHO), level), session, REFS, OfflineJudge(), runner=runner)
    seen = [json.loads(r.explanation or "{}") for r in results]
    assert [s["evaluationTarget"] for s in seen] == targets, reason
    assert [len(s["evaluationReferenceInputs"]) for s in seen] == ref_counts, reason
    assert {(s["schemaVersion"], s["evaluationLevel"], s["spans"], s["remaining"]) for s in seen} == {
        ("1.0", level, 8, True)
    }
    assert len({s["pid"] for s in seen}) == 1, "one persistent worker serves every call"
    assert all((r.label, r.value) == ("Echo", 0.25) for r in results)


FAILURES = [
    (
        "def lambda_handler(e, c):\n    return {'errorCode': 'NoSpans', 'errorMessage': 'nothing to score'}",
        "NoSpans",
        "nothing to score",
        "documented error return",
    ),
    (
        "def lambda_handler(e, c):\n    raise ValueError('boom')",
        "HandlerException",
        "ValueError: boom",
        "exception",
    ),
    ("def lambda_handler(e, c):\n    return 42", "InvalidHandlerResponse", "int", "not an object"),
    ("def lambda_handler(e, c):\n    return {'value': 1}", "InvalidHandlerResponse", "label", "no label"),
    (
        "def lambda_handler(e, c):\n    return {'label': 'x', 'value': 'high'}",
        "InvalidHandlerResponse",
        "number",
        "non-numeric value",
    ),
    ("import time\ndef lambda_handler(e, c):\n    time.sleep(30)", "Timeout", "0.5 s", "timeout enforced"),
    ("import os\ndef lambda_handler(e, c):\n    os._exit(3)", "HandlerCrashed", "exited", "worker died"),
    ("raise ImportError('missing dependency')", "HandlerLoadError", "missing dependency", "import failure"),
]


@pytest.mark.parametrize(("source", "code", "fragment", "reason"), FAILURES)
def test_failures_become_failed_results(runner, handler_dir, session, source, code, fragment, reason):
    """Every failure mode yields a failed result with errorCode and errorMessage, never a crash."""
    evaluator = code_evaluator(handler_dir(source), "SESSION", timeout=0.5)
    [result] = evaluate(evaluator, session, [], OfflineJudge(), runner=runner)
    api = result.to_api()
    assert api["errorCode"] == code, reason
    assert fragment in api["errorMessage"], reason
    assert "label" not in api


def test_worker_recovers_after_timeout(runner, handler_dir, session):
    """A timed-out worker is replaced; the next call runs in a fresh process and succeeds."""
    source = (
        "import time\ndef lambda_handler(e, c):\n    if e['evaluationTarget'] is None: time.sleep(30)\n"
        "    return {'label': 'ok'}"
    )
    folder = handler_dir(source)
    [slow] = evaluate(
        code_evaluator(folder, "SESSION", timeout=0.5), session, [], OfflineJudge(), runner=runner
    )
    fast = evaluate(code_evaluator(folder, "TRACE", timeout=5), session, [], OfflineJudge(), runner=runner)
    assert slow.error_code == "Timeout"
    assert [r.label for r in fast] == ["ok", "ok"]


def test_zip_bytes_as_lambda_stores_them(runner, session):
    """Zip bytes are extracted once and run like a directory, with a nested handler module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr("pkg/scorer.py", "def handle(e, c):\n    return {'label': 'Zipped', 'value': 1}")
    evaluator = code_evaluator(None, "SESSION", handler="pkg.scorer.handle", zipped=buffer.getvalue())
    [result] = evaluate(evaluator, session, [], OfflineJudge(), runner=runner)
    assert (result.label, result.value) == ("Zipped", 1.0)


@pytest.mark.parametrize(
    ("payload", "code", "reason"),
    [(b"not a zip", "InvalidCodePackage", "garbage bytes"), (None, "CodeUnavailable", "only a Lambda ARN")],
)
def test_unusable_code_packages(runner, session, payload, code, reason):
    """Bad zips and ARN-only sources fail the result with a clear code."""
    source = CodeSource(zip_bytes=payload, lambda_arn="arn:aws:lambda:us-east-1:123456789012:function:f")
    evaluator = EvaluatorDef("code-abcdefghij", "code_eval", "arn:code", "SESSION", "code", code=source)
    [result] = evaluate(evaluator, session, [], OfflineJudge(), runner=runner)
    assert result.error_code == code, reason


def test_zip_slip_is_refused(runner, session):
    """An entry that would escape the extraction folder is rejected."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.py", "")
    evaluator = code_evaluator(None, "SESSION", zipped=buffer.getvalue())
    [result] = evaluate(evaluator, session, [], OfflineJudge(), runner=runner)
    assert result.error_code == "InvalidCodePackage"


@pytest.mark.parametrize(
    ("returned", "expected", "reason"),
    [
        ({"label": "A"}, ("A", None, None), "only label is required"),
        ({"label": "B", "value": 2, "explanation": "why"}, ("B", 2.0, "why"), "ints become floats"),
    ],
)
def test_interpret_success(returned, expected, reason):
    """Successful returns keep label, value and explanation."""
    verdict = interpret(returned)
    assert (verdict.label, verdict.value, verdict.explanation) == expected, reason


def test_interpret_rejects_boolean_value():
    """True is an int in Python but not a score."""
    with pytest.raises(CodeRunError, match="number"):
        interpret({"label": "A", "value": True})


def test_waiting_caller_gets_the_replacement_worker(runner, handler_dir, session):
    """With one worker, a call queued behind a call that times out still runs (no lost wake-up)."""
    from concurrent.futures import ThreadPoolExecutor

    source = "import time\ndef lambda_handler(e, c):\n    if e['evaluationTarget'] is None: time.sleep(30)\n"
    source += "    return {'label': 'ok'}"
    folder = handler_dir(source)
    slow = code_evaluator(folder, "SESSION", timeout=0.5)
    fast = code_evaluator(folder, "TRACE", timeout=5)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(evaluate, slow, session, [], OfflineJudge(), runner=runner)
        second = pool.submit(evaluate, fast, session, [], OfflineJudge(), runner=runner)
        results = first.result(timeout=20) + second.result(timeout=20)
    assert sorted(r.error_code or r.label or "" for r in results) == ["Timeout", "ok", "ok"]
