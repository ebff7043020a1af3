"""Run parsed commands over events: the pipeline, and results shaped as GetQueryResults returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalctl.emulator.insights import nodes as n
from evalctl.emulator.insights import prefilter
from evalctl.emulator.insights.compile import compile_expr, compile_stat
from evalctl.emulator.insights.functions import truthy
from evalctl.emulator.insights.rows import Event, Row
from evalctl.emulator.insights.values import render, sort_key, text

DEFAULT_LIMIT = 10_000
Result = list[list[dict[str, str]]]


@dataclass
class Outcome:
    """Rows as lists of {field, value}, and how many events matched the query's filters."""

    rows: Result
    matched: int


@dataclass
class _State:
    rows: list[Row]
    matched: int
    fields: list[str] = field(default_factory=list)
    display: list[str] | None = None
    aggregated: bool = False


def run(commands: list[n.Command], events: list[Event], limit: int = DEFAULT_LIMIT) -> Outcome:
    """Apply the commands in order; events start newest first (the default order, CWL_QuerySyntax-Dedup)."""
    ordered = sorted(prefilter.keep(events, prefilter.needs(commands)), key=lambda e: -e.timestamp)
    state = _State([Row(e) for e in ordered], matched=len(ordered))
    for command in commands:
        _apply(state, command)
    return Outcome(_shape(state, state.rows[:limit]), state.matched)


def _apply(state: _State, command: n.Command) -> None:
    if isinstance(command, n.Fields):
        _fields(state, command)
    elif isinstance(command, n.Display):
        state.display = list(command.names)
    elif isinstance(command, n.Filter):
        keep = compile_expr(command.expr)
        state.rows = [r for r in state.rows if truthy(keep(r))]
        if not state.aggregated:
            state.matched = len(state.rows)
    elif isinstance(command, n.Parse):
        _parse(state, command)
    elif isinstance(command, n.Stats):
        _stats(state, command)
    elif isinstance(command, n.Sort):
        state.rows = sort_rows(state.rows, command.keys)
    elif isinstance(command, n.Limit):
        state.rows = state.rows[: command.count]
    elif isinstance(command, n.Dedup):
        state.rows = _dedup(state.rows, command.names)


def _fields(state: _State, command: n.Fields) -> None:
    for item in command.items:
        if item.name not in state.fields:
            state.fields.append(item.name)
        if isinstance(item.expr, n.Field) and item.expr.name == item.name:
            continue  # the field itself: nothing to compute
        compute = compile_expr(item.expr)
        for row in state.rows:
            value = compute(row)
            if value is None:
                row.extra.pop(item.name, None)
            else:
                row.extra[item.name] = value


def _parse(state: _State, command: n.Parse) -> None:
    search = command.pattern.search
    for row in state.rows:
        source = text(row.get(command.source))
        found = search(source) if source is not None else None
        if found is None:
            continue
        for index, name in enumerate(command.names, start=1):
            value = found.group(name) if name in command.pattern.groupindex else found.group(index)
            if value is not None:
                row.extra[name] = value


def _stats(state: _State, command: n.Stats) -> None:
    keys = [compile_expr(g.expr) for g in command.groups]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in state.rows:
        groups.setdefault(tuple(k(row) for k in keys), []).append(row)
    if not keys and not groups:
        groups[()] = []  # stats without `by` over no rows still answers one row (count 0)
    aggregates = [(item.name, compile_stat(item.expr)) for item in command.aggregates]
    out: list[Row] = []
    for key, members in groups.items():
        times = [_time(r) for r in members]
        values: dict[str, Any] = {}
        for item, value in zip(command.groups, key, strict=True):
            if value is not None:
                values[item.name] = value
        for name, compute in aggregates:
            result = compute(members, times)
            if result is not None:
                values[name] = result
        out.append(Row(None, values))
    state.rows = out
    state.aggregated = True
    state.display = [g.name for g in command.groups] + [a.name for a in command.aggregates]


def _time(row: Row) -> int:
    value = row.get("@timestamp")
    return int(value) if isinstance(value, int) else 0


def sort_rows(rows: list[Row], keys: list[n.SortKey]) -> list[Row]:
    """Stable multi-key natural sort; rows without a key's value go last in either direction."""
    ordered = list(rows)
    for key in reversed(keys):
        compute = compile_expr(key.expr)
        values = [(compute(r), r) for r in ordered]
        present = [(v, r) for v, r in values if v is not None]
        missing = [r for v, r in values if v is None]
        present.sort(key=lambda pair: sort_key(pair[0]), reverse=key.descending)
        ordered = [r for _, r in present] + missing
    return ordered


def _dedup(rows: list[Row], names: list[str]) -> list[Row]:
    """The first row of each combination of values; rows missing any of the fields all stay."""
    seen: set[tuple[Any, ...]] = set()
    out: list[Row] = []
    for row in rows:
        values = tuple(row.get(name) for name in names)
        if any(v is None for v in values):
            out.append(row)
            continue
        marker = tuple(sort_key(v) for v in values)
        if marker not in seen:
            seen.add(marker)
            out.append(row)
    return out


def _shape(state: _State, rows: list[Row]) -> Result:
    columns = state.display if state.display is not None else (state.fields or None)
    out: Result = []
    for row in rows:
        if columns is None:
            pairs = list(row.all_fields().items())
        else:
            pairs = [(name, row.get(name)) for name in columns]
        cells = [{"field": name, "value": render(value)} for name, value in pairs if value is not None]
        if not state.aggregated and row.event is not None and not any(c["field"] == "@ptr" for c in cells):
            cells.append({"field": "@ptr", "value": row.event.ptr})
        out.append(cells)
    return out
