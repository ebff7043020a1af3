"""The Logs Insights QL grammar (lark, LALR): commands joined by `|`, expressions, literals."""

from __future__ import annotations

from evalctl.emulator.insights.values import UNIT_OF

# `5m`, `1hr`, `2days`: a number and a unit of `bin()` (longest spelling first, so `ms` beats `m`).
_UNITS = "|".join(sorted(UNIT_OF, key=lambda u: (-len(u), u)))

# Commands and operators are keywords only where the parser expects them (contextual lexer), so
# fields named `status`, `count` or `desc` still work as names elsewhere.
GRAMMAR = r"""
start: command ("|" command)*

?command: fields_cmd | display_cmd | filter_cmd | stats_cmd | sort_cmd | limit_cmd
        | parse_cmd | dedup_cmd

fields_cmd: "fields"i item ("," item)*
display_cmd: "display"i name ("," name)*
filter_cmd: "filter"i expr
stats_cmd: "stats"i item ("," item)* [by_clause]
by_clause: "by"i item ("," item)*
sort_cmd: "sort"i sort_key ("," sort_key)*
limit_cmd: "limit"i INT
dedup_cmd: "dedup"i name ("," name)*
parse_cmd: "parse"i [name] STRING "as"i name ("," name)*  -> parse_glob
         | "parse"i [name] REGEX                          -> parse_regex

item: expr ("as"i name)?
sort_key: expr [DIRECTION]
DIRECTION.2: /(asc|desc)\b/i

?expr: or_expr
?or_expr: and_expr
        | or_expr _OR and_expr               -> or_
?and_expr: not_expr
         | and_expr _AND not_expr            -> and_
?not_expr: _NOT not_expr                     -> not_
         | comparison
?comparison: sum
           | sum COMPARE sum                 -> compare
           | sum _LIKE pattern               -> like
           | sum _NOT _LIKE pattern          -> not_like
           | sum MATCH REGEX                  -> match
           | sum _IN "[" [literal ("," literal)*] "]"       -> in_
           | sum _NOT _IN "[" [literal ("," literal)*] "]"  -> not_in
?pattern: STRING | REGEX
?sum: product
    | sum ADD product                        -> arith
?product: power
        | product MUL power                  -> arith
?power: unary
      | unary POW unary                      -> arith
?unary: "-" unary                            -> neg
      | atom
?atom: literal
     | call
     | field
     | "(" expr ")"
call: NAME "(" [arg ("," arg)*] ")"
?arg: expr | star
star: "*"
?literal: NUMBER -> number
        | STRING -> string
        | DURATION -> duration
name: NAME | QUOTED_NAME
field: NAME | QUOTED_NAME

_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
_LIKE.2: /like\b/i
_IN.2: /in\b/i
MATCH.2: "=~"
COMPARE: "<=" | ">=" | "!=" | "=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "/" | "%"
POW: "^"
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
INT: /\d+/
NAME: /@{0,2}[A-Za-z_$][A-Za-z0-9_$@]*(\.[A-Za-z0-9_$@]+)*/
QUOTED_NAME: /`[^`]+`/
STRING: /"(\\.|[^"\\])*"/ | /'(\\.|[^'\\])*'/
REGEX: /\/(\\.|[^\/\\\n])+\/[a-z]*/

COMMENT: /#[^\n]*/
DURATION.3: /\d+(\.\d+)?(UNITS)s?\b/i
%import common.WS
%ignore WS
%ignore COMMENT
""".replace("UNITS", _UNITS)
