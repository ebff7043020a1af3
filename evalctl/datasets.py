"""A Dataset spec's scenarios, gathered from inline lists and scenario files, each with its location."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalctl import scenarios
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.loader import escape, load_file

# Scenario YAML files carry this suffix so that spec discovery (every *.yaml) leaves them alone.
YAML_SUFFIXES = (".scenarios.yaml", ".scenarios.yml")
MAX_SCENARIOS = 1000  # a dataset batch runs "between 1 and 1,000 scenarios" (DatasetSource)


@dataclass(frozen=True)
class Located:
    """One scenario and where it is written (file, 1-based line and column, pointer inside it)."""

    scenario: dict[str, Any]
    file: str
    line: int
    column: int
    at: Callable[[str], tuple[int, int]]


Where = Callable[[str], tuple[int, int]]


def _under(at: Where, base: str) -> Where:
    """Positions of pointers inside the value at `base`."""

    def locate(pointer: str) -> tuple[int, int]:
        return at(base + pointer)

    return locate


def _on_line(number: int) -> Where:
    """A JSONL scenario: every pointer inside it is on its line (JSON columns are not kept)."""

    def locate(_pointer: str) -> tuple[int, int]:
        return number, 1

    return locate


def gather(
    spec: dict[str, Any], spec_file: str, at: Callable[[str], tuple[int, int]]
) -> tuple[list[Located], list[Diagnostic]]:
    """Every scenario of a Dataset spec, checked against its schema type, ids unique across files."""
    found: list[Located] = []
    problems: list[Diagnostic] = []
    for index, item in enumerate(spec.get("scenarios") or []):
        base = f"/spec/scenarios/{index}"
        line, col = at(base)
        found.append(Located(item, spec_file, line, col, _under(at, base)))
    for index, name in enumerate(spec.get("files") or []):
        path = Path(spec_file).parent / name
        more, bad = _read(path, spec_file, at(f"/spec/files/{index}"))
        found += more
        problems += bad
    problems += check(found, str(spec.get("schemaType") or scenarios.PREDEFINED))
    if len(found) > MAX_SCENARIOS:
        line, col = at("/spec")
        text = f"{len(found)} scenarios; a dataset batch runs at most {MAX_SCENARIOS}: split the dataset"
        problems.append(Diagnostic(spec_file, line, col, text, "/spec", "error", "dataset-too-large"))
    return found, problems


def check(found: list[Located], schema_type: str) -> list[Diagnostic]:
    """Every scenario checked against `schema_type`, then scenario ids unique among them."""
    problems: list[Diagnostic] = []
    for item in found:
        for pointer, message in scenarios.problems(schema_type, item.scenario):
            line, col = item.at(pointer)
            text = f"scenario is not a valid {schema_type}: {pointer or '/'}: {message}"
            problems.append(Diagnostic(item.file, line, col, text, pointer, "error", "dataset-scenario"))
    return problems + _unique(found)


def _unique(found: list[Located]) -> list[Diagnostic]:
    first: dict[str, Located] = {}
    problems = []
    for item in found:
        sid = scenarios.scenario_id(item.scenario)
        if not sid:
            continue
        seen = first.setdefault(sid, item)
        if seen is not item:
            text = (
                f"duplicate scenario_id '{sid}' (first at {seen.file}:{seen.line}); "
                "scenario ids identify examples across versions, make them unique"
            )
            line, col = item.at("/scenario_id")
            problems.append(
                Diagnostic(item.file, line, col, text, "/scenario_id", "error", "dataset-duplicate")
            )
    return problems


def _read(path: Path, spec_file: str, where: tuple[int, int]) -> tuple[list[Located], list[Diagnostic]]:
    if not path.is_file():
        text = f"no scenario file {path.name} next to {spec_file}; fix the path (relative to the spec)"
        return [], [Diagnostic(spec_file, *where, text, "", "error", "dataset-file")]
    if path.suffix == ".jsonl":
        return _jsonl(path)
    if path.name.endswith(YAML_SUFFIXES):
        return _yaml(path)
    text = f"{path.name}: scenario files are .jsonl or {' / '.join(YAML_SUFFIXES)}"
    return [], [Diagnostic(spec_file, *where, text, "", "error", "dataset-file")]


def _jsonl(path: Path) -> tuple[list[Located], list[Diagnostic]]:
    return jsonl_text(path.read_text(encoding="utf-8"), str(path))


def jsonl_text(text: str, name: str) -> tuple[list[Located], list[Diagnostic]]:
    """One scenario per line; a broken line is reported at its own line and column."""
    found: list[Located] = []
    problems: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            column = getattr(exc, "colno", 1)
            problems.append(
                Diagnostic(name, number, column, f"not valid JSON: {exc}", "", "error", "dataset-jsonl")
            )
            continue
        found.append(Located(item, name, number, 1, _on_line(number)))
    return found, problems


def _yaml(path: Path) -> tuple[list[Located], list[Diagnostic]]:
    """A YAML list of scenarios, each located by the loader's positions."""
    docs, problems = load_file(path)
    found: list[Located] = []
    for doc in docs:
        if not isinstance(doc.data, list):
            problems.append(Diagnostic(str(path), 1, 1, "a scenario file holds a list of scenarios",
                                       "", "error", "dataset-file"))  # fmt: skip
            continue
        for index, item in enumerate(doc.data):
            base = f"/{escape(str(index))}"
            line, col = doc.positions.of_value(base)
            found.append(Located(item, str(path), line, col, _under(doc.positions.of_value, base)))
    return found, problems
