"""Checking many files across processes gives exactly what checking them one by one gives, in order."""

from __future__ import annotations

import pytest

from evalctl.spec.lint import files as lint_files

HEAD = "apiVersion: evalctl/v1alpha1\nkind: LogGroup\nmetadata:\n  name: logs-{i}\n"
VALID = HEAD + "spec: {{retentionInDays: 7}}\n"
BROKEN = HEAD + "spec: {{retentionInDays: 10}}\n"


@pytest.mark.parametrize(
    ("count", "reason"),
    [
        (3, "fewer files than a chunk"),
        (lint_files.CHUNK * 2 + 5, "several chunks, the last one partial: order must survive the pool"),
    ],
)
def test_parallel_check_matches_sequential_check(tmp_path, monkeypatch, count, reason):
    paths = []
    for i in range(count):
        path = tmp_path / f"spec-{i:03d}.yaml"
        path.write_text((BROKEN if i % 5 == 0 else VALID).format(i=i) + ("---\n: [\n" if i % 7 == 0 else ""))
        paths.append(path)
    shown = [p.name for p in paths]
    monkeypatch.setattr(lint_files, "PARALLEL_FROM", 0)
    sequential = lint_files.check_files(paths, shown, workers=1)
    parallel = lint_files.check_files(paths, shown, workers=2)
    assert [[r.data for r in raws] for raws, _, _ in parallel] == [
        [r.data for r in raws] for raws, _, _ in sequential
    ]
    assert [(p, d) for _, p, d in parallel] == [(p, d) for _, p, d in sequential], reason
    assert sum(len(p) for _, p, _ in parallel) == len(range(0, count, 7)), "each broken tail is a YAML error"
    assert sum(len(d) for _, _, docs in parallel for d in docs) == len(range(0, count, 5))
