"""Aggregation functions of `stats` (CWL_QuerySyntax-Stats, "Functions to use with stats")."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

from evalctl.emulator.insights.values import number, sort_key

# One value per matched row (None where the argument has no value), plus the rows' timestamps.
Reducer = Callable[[list[Any], list[int], list[Any]], Any]


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None]


def _numbers(values: list[Any]) -> list[float | int]:
    # Booleans count as 1 and 0 here, so `sum(status.code = "ERROR")` counts errors.
    return [n for n in (int(v) if isinstance(v, bool) else number(v) for v in values) if n is not None]


def _count(values: list[Any], _times: list[int], _extra: list[Any]) -> int:
    return len(_present(values))


def _count_distinct(values: list[Any], _times: list[int], _extra: list[Any]) -> int:
    return len({sort_key(v) for v in _present(values)})


def _sum(values: list[Any], _times: list[int], _extra: list[Any]) -> Any:
    found = _numbers(values)
    return sum(found) if found else None


def _avg(values: list[Any], _times: list[int], _extra: list[Any]) -> Any:
    found = _numbers(values)
    return sum(found) / len(found) if found else None


def _stddev(values: list[Any], _times: list[int], _extra: list[Any]) -> Any:
    found = _numbers(values)
    return statistics.stdev(found) if len(found) > 1 else (0 if found else None)


def _extreme(pick: Callable[..., Any]) -> Reducer:
    def reduce(values: list[Any], _times: list[int], _extra: list[Any]) -> Any:
        present = _present(values)
        if not present:
            return None
        # Natural order puts numbers after strings: with any number present, compare numbers only.
        numeric = [v for v in present if number(v) is not None]
        return pick(numeric or present, key=sort_key)

    return reduce


def _by_time(latest: bool) -> Reducer:
    def reduce(values: list[Any], times: list[int], _extra: list[Any]) -> Any:
        pairs = [(t, i) for i, t in enumerate(times) if values[i] is not None]
        if not pairs:
            return None
        chosen = max(pairs, key=lambda p: (p[0], -p[1])) if latest else min(pairs)
        return values[chosen[1]]

    return reduce


def _pct(values: list[Any], _times: list[int], extra: list[Any]) -> Any:
    found = sorted(_numbers(values))
    rank = number(extra[0]) if extra else None
    if not found or rank is None:
        return None
    # Nearest-rank percentile: the smallest value with at least `rank` percent at or below it.
    index = max(0, math.ceil(float(rank) / 100 * len(found)) - 1)
    return found[min(index, len(found) - 1)]


# name -> (min args, max args, reducer); the first argument is per row, the rest are constants.
AGGREGATES: dict[str, tuple[int, int, Reducer]] = {
    "count": (0, 1, _count),
    "count_distinct": (1, 1, _count_distinct),
    "sum": (1, 1, _sum),
    "avg": (1, 1, _avg),
    "min": (1, 1, _extreme(min)),
    "max": (1, 1, _extreme(max)),
    "stddev": (1, 1, _stddev),
    "earliest": (1, 1, _by_time(latest=False)),
    "latest": (1, 1, _by_time(latest=True)),
    "pct": (2, 2, _pct),
    "percentile": (2, 2, _pct),
}
