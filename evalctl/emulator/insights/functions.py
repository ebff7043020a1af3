"""Scalar functions of `fields`/`filter` expressions (CWL_QuerySyntax-operations-functions)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from evalctl.emulator.insights.values import Period, Stamp, number, text

Fn = Callable[..., Any]


def _strict(fn: Fn) -> Fn:
    """Missing in, missing out: most functions of an absent field have no value."""

    def wrapper(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        return fn(*args)

    return wrapper


def _numeric(fn: Callable[[float], Any]) -> Fn:
    def wrapper(value: Any) -> Any:
        n = number(value)
        return None if n is None else fn(n)

    return wrapper


def _trimmer(method: str) -> Fn:
    def fn(value: Any, chars: Any = None) -> Any:
        return getattr(str(text(value)), method)(None if chars is None else str(text(chars)))

    return fn


def _substr(value: Any, start: Any, length: Any = None) -> Any:
    s, begin = str(text(value)), int(number(start) or 0)
    return s[begin:] if length is None else s[begin : begin + int(number(length) or 0)]


def _extreme(pick: Callable[..., Any]) -> Fn:
    def fn(*args: Any) -> Any:
        values = [n for n in (number(a) for a in args) if n is not None]
        return pick(values) if values else None

    return fn


def _log(value: float) -> float | None:
    return math.log(value) if value > 0 else None


def _sqrt(value: float) -> float | None:
    return math.sqrt(value) if value >= 0 else None


def _datefloor(stamp: Any, period: Any) -> Any:
    n = number(stamp)
    if n is None or not isinstance(period, Period):
        return None
    return period.floor(int(n))


def _dateceil(stamp: Any, period: Any) -> Any:
    n = number(stamp)
    if n is None or not isinstance(period, Period):
        return None
    start = period.floor(int(n))
    return start if start == n else period.floor(int(start) + max(1, period.millis()) + 1)


def _from_millis(value: Any) -> Any:
    n = number(value)
    return None if n is None else Stamp(int(n))


def _to_millis(value: Any) -> Any:
    n = number(value)
    return None if n is None else int(n)


def _is_blank(value: Any) -> bool:
    return value is None or str(text(value)).strip() == ""


# name -> (min args, max args or None for any, function). Names are matched case-insensitively.
SCALARS: dict[str, tuple[int, int | None, Fn]] = {
    "ispresent": (1, 1, lambda v: v is not None),
    "isempty": (1, 1, lambda v: v is None or text(v) == ""),
    "isblank": (1, 1, _is_blank),
    "coalesce": (1, None, lambda *a: next((v for v in a if v is not None), None)),
    "concat": (1, None, lambda *a: "".join(str(text(v)) for v in a if v is not None)),
    "strlen": (1, 1, _strict(lambda v: len(str(text(v))))),
    "strcontains": (2, 2, _strict(lambda v, s: int(str(text(s)) in str(text(v))))),
    "tolower": (1, 1, _strict(lambda v: str(text(v)).lower())),
    "toupper": (1, 1, _strict(lambda v: str(text(v)).upper())),
    "trim": (1, 2, _strict(_trimmer("strip"))),
    "ltrim": (1, 2, _strict(_trimmer("lstrip"))),
    "rtrim": (1, 2, _strict(_trimmer("rstrip"))),
    "substr": (2, 3, _strict(_substr)),
    "replace": (3, 3, _strict(lambda v, a, b: str(text(v)).replace(str(text(a)), str(text(b))))),
    "abs": (1, 1, _numeric(abs)),
    "ceil": (1, 1, _numeric(math.ceil)),
    "floor": (1, 1, _numeric(math.floor)),
    "sqrt": (1, 1, _numeric(_sqrt)),
    "log": (1, 1, _numeric(_log)),
    "greatest": (1, None, _extreme(max)),
    "least": (1, None, _extreme(min)),
    "datefloor": (2, 2, _datefloor),
    "dateceil": (2, 2, _dateceil),
    "frommillis": (1, 1, _from_millis),
    "tomillis": (1, 1, _to_millis),
    # bin(period) reads @timestamp of the row; the evaluator supplies it as the first argument.
    "bin": (1, 1, _datefloor),
}


def truthy(value: Any) -> bool:
    """Whether a filter keeps a row: booleans as such, numbers when non-zero, strings when non-empty."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    return bool(value != "")
