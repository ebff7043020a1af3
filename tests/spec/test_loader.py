"""The YAML loader: plain data, a position for every pointer, and located problems instead of exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalctl.spec.loader import MAX_DEPTH, Positions, discover, load_file, load_text

NESTED = """\
apiVersion: evalctl/v1alpha1
kind: Evaluator
metadata:
  name: tone
  labels: {a/b: x, c~d: y}
spec:
  evaluators:
    - Builtin.Helpfulness
    - {name: second}
"""


@pytest.mark.parametrize(
    ("pointer", "key", "expected", "reason"),
    [
        ("/kind", False, (2, 7), "a scalar value: where the value starts, not the key"),
        ("/kind", True, (2, 1), "the same member's key"),
        ("/metadata/name", True, (4, 3), "a nested key"),
        ("/metadata/labels/a~1b", False, (5, 17), "'/' in a key is escaped as ~1 (RFC 6901)"),
        ("/metadata/labels/c~0d", False, (5, 25), "'~' in a key is escaped as ~0"),
        ("/spec/evaluators/0", False, (8, 7), "a list item"),
        ("/spec/evaluators/1/name", False, (9, 14), "a key inside a flow mapping inside a list"),
        ("/spec/evaluators/7", False, (8, 5), "an unknown index falls back to the enclosing list"),
        ("/spec/evaluators/0", True, (8, 7), "a list item has no key: its value's position"),
    ],
)
def test_positions_point_at_the_right_character(pointer, key, expected, reason):
    (doc,), problems = load_text("f.yaml", NESTED)
    assert problems == []
    found = doc.positions.of_key(pointer) if key else doc.positions.of_value(pointer)
    assert found == expected, reason


@pytest.mark.parametrize(
    ("text", "code", "where", "words", "reason"),
    [
        ("a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", (3, 1), "first at line 1", "the later key is flagged"),
        ("a: [1, 2\nb: 3\n", "yaml-syntax", (2, 2), "started at line 1", "unclosed flow names its start"),
        ("a:\n\tb: 1\n", "yaml-syntax", (2, 1), "indent with spaces", "a tab gets its own explanation"),
        ("a: !!python/name:os.system x\n", "yaml-tag", (1, 4), "plain data", "python scalar tag"),
        ("a: !!python/tuple [1, 2]\n", "yaml-tag", (1, 4), "plain data", "tag on a sequence"),
        ("a: !custom {b: 1}\n", "yaml-tag", (1, 4), "plain data", "local tag on a mapping"),
        ("", "empty-file", (1, 1), "no spec document", "an empty file"),
        ("# only a comment\n---\n", "empty-file", (1, 1), "no spec document", "only comments and markers"),
        ("yes: 1\n", "yaml-key", (1, 1), "quote it", "yes is a boolean key in YAML 1.1"),
        ("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5), "yaml-too-large", (1, 1), "deeper", "deep nesting"),
    ],
)
def test_problems_are_located_and_say_what_to_do(text, code, where, words, reason):
    docs, problems = load_text("f.yaml", text)
    refused = [p for d in docs for p in d.refused]
    found = [p for p in problems + refused if p.code == code]
    assert len(found) == 1, (reason, problems, refused)
    assert (found[0].line, found[0].column) == where, reason
    assert words in found[0].message, reason


def test_alias_bomb_is_refused_without_expanding_it():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    docs, problems = load_text("f.yaml", "\n".join(lines) + "\n")
    assert docs == []
    assert [p.code for p in problems] == ["yaml-too-large"]


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("t: 2026-11-24T10:00:00Z\n", {"t": "2026-11-24T10:00:00Z"}, "an aware timestamp stays ISO with Z"),
        ("t: 2026-11-24 10:00:00\n", {"t": "2026-11-24T10:00:00Z"}, "a naive timestamp is read as UTC"),
        ("t: 2026-11-24\n", {"t": "2026-11-24"}, "a date stays a date string"),
        ("t: 2026-13-45\n", {"t": "2026-13-45"}, "an impossible date is kept as text for the schema"),
        ("b: &b {x: 1}\nc: {<<: *b, y: 2}\n", {"b": {"x": 1}, "c": {"x": 1, "y": 2}}, "merge keys work"),
        ("c: {<<: {x: 1}, x: 2}\n", {"c": {"x": 2}}, "an explicit key overrides a merged one"),
    ],
)
def test_values_are_plain_data(text, expected, reason):
    (doc,), problems = load_text("f.yaml", text)
    assert problems == [], reason
    assert doc.data == expected, reason


def test_explicit_key_after_merge_is_not_a_duplicate_and_keeps_its_own_position():
    (doc,), problems = load_text("f.yaml", "c:\n  <<: {x: 1}\n  x: 2\n")
    assert problems == []
    assert doc.positions.of_value("/c/x") == (3, 6)


@pytest.mark.parametrize(
    ("raw", "where", "reason"),
    [
        (b"a: caf\xe9\n", (1, 7), "a Latin-1 byte in the first line"),
        (b"\xc3\xbc\xc3\xbc: \xff\n", (1, 5), "columns count characters, not bytes"),
    ],
)
def test_non_utf8_bytes_are_located(tmp_path, raw, where, reason):
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    docs, problems = load_file(path, "f.yaml")
    assert docs == []
    assert [(p.line, p.column, p.code) for p in problems] == [(*where, "encoding")], reason


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    (doc,), problems = load_file(path)
    assert problems == [] and doc.data == {"a": 1}


def test_discover_sorts_skips_hidden_folders_and_reports_missing_paths(tmp_path):
    for rel in ("b.yaml", "a/c.yml", ".git/x.yaml", "a/.hidden/y.yaml", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("a: 1\n")
    found, missing = discover([tmp_path, tmp_path / "nope.yaml"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/c.yml", "b.yaml"]
    assert missing == [str(tmp_path / "nope.yaml")]


def test_positions_fall_back_to_the_document_start():
    assert Positions().of_value("/anything/deep") == (1, 1)
    assert Positions(values={"": (3, 1)}).of_key("/x") == (3, 1)


def test_unreadable_file_is_a_located_problem(tmp_path: Path):
    docs, problems = load_file(tmp_path / "gone.yaml", "gone.yaml")
    assert docs == [] and [(p.file, p.line, p.code) for p in problems] == [("gone.yaml", 1, "io")]
