"""Located wording for files that are not valid YAML or not UTF-8 (code yaml-syntax, encoding)."""

from __future__ import annotations

import re

import yaml

from evalctl.spec.diagnostics import Diagnostic


def yaml_error(file: str, text: str, exc: yaml.YAMLError) -> Diagnostic:
    """Where and why PyYAML stopped, in words: a tab, an unclosed quote, a construct started earlier."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(getattr(exc, "problem", None) or exc)
    context = getattr(exc, "context", None)
    lines = text.splitlines()
    if line <= len(lines) and "\t" in lines[line - 1][: col + 1]:
        problem, context = "a tab character is used for indentation; indent with spaces", None
    start = getattr(exc, "context_mark", None)
    if context and start is not None and start is not mark:
        context += f" started at line {start.line + 1}, column {start.column + 1}"
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    opened = open_quote(lines, line)
    if opened is not None:
        # YAML lets a quoted string run across lines, so it fails only where the text stops making sense.
        line, col, quote = opened
        message = (
            f"invalid YAML: the string opened by {quote} here is not closed on this line; "
            f"close it (YAML read on and failed at line {mark.line + 1 if mark else line}: {problem})"
        )
    return Diagnostic(file, line, col, message, "", code="yaml-syntax")


# A complete single- or double-quoted YAML string at the start of a value.
QUOTED = re.compile(r"'(?:[^']|'')*'" + r'|"(?:[^"\\]|\\.)*"')
# Where a value starts with a quote: after `key: `, `- `, or both.
QUOTE_START = re.compile(r"^\s*(?:-\s+)?(?:[^\s'\"#-][^:#]*:\s+)?(?=['\"])")


def open_quote(lines: list[str], before: int) -> tuple[int, int, str] | None:
    """The nearest line up to `before` whose value opens a quote it does not close: (line, column, quote)."""
    for number in range(min(before, len(lines)), max(before - 50, 0), -1):
        text = lines[number - 1]
        start = QUOTE_START.match(text)
        if start is not None and not QUOTED.match(text, start.end()):
            return number, start.end() + 1, text[start.end()]
    return None


def decode(file: str, raw: bytes) -> tuple[str | None, list[Diagnostic]]:
    """The text of a file (a BOM dropped), or where its first byte that is not UTF-8 is."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        text = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8"
        return None, [Diagnostic(file, line, col, text, code="encoding")]
