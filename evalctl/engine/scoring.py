"""Score one session with one evaluator: targets per level, dispatch by kind, API-shaped results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evalctl.catalog import TRAJECTORY_EVALUATORS
from evalctl.engine import reference, trajectory
from evalctl.engine.builtins import used_reference_fields
from evalctl.engine.code import CodeRunError, CodeRunner, default_runner
from evalctl.engine.judge import Judge, JudgeError, JudgeInput
from evalctl.engine.model import EvaluationResult, EvaluatorDef, Session, SpanContext, ToolCall, Trace

SCHEMA_VERSION = "1.0"


class TargetNotFound(ValueError):
    """`evaluationTarget` names trace or span ids that are not in the session."""


@dataclass(frozen=True)
class _Target:
    context: SpanContext
    trace: Trace | None = None
    call: ToolCall | None = None


def evaluate(
    evaluator: EvaluatorDef,
    session: Session,
    reference_inputs: list[dict[str, Any]] | None,
    judge: Judge,
    target: dict[str, Any] | None = None,
    *,
    runner: CodeRunner | None = None,
) -> list[EvaluationResult]:
    """One result per evaluated target (per dimension for multi-dimensional judges)."""
    results: list[EvaluationResult] = []
    for item in targets(evaluator.level, session, target):
        ctx = item.context
        refs = reference.for_target(
            reference_inputs, session.session_id, evaluator.level, ctx.trace_id, ctx.span_id
        )
        ignored = reference.ignored_fields(evaluator, refs)
        try:
            results.extend(
                _score(evaluator, session, item, refs, judge=judge, runner=runner, ignored=ignored)
            )
        except (CodeRunError, JudgeError) as exc:
            code = exc.code if isinstance(exc, CodeRunError) else "JudgeError"
            results.append(_result(evaluator, ctx, ignored, error_code=code, error_message=str(exc)))
    return results


def targets(level: str, session: Session, target: dict[str, Any] | None = None) -> list[_Target]:
    """The session, its traces or its tool calls, narrowed by an API `evaluationTarget`."""
    sid = session.session_id
    trace_ids = list((target or {}).get("traceIds") or [])
    span_ids = list((target or {}).get("spanIds") or [])
    if level == "SESSION":
        return [_Target(SpanContext(sid))]
    if level == "TRACE":
        traces = session.traces
        if trace_ids:
            _require(trace_ids, {t.trace_id for t in traces}, "trace")
            traces = [t for t in traces if t.trace_id in trace_ids]
        elif span_ids:
            traces = [t for t in traces if set(span_ids) & set(t.span_ids)]
        return [_Target(SpanContext(sid, t.trace_id), trace=t) for t in traces]
    calls = session.tool_calls
    if span_ids:
        _require(span_ids, {c.span_id for c in calls}, "tool-call span")
        calls = [c for c in calls if c.span_id in span_ids]
    elif trace_ids:
        calls = [c for c in calls if c.trace_id in trace_ids]
    return [_Target(SpanContext(sid, c.trace_id, c.span_id), call=c) for c in calls]


def _require(wanted: list[str], present: set[str], what: str) -> None:
    missing = [ident for ident in wanted if ident not in present]
    if missing:
        raise TargetNotFound(f"evaluationTarget names {what} ids not in the session: {', '.join(missing)}")


def _score(
    evaluator: EvaluatorDef,
    session: Session,
    item: _Target,
    refs: list[dict[str, Any]],
    *,
    judge: Judge,
    runner: CodeRunner | None,
    ignored: list[str],
) -> list[EvaluationResult]:
    ctx = item.context
    if evaluator.evaluator_id in TRAJECTORY_EVALUATORS:
        expected = reference.expected_trajectory(refs)
        if expected is None:
            raise JudgeError(f"{evaluator.evaluator_id} needs expectedTrajectory.toolNames for the session")
        actual = [call.name for call in session.tool_calls]
        value, label, why = trajectory.score(evaluator.evaluator_id, expected, actual)
        return [_result(evaluator, ctx, ignored, value=value, label=label, explanation=why)]
    if evaluator.kind == "code":
        if evaluator.code is None or not evaluator.code.runnable:
            raise CodeRunError("CodeUnavailable", f"no local code for evaluator {evaluator.evaluator_id}")
        event = lambda_event(evaluator, session, refs, item)
        verdict = (runner or default_runner()).invoke(evaluator.code, event)
        return [_result(evaluator, ctx, ignored, value=verdict.value, label=verdict.label,
                        explanation=verdict.explanation)]  # fmt: skip
    verdicts = judge.judge(evaluator, judge_input(evaluator, session, item, refs))
    return [
        _result(
            evaluator,
            ctx,
            ignored,
            value=v.value,
            label=v.label,
            explanation=v.explanation,
            dimension_name=v.dimension_name,
            token_usage=v.token_usage,
        )
        for v in verdicts
    ]


def lambda_event(
    evaluator: EvaluatorDef, session: Session, refs: list[dict[str, Any]], item: _Target
) -> dict[str, Any]:
    """The documented code-based evaluator event for one target."""
    target: dict[str, Any] | None = None
    if evaluator.level == "TRACE" and item.context.trace_id:
        target = {"traceIds": [item.context.trace_id]}
    elif evaluator.level == "TOOL_CALL" and item.context.span_id:
        target = {"spanIds": [item.context.span_id]}
    return {
        "schemaVersion": SCHEMA_VERSION,
        "evaluatorId": evaluator.evaluator_id,
        "evaluatorName": evaluator.evaluator_name,
        "evaluationLevel": evaluator.level,
        "evaluationInput": {"sessionSpans": session.documents},
        "evaluationReferenceInputs": refs,
        "evaluationTarget": target,
    }


def judge_input(
    evaluator: EvaluatorDef, session: Session, item: _Target, refs: list[dict[str, Any]]
) -> JudgeInput:
    """Placeholder values for one target; ground truth only where the evaluator reads it."""
    used = used_reference_fields(evaluator)

    def uses(name: str) -> bool:
        return used is None or name in used

    trace = item.trace or _trace_of(session, item.call)
    answered = [t.assistant_response for t in session.traces if t.assistant_response]
    return JudgeInput(
        level=evaluator.level,
        context=transcript(session, until=trace, include_current_response=evaluator.level == "SESSION"),
        assistant_turn=trace.assistant_response if trace and item.call is None else (answered or [""])[-1],
        tool_turn=_tool_turn(item.call) if item.call else "",
        available_tools=session.available_tools,
        expected_response=reference.expected_response(refs, item.context.trace_id)
        if uses("expectedResponse")
        else None,
        assertions=reference.assertions(refs) if uses("assertions") else [],
        expected_tool_trajectory=reference.expected_trajectory(refs) if uses("expectedTrajectory") else None,
        actual_tool_trajectory=[call.name for call in session.tool_calls],
        tool_error=item.call.error if item.call else None,
        tool_name=item.call.name if item.call else None,
    )


def transcript(session: Session, until: Trace | None = None, include_current_response: bool = True) -> str:
    """The conversation as text, up to and including `until` (its response only if asked)."""
    lines: list[str] = []
    for trace in session.traces:
        current = until is not None and trace.trace_id == until.trace_id
        if trace.user_prompt:
            lines.append(f"User: {trace.user_prompt}")
        lines.extend(f"Tool: {_tool_turn(call)}" for call in trace.tool_calls)
        if trace.assistant_response and (include_current_response or not current):
            lines.append(f"Assistant: {trace.assistant_response}")
        if current:
            break
    return "\n".join(lines)


def _tool_turn(call: ToolCall) -> str:
    outcome = f"error: {call.error}" if call.error else _compact(call.result)
    return f"{call.name}({_compact(call.arguments)}) -> {outcome}"


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def _trace_of(session: Session, call: ToolCall | None) -> Trace | None:
    if call is None:
        return None
    return next((t for t in session.traces if t.trace_id == call.trace_id), None)


def _result(evaluator: EvaluatorDef, ctx: SpanContext, ignored: list[str], **fields: Any) -> EvaluationResult:
    return EvaluationResult(
        evaluator_id=evaluator.evaluator_id,
        evaluator_name=evaluator.evaluator_name,
        evaluator_arn=evaluator.evaluator_arn,
        context=ctx,
        ignored_reference_input_fields=ignored,
        **fields,
    )
