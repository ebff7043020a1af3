"""Parse a query string into commands, or raise MalformedQuery naming where it goes wrong."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from evalctl.emulator.insights import nodes as n
from evalctl.emulator.insights.aggregate import AGGREGATES
from evalctl.emulator.insights.functions import SCALARS
from evalctl.emulator.insights.grammar import GRAMMAR
from evalctl.emulator.insights.values import Period

MAX_LIMIT = 10_000
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_JAVA_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9_]*)>")


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)


def parse(query: str) -> list[n.Command]:
    """The commands of `query`, checked: known functions with the right arguments, aggregates in stats."""
    if not query.strip():
        raise n.MalformedQuery("The query is empty", 0, 0)
    try:
        tree = _parser().parse(query)
    except UnexpectedInput as exc:
        raise _syntax_error(query, exc) from None
    try:
        commands: list[n.Command] = _Build(query).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, n.MalformedQuery):
            raise exc.orig_exc from None
        raise
    _check(commands, len(query))
    return commands


def _syntax_error(query: str, exc: UnexpectedInput) -> n.MalformedQuery:
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        start = exc.token.start_pos or 0
        end = exc.token.end_pos or start + 1
        what = f"symbol found '{exc.token}'"
    elif isinstance(exc, UnexpectedCharacters):
        start = exc.pos_in_stream or 0
        end = start + 1
        what = f"character '{query[start]}'"
    else:
        start = end = len(query)
        what = "end of query"
    line = query.count("\n", 0, start) + 1
    column = start - (query.rfind("\n", 0, start) + 1) + 1
    expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or [])
    hint = (
        f"; expected one of {', '.join(expected[:8])}"
        if expected and not isinstance(exc, UnexpectedEOF)
        else ""
    )
    return n.MalformedQuery(f"unexpected {what} at line {line} and position {column}{hint}", start, end)


def _unquote(token: str) -> str:
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def regex(token: Token) -> re.Pattern[str]:
    """`/pattern/flags` as a Python pattern; Java-style `(?<name>` groups become `(?P<name>`."""
    text = str(token)
    end = text.rfind("/")
    body, flags = text[1:end], text[end + 1 :]
    body = _JAVA_GROUP.sub(r"(?P<\1>", body.replace("\\/", "/"))
    try:
        return re.compile(body, re.IGNORECASE if "i" in flags else 0)
    except re.error as exc:
        raise n.MalformedQuery(
            f"invalid regular expression {text}: {exc}", token.start_pos or 0, token.end_pos or 0
        ) from exc


def _glob(token: Token) -> re.Pattern[str]:
    parts = _unquote(str(token)).split("*")
    if len(parts) < 2:
        raise n.MalformedQuery(
            "a parse pattern needs at least one '*'", token.start_pos or 0, token.end_pos or 0
        )
    # Each `*` stops at the first chance (`"runtime/*/"` takes the runtime id, not up to the last
    # slash); a `*` that ends the pattern takes the rest.
    groups = ["(.*?)"] * (len(parts) - 2) + ["(.*)" if parts[-1] == "" else "(.*?)"]
    return re.compile(
        "".join(re.escape(p) + g for p, g in zip(parts, groups, strict=False)) + re.escape(parts[-1])
    )


class _Build(Transformer[Token, Any]):
    """Tree -> nodes; column names of unaliased items are their text in the query."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def start(self, commands: list[Any]) -> list[n.Command]:
        return commands

    def name(self, items: list[Token]) -> str:
        raw = str(items[0])
        return raw[1:-1] if raw.startswith("`") else raw

    @v_args(meta=True)
    def item(self, meta: Any, items: list[Any]) -> n.Item:
        expr = items[0]
        alias = items[1] if len(items) > 1 else None
        label = alias or " ".join(self.query[meta.start_pos : meta.end_pos].split())
        return n.Item(expr, label)

    def fields_cmd(self, items: list[n.Item]) -> n.Fields:
        return n.Fields(items)

    def display_cmd(self, names: list[str]) -> n.Display:
        return n.Display(names)

    def dedup_cmd(self, names: list[str]) -> n.Dedup:
        return n.Dedup(names)

    def filter_cmd(self, items: list[Any]) -> n.Filter:
        return n.Filter(items[0])

    def stats_cmd(self, items: list[Any]) -> n.Stats:
        return n.Stats(items[:-1], items[-1] or [])

    def by_clause(self, items: list[n.Item]) -> list[n.Item]:
        return items

    def sort_cmd(self, keys: list[n.SortKey]) -> n.Sort:
        return n.Sort(keys)

    def sort_key(self, items: list[Any]) -> n.SortKey:
        direction = items[1]
        return n.SortKey(items[0], direction is not None and str(direction).lower() == "desc")

    @v_args(meta=True)
    def limit_cmd(self, meta: Any, items: list[Token]) -> n.Limit:
        count = int(items[0])
        if not 0 < count <= MAX_LIMIT:
            raise n.MalformedQuery(f"limit must be between 1 and {MAX_LIMIT}", meta.start_pos, meta.end_pos)
        return n.Limit(count)

    def parse_glob(self, items: list[Any]) -> n.Parse:
        return n.Parse(items[0] or "@message", _glob(items[1]), [str(i) for i in items[2:]])

    def parse_regex(self, items: list[Any]) -> n.Parse:
        pattern = regex(items[1])
        if not pattern.groupindex:
            raise n.MalformedQuery(
                "a parse regular expression needs named groups", items[1].start_pos, items[1].end_pos
            )
        return n.Parse(items[0] or "@message", pattern, list(pattern.groupindex))

    def field(self, items: list[Token]) -> n.Field:
        return n.Field(self.name(items))

    def or_(self, items: list[Any]) -> n.Bool:
        return _joined("or", items)

    def and_(self, items: list[Any]) -> n.Bool:
        return _joined("and", items)

    def not_(self, items: list[Any]) -> n.Not:
        return n.Not(items[0])

    def compare(self, items: list[Any]) -> n.Compare:
        return n.Compare(str(items[1]), items[0], items[2])

    def like(self, items: list[Any]) -> n.Like:
        return n.Like(items[0], _pattern(items[1]), negate=False)

    def match(self, items: list[Any]) -> n.Like:
        return n.Like(items[0], _pattern(items[2]), negate=False)

    def not_like(self, items: list[Any]) -> n.Like:
        return n.Like(items[0], _pattern(items[1]), negate=True)

    def in_(self, items: list[Any]) -> n.In:
        return n.In(items[0], tuple(i.value for i in items[1:] if i is not None), negate=False)

    def not_in(self, items: list[Any]) -> n.In:
        return n.In(items[0], tuple(i.value for i in items[1:] if i is not None), negate=True)

    def arith(self, items: list[Any]) -> n.Arith:
        return n.Arith(str(items[1]), items[0], items[2])

    def neg(self, items: list[Any]) -> n.Neg:
        return n.Neg(items[0])

    @v_args(meta=True)
    def call(self, meta: Any, items: list[Any]) -> n.Call:
        args = tuple(a for a in items[1:] if a is not None)
        return n.Call(str(items[0]).lower(), args, meta.start_pos, meta.end_pos)

    def star(self, _items: list[Any]) -> n.Star:
        return n.Star()

    def number(self, items: list[Token]) -> n.Lit:
        raw = str(items[0])
        return n.Lit(float(raw) if any(c in raw for c in ".eE") else int(raw))

    def string(self, items: list[Token]) -> n.Lit:
        return n.Lit(_unquote(str(items[0])))

    def duration(self, items: list[Token]) -> n.Lit:
        return n.Lit(Period.parse(str(items[0])))

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        return Tree(data, children, meta)


def _joined(op: str, items: list[Any]) -> n.Bool:
    """One flat and/or node for a chain (the grammar nests them pairwise)."""
    operands: list[Any] = []
    for item in items:
        operands.extend(item.operands if isinstance(item, n.Bool) and item.op == op else [item])
    return n.Bool(op, tuple(operands))


def _pattern(token: Token) -> re.Pattern[str]:
    if str(token).startswith("/"):
        return regex(token)
    return re.compile(re.escape(_unquote(str(token))))


def _has_aggregate(expr: Any) -> bool:
    return any(isinstance(x, n.Call) and x.name in AGGREGATES for x in n.walk(expr))


def _check(commands: list[n.Command], size: int) -> None:
    for index, command in enumerate(commands):
        if isinstance(command, n.Dedup) and any(not isinstance(c, n.Limit) for c in commands[index + 1 :]):
            raise n.MalformedQuery("only limit may follow dedup", 0, size)
        if isinstance(command, n.Stats) and not all(_has_aggregate(i.expr) for i in command.aggregates):
            raise n.MalformedQuery(
                "every stats expression before `by` needs an aggregation function", 0, size
            )
        for expr, in_stats in _expressions(command):
            for node in n.walk(expr):
                _check_node(node, in_stats)


def _expressions(command: n.Command) -> list[tuple[Any, bool]]:
    if isinstance(command, n.Fields):
        return [(i.expr, False) for i in command.items]
    if isinstance(command, n.Filter):
        return [(command.expr, False)]
    if isinstance(command, n.Sort):
        return [(k.expr, False) for k in command.keys]
    if isinstance(command, n.Stats):
        return [(i.expr, True) for i in command.aggregates] + [(i.expr, False) for i in command.groups]
    return []


def _check_node(node: Any, in_stats: bool) -> None:
    if isinstance(node, n.Call):
        table: dict[str, Any] = AGGREGATES if node.name in AGGREGATES else SCALARS
        if node.name not in table:
            raise n.MalformedQuery(f"unknown function {node.name}", node.start, node.end)
        if node.name in AGGREGATES and not in_stats:
            raise n.MalformedQuery(f"{node.name} can only be used in stats", node.start, node.end)
        low, high = table[node.name][0], table[node.name][1]
        if len(node.args) < low or (high is not None and len(node.args) > high):
            raise n.MalformedQuery(f"wrong number of arguments to {node.name}", node.start, node.end)
        stars = [a for a in node.args if isinstance(a, n.Star)]
        if stars and node.name != "count":
            raise n.MalformedQuery(f"'*' is only allowed in count(*), not {node.name}", node.start, node.end)
