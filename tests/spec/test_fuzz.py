"""Property tests: whatever text or broken document it is given, validate answers with located problems.

Seeds are the shipped examples and the positive golden cases. The validator must never raise; every
problem it reports names the file and a line and column >= 1; and it renders in every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalctl.spec.diagnostics import Diagnostic, render
from evalctl.spec.lint.schema_check import check_document
from evalctl.spec.lint.semantic import lint_project
from evalctl.spec.loader import load_text
from evalctl.spec.project import Project

ROOT = Path(__file__).resolve().parents[2]
SEEDS: list[Any] = [
    doc
    for folder in (ROOT / "evaluations", ROOT / "tests" / "golden" / "validate" / "positive")
    for path in sorted(folder.rglob("*.yaml"))
    for doc in yaml.safe_load_all(path.read_text())
    if isinstance(doc, dict)
]
FILE = "fuzz.yaml"
# A seed taken out of its folder loses its neighbours: references and files are then missing.
ALLOWED_ALONE = {
    "dangling-reference",
    "function-source",
    "sessions-missing",
    "dataset-file",
    "recommend-file",
    "ground-truth-unused",
    "online-ground-truth",
}
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def validate_text(text: str, folder: Path) -> list[Diagnostic]:
    """What `evalctl validate` does for one file, from text: parse, schema-check, lint across documents."""
    raws, problems = load_text(str(folder / FILE), text)
    project = Project(files=[str(folder / FILE)])
    for raw in raws:
        found = check_document(raw)
        problems += found
        project.admit(raw, found)
    return problems + lint_project(project)


def assert_located(problems: list[Diagnostic], folder: Path) -> None:
    for problem in problems:
        assert problem.file == str(folder / FILE), problem
        assert problem.line >= 1 and problem.column >= 1, problem
        assert problem.severity in ("error", "warning"), problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
    for fmt in ("text", "json", "github"):
        assert isinstance(render(problems, fmt), str)
    assert len(json.loads(render(problems, "json"))) == len(problems)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists, the root included."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += paths_of(value, (*prefix, index))
    return out


def mutate(doc: Any, path: tuple[Any, ...], action: str, junk: Any, name: str) -> Any:
    """Apply one edit a person might make at `path`: drop, rename, retype or add a key."""
    if not path:
        return junk if action == "retype" else doc
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[name or f"{last}x"] = parent.pop(last)
    elif action == "add" and isinstance(parent, dict):
        parent[name] = junk
    else:
        parent[last] = junk
    return doc


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    doc = json.loads(json.dumps(draw(st.sampled_from(SEEDS))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = paths_of(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "rename", "retype", "add"]))
        doc = mutate(doc, path, action, draw(JUNK), draw(st.text(max_size=12)))
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


# Tokens rather than characters, so that generated text often gets past the first line of YAML.
TOKENS = [*":-[]{}&*!|>'\"#%@`?,.\t ab01~\\/", "\n", "\n  ", "---\n", "key: ", "- ", "&a ", "*a", "!!str "]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@FAST
@given(text=st.one_of(st.text(max_size=300), YAMLISH))
def test_arbitrary_text_never_crashes_validate(text: str, tmp_path_factory) -> None:
    folder = tmp_path_factory.getbasetemp()
    assert_located(validate_text(text, folder), folder)


@FAST
@given(text=mutated_documents())
def test_mutated_valid_documents_never_crash_validate(text: str, tmp_path_factory) -> None:
    folder = tmp_path_factory.getbasetemp()
    assert_located(validate_text(text, folder), folder)


@FAST
@given(text=mutated_documents(), cut=st.integers(min_value=0, max_value=2000), junk=YAMLISH)
def test_junk_spliced_into_a_valid_document_never_crashes(text: str, cut: int, junk: str, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp()
    cut = min(cut, len(text))
    assert_located(validate_text(text[:cut] + junk + text[cut:], folder), folder)


def test_seeds_are_clean_so_mutations_start_from_valid_documents(tmp_path):
    """The property tests are only meaningful if every seed validates clean on its own."""
    assert len(SEEDS) >= 20
    texts = [yaml.safe_dump(seed, sort_keys=False) for seed in SEEDS]
    errors = [p for t in texts for p in validate_text(t, tmp_path) if p.code not in ALLOWED_ALONE]
    assert errors == []
