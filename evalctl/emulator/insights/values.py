"""Field values: timestamps, periods, numeric coercion, result rendering and the natural sort order."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Unit spellings of `bin()` periods (CWL_QuerySyntax-Stats), each with an optional plural `s`.
_UNITS = {
    "ms": ("millisecond", "milliseconds", "ms", "msec", "msecs"),
    "s": ("second", "seconds", "s", "sec", "secs"),
    "m": ("minute", "minutes", "m", "min", "mins"),
    "h": ("hour", "hours", "h", "hr", "hrs"),
    "d": ("day", "days", "d"),
    "w": ("week", "weeks", "w"),
    "mo": ("month", "months", "mo", "mon", "mons"),
    "q": ("quarter", "quarters", "q", "qtr", "qtrs"),
    "y": ("year", "years", "y", "yr", "yrs"),
}
UNIT_OF = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}
_FIXED_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_MONTHS = {"mo": 1, "q": 3, "y": 12}
_PERIOD = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")
_CHUNK = re.compile(r"\d+|\D+")
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class Stamp(int):
    """Epoch milliseconds that render as a date (`@timestamp`, `bin()` results)."""


@dataclass(frozen=True)
class Period:
    """A `5m`-style duration literal."""

    amount: float
    unit: str

    @classmethod
    def parse(cls, text: str) -> Period | None:
        found = _PERIOD.fullmatch(text.lower())
        if not found:
            return None
        unit = found.group(2)
        unit = unit if unit in UNIT_OF else unit[:-1]  # every spelling may take a plural `s`
        return cls(float(found.group(1)), UNIT_OF[unit]) if unit in UNIT_OF else None

    def millis(self) -> int:
        """The period in milliseconds (calendar units count 30-day months)."""
        if self.unit in _FIXED_MS:
            return int(self.amount * _FIXED_MS[self.unit])
        return int(self.amount * _MONTHS[self.unit] * 30 * 86_400_000)

    def floor(self, millis: int) -> Stamp:
        """The start of the bin that holds `millis`: fixed units from the epoch, others by calendar."""
        if self.unit in _FIXED_MS:
            size = max(1, self.millis())
            return Stamp(millis - millis % size)
        step = max(1, int(self.amount * _MONTHS[self.unit]))
        when = datetime.fromtimestamp(millis / 1000, tz=UTC)
        index = (when.year * 12 + when.month - 1) // step * step
        start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
        return Stamp(int(start.timestamp() * 1000))


def render_time(millis: int) -> str:
    """`2025-11-17 23:58:37.517`: how results show timestamps."""
    when = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{millis % 1000:03d}"


def render(value: Any) -> str:
    """A value as the string GetQueryResults carries."""
    if isinstance(value, Stamp):
        return render_time(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def number(value: Any) -> float | int | None:
    """The numeric reading of a value: numbers, and strings that are wholly a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            return float(text)
    return None


def text(value: Any) -> str | None:
    return None if value is None else render(value)


def _chunk_key(chunk: str) -> tuple[Any, ...]:
    # Digit runs compare by length, then value; all other runs by code point. A digit run and a
    # letter run differ in their first character, so one code for every digit run keeps
    # the code-point order between the two kinds (CWL_QuerySyntax-Sort).
    if chunk[0].isdigit():
        return (48, len(chunk), int(chunk))
    return (ord(chunk[0]), chunk)


def sort_key(value: Any) -> tuple[Any, ...]:
    """Natural order: every non-number before every number; numbers by value."""
    numeric = number(value)
    if numeric is not None:
        return (1, numeric)
    return (0, tuple(_chunk_key(c) for c in _CHUNK.findall(render(value))))
