"""Feed the validator 10,000+ generated broken documents; print crashes (must be 0) and documents per second.

Documents are the shipped examples and the positive golden cases, mutated the way people break them:
keys dropped, renamed or added, values retyped, YAML junk spliced into the text, or plain random text.
Each one goes through what `evalctl validate` runs for a file: parse, schema check, cross-file lint.
Usage: python bench/fuzz.py [--count 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import yaml

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.schema_check import check_document
from evalctl.spec.lint.semantic import lint_project
from evalctl.spec.loader import load_text
from evalctl.spec.project import Project

ROOT = Path(__file__).resolve().parents[1]
SEED_DIRS = (ROOT / "evaluations", ROOT / "tests" / "golden" / "validate" / "positive")
JUNK: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    float("inf"),
    "",
    "x" * 300,
    [],
    [1, "a"],
    {},
    {"a": 1},
    "Builtin.X",
]
TOKENS = [*":-[]{}&*!|>'\"#%@`?,.\t ab01~\\/", "\n", "\n  ", "---\n", "key: ", "- ", "&a ", "*a", "!!str "]


def seeds() -> list[Any]:
    return [
        doc
        for folder in SEED_DIRS
        for path in sorted(folder.rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if isinstance(doc, dict)
    ]


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += paths_of(value, (*prefix, index))
    return out


def mutate(doc: Any, rnd: random.Random) -> Any:
    path = rnd.choice(paths_of(doc))
    if not path:
        return rnd.choice(JUNK)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    action = rnd.choice(("drop", "rename", "retype", "add"))
    if action == "drop":
        del parent[path[-1]]
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{path[-1]}{rnd.choice('sx_')}"] = parent.pop(path[-1])
    elif action == "add" and isinstance(parent, dict):
        parent[rnd.choice(("extra", "level", "spec", "", "1"))] = rnd.choice(JUNK)
    else:
        parent[path[-1]] = rnd.choice(JUNK)
    return doc


def document(rnd: random.Random, pool: list[Any]) -> str:
    """One broken document as YAML text."""
    if rnd.random() < 0.1:
        return "".join(rnd.choice(TOKENS) for _ in range(rnd.randint(0, 80)))
    doc = json.loads(json.dumps(rnd.choice(pool)))
    for _ in range(rnd.randint(1, 4)):
        doc = mutate(doc, rnd)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if rnd.random() < 0.3:
        cut = rnd.randint(0, len(text))
        text = text[:cut] + "".join(rnd.choice(TOKENS) for _ in range(rnd.randint(1, 8))) + text[cut:]
    return text


def validate_text(file: str, text: str) -> list[Diagnostic]:
    raws, problems = load_text(file, text)
    project = Project(files=[file])
    for raw in raws:
        found = check_document(raw)
        problems += found
        project.admit(raw, found)
    return problems + lint_project(project)


def badly_located(problems: list[Diagnostic], file: str) -> bool:
    return any(p.file != file or p.line < 1 or p.column < 1 or not p.message for p in problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd, pool = random.Random(args.seed), seeds()
    crashes = unlocated = reported = 0
    with tempfile.TemporaryDirectory(prefix="evalctl-fuzz-") as tmp:
        file = str(Path(tmp) / "fuzz.yaml")
        texts = [document(rnd, pool) for _ in range(args.count)]
        start = time.perf_counter()
        for text in texts:
            try:
                problems = validate_text(file, text)
            except Exception:  # the point of the exercise: count and show any crash
                crashes += 1
                if crashes <= 3:
                    print(f"CRASH on:\n{text}\n{traceback.format_exc()}")
                continue
            reported += bool(problems)
            unlocated += badly_located(problems, file)
        elapsed = time.perf_counter() - start
    print(f"documents: {args.count}  with problems: {reported}  crashes: {crashes}  unlocated: {unlocated}")
    print(f"time: {elapsed:.1f} s  throughput: {args.count / elapsed:.0f} docs/s")
    return 1 if crashes or unlocated else 0


if __name__ == "__main__":
    sys.exit(main())
