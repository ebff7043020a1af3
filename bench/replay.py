"""Replay benchmark: 1,000 sessions x 4 evaluators through the local engine vs a bare handler loop.

The sessions are the recorded fixture sessions re-keyed (new session ids). The evaluators are the
three trajectory built-ins and one code-based evaluator whose handler walks every span document.
The engine run spreads sessions over 2 threads; the code-based calls go to a persistent pool of 2
worker processes (handler imported once). The bare loop calls the same handler function
in-process on the same events. Targets: engine <= 10 s and <= 1.5x the bare loop.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalctl.engine.code import CodeRunner  # noqa: E402
from evalctl.engine.judge import OfflineJudge  # noqa: E402
from evalctl.engine.model import CodeSource, EvaluatorDef, Session, builtin  # noqa: E402
from evalctl.engine.scoring import evaluate, lambda_event, targets  # noqa: E402
from evalctl.engine.spans import load_span_file, parse_sessions  # noqa: E402

SPANS = ROOT / "tests" / "data" / "spans"
CAPTURES = [
    ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json"),
    ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json"),
    ("raw_otel_langchain_tool_runtime_logs.json",),
    ("openai_agents_openinference_adot_spans.json",),
    ("openinference_adot_spans.json",),
]
SESSIONS, WORKERS = 1000, 2
TRAJECTORY = [
    "Builtin.TrajectoryExactOrderMatch",
    "Builtin.TrajectoryInOrderMatch",
    "Builtin.TrajectoryAnyOrderMatch",
]

# A realistic code-based evaluator: inspect every span and event, decode message payloads,
# fail sessions whose tools errored or whose agent never answered.
HANDLER = '''
import json

AGENT_SCOPES = ("strands.telemetry.tracer", "opentelemetry.instrumentation.langchain",
                "openinference.instrumentation")

def _texts(body):
    for side in ("input", "output"):
        for message in ((body.get(side) or {}).get("messages") or []):
            content = message.get("content")
            if isinstance(content, str) and content[:1] in "[{":
                try:
                    content = json.loads(content)
                except ValueError:
                    pass
            yield side, message.get("role"), content

def lambda_handler(event, context):
    spans = event["evaluationInput"]["sessionSpans"]
    agent_spans = tool_errors = answers = 0
    for doc in spans:
        scope = (doc.get("scope") or {}).get("name", "")
        if not scope.startswith(AGENT_SCOPES):
            continue
        agent_spans += 1
        status = (doc.get("status") or {}).get("code")
        attrs = doc.get("attributes") or {}
        if status == "ERROR" and (attrs.get("openinference.span.kind") == "TOOL" or "gen_ai.tool.name" in attrs):
            tool_errors += 1
        bodies = [doc["body"]] if isinstance(doc.get("body"), dict) else []
        bodies += [e["body"] for e in doc.get("span_events") or [] if isinstance(e.get("body"), dict)]
        for body in bodies:
            for side, role, content in _texts(body):
                if side == "output" and role == "assistant" and content:
                    answers += 1
        if any(k.startswith("llm.output_messages.") for k in attrs):
            answers += 1
    ok = tool_errors == 0 and answers > 0
    return {"label": "Pass" if ok else "Fail", "value": 1.0 if ok else 0.0,
            "explanation": f"{agent_spans} agent spans, {tool_errors} tool errors, {answers} answers"}
'''


def base_sessions() -> list[Session]:
    """One session per capture (span files merged with their runtime events)."""
    found: list[Session] = []
    for files in CAPTURES:
        docs = [doc for name in files for doc in load_span_file(SPANS / name)]
        found.extend(parse_sessions(docs))
    return found


def rekey(bases: list[Session], count: int) -> list[Session]:
    """`count` sessions cycling through the bases, each under a fresh session id (re-parsed)."""
    out: list[Session] = []
    for index in range(count):
        base = bases[index % len(bases)]
        text = json.dumps(base.documents).replace(base.session_id, f"bench-{index:05d}")
        docs = json.loads(text)
        if base.session_id == "unknown-session":
            for doc in docs:
                doc.setdefault("attributes", {})["session.id"] = f"bench-{index:05d}"
        out.extend(parse_sessions(docs))
    return out


def references(session: Session) -> list[dict[str, object]]:
    """Ground truth: the session's own tool names, so every trajectory mode should match."""
    names = [call.name for call in session.tool_calls]
    ctx = {"spanContext": {"sessionId": session.session_id}}
    return [{"context": ctx, "expectedTrajectory": {"toolNames": names}}]


def main() -> None:
    started = time.perf_counter()
    sessions = rekey(base_sessions(), SESSIONS)
    parse_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="evalctl-bench-") as folder:
        (Path(folder) / "lambda_function.py").write_text(HANDLER)
        code = CodeSource(directory=Path(folder), timeout_seconds=10)
        evaluators = [builtin(ident) for ident in TRAJECTORY]
        evaluators.append(EvaluatorDef("bench-abcdefghij", "bench_code", "arn:bench", "SESSION", "code", code=code))
        runner = CodeRunner(workers_per_handler=WORKERS)
        judge = OfflineJudge()
        try:
            runner.invoke(code, lambda_event(evaluators[-1], sessions[0], [], targets("SESSION", sessions[0])[0]))

            def replay(session: Session) -> int:
                refs = references(session)
                return sum(len(evaluate(e, session, refs, judge, runner=runner)) for e in evaluators)

            started = time.perf_counter()
            with ThreadPoolExecutor(WORKERS) as pool:
                result_count = sum(pool.map(replay, sessions))
            engine_seconds = time.perf_counter() - started
        finally:
            runner.close()
        bare_seconds = bare_loop(Path(folder), evaluators[-1], sessions)
    print(f"sessions={len(sessions)} evaluators={len(evaluators)} results={result_count}")
    print(f"parse+rekey: {parse_seconds:.2f} s (not in either timing)")
    print(f"engine replay (2 threads, 2 code workers): {engine_seconds:.2f} s")
    print(f"bare in-process handler loop: {bare_seconds:.2f} s")
    print(f"ratio engine/bare: {engine_seconds / bare_seconds:.2f}x (target <= 1.5x, engine <= 10 s)")


def bare_loop(folder: Path, evaluator: EvaluatorDef, sessions: list[Session]) -> float:
    """The same handler, imported here, called once per session on the same events."""
    spec = importlib.util.spec_from_file_location("bench_handler", folder / "lambda_function.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    events = [lambda_event(evaluator, s, references(s), targets("SESSION", s)[0]) for s in sessions]
    started = time.perf_counter()
    for event in events:
        module.lambda_handler(event, None)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
