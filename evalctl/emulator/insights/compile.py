"""Expressions compiled to closures over a row, and `stats` expressions over a group of rows."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from evalctl.emulator.insights import nodes as n
from evalctl.emulator.insights.aggregate import AGGREGATES
from evalctl.emulator.insights.functions import SCALARS, truthy
from evalctl.emulator.insights.rows import Row
from evalctl.emulator.insights.values import number, render

RowFn = Callable[[Row], Any]
_ORDER = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def equal(left: Any, right: Any) -> bool:
    """Equality across types: numbers by value (a numeric string equals its number), else as text."""
    if left is None or right is None:
        return False
    a, b = number(left), number(right)
    if a is not None and b is not None:
        return a == b
    return render(left) == render(right)


def compare(op: str, left: Any, right: Any) -> bool:
    """A comparison; a missing value matches none, not even `!=`."""
    if left is None or right is None:
        return False
    if op == "=":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    a, b = number(left), number(right)
    if a is not None and b is not None:
        return bool(_ORDER[op](a, b))
    return bool(_ORDER[op](render(left), render(right)))


def arith(op: str, left: Any, right: Any) -> Any:
    a, b = number(left), number(right)
    if a is None or b is None:
        return None
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "%":
            return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else a % b
        # In floats: an integer power such as 5 ^ (5 ^ 5 ^ 5) would take the server forever.
        result = float(a) ** float(b)
        return result if isinstance(result, float) else None  # a negative base's root is complex
    except (ZeroDivisionError, OverflowError, ValueError):
        return None


def compile_expr(expr: Any) -> RowFn:
    """A function of one row computing `expr`."""
    if isinstance(expr, n.Lit):
        value = expr.value
        return lambda _row: value
    if isinstance(expr, n.Field):
        name = expr.name
        return lambda row: row.get(name)
    if isinstance(expr, n.Bool):
        parts = [compile_expr(o) for o in expr.operands]
        if expr.op == "and":
            return lambda row: all(truthy(p(row)) for p in parts)
        return lambda row: any(truthy(p(row)) for p in parts)
    if isinstance(expr, n.Not):
        inner = compile_expr(expr.operand)
        return lambda row: not truthy(inner(row))
    if isinstance(expr, n.Compare):
        return _compare(expr)
    if isinstance(expr, n.Like):
        return _like(expr)
    if isinstance(expr, n.In):
        subject, values, negate = compile_expr(expr.operand), expr.values, expr.negate
        return lambda row: _member(subject(row), values, negate)
    if isinstance(expr, n.Arith):
        left, right, op = compile_expr(expr.left), compile_expr(expr.right), expr.op
        return lambda row: arith(op, left(row), right(row))
    if isinstance(expr, n.Neg):
        inner = compile_expr(expr.operand)
        return lambda row: arith("-", 0, inner(row))
    if isinstance(expr, n.Call):
        return _call(expr)
    if isinstance(expr, n.Star):
        return lambda _row: True
    raise TypeError(f"not an expression: {expr!r}")


def _compare(expr: n.Compare) -> RowFn:
    left, op = compile_expr(expr.left), expr.op
    if isinstance(expr.right, n.Lit) and op == "=" and isinstance(expr.right.value, str):
        # The common case (`field = "text"`) without the numeric detour when the text is no number.
        wanted = expr.right.value
        if number(wanted) is None:
            return lambda row: (v := left(row)) is not None and (v == wanted or render(v) == wanted)
    right = compile_expr(expr.right)
    return lambda row: compare(op, left(row), right(row))


def _like(expr: n.Like) -> RowFn:
    subject, search, negate = compile_expr(expr.operand), expr.pattern.search, expr.negate

    def run(row: Row) -> bool:
        value = subject(row)
        if value is None:
            return False
        return (search(value if isinstance(value, str) else render(value)) is None) is negate

    return run


def _member(value: Any, values: tuple[Any, ...], negate: bool) -> bool:
    if value is None:
        return False
    return any(equal(value, v) for v in values) is not negate


def _call(expr: n.Call) -> RowFn:
    fn = SCALARS[expr.name][2]
    args = [compile_expr(a) for a in expr.args]
    if expr.name == "bin":
        period = args[0]
        return lambda row: fn(row.get("@timestamp"), period(row))
    return lambda row: fn(*(a(row) for a in args))


GroupFn = Callable[[list[Row], list[int]], Any]


def compile_stat(expr: Any) -> GroupFn:
    """A function of a group's rows (and their timestamps) computing an aggregating expression."""
    if isinstance(expr, n.Call) and expr.name in AGGREGATES:
        reducer = AGGREGATES[expr.name][2]
        subject = compile_expr(expr.args[0]) if expr.args else compile_expr(n.Star())
        extra = [compile_expr(a)(Row(None)) for a in expr.args[1:]]
        return lambda rows, times: reducer([subject(r) for r in rows], times, extra)
    if isinstance(expr, n.Arith):
        left, right, op = compile_stat(expr.left), compile_stat(expr.right), expr.op
        return lambda rows, times: arith(op, left(rows, times), right(rows, times))
    if isinstance(expr, n.Neg):
        inner = compile_stat(expr.operand)
        return lambda rows, times: arith("-", 0, inner(rows, times))
    if isinstance(expr, n.Call):
        fn, parts = SCALARS[expr.name][2], [compile_stat(a) for a in expr.args]
        return lambda rows, times: fn(*(p(rows, times) for p in parts))
    # Constants (and anything else outside an aggregate) read as on an empty row.
    constant = compile_expr(expr)
    return lambda _rows, _times: constant(Row(None))
