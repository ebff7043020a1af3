"""Parse and schema-check many spec files, across processes when there are enough of them to pay off."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.schema_check import check_document
from evalctl.spec.loader import RawDocument, load_file

# Below this many files a process pool costs more (start-up, pickling positions) than it saves.
PARALLEL_FROM = 500
CHUNK = 64

CheckedFile = tuple[list[RawDocument], list[Diagnostic], list[list[Diagnostic]]]


def check_file(path: Path, shown: str) -> CheckedFile:
    """One file's documents, its parse problems, and each document's schema problems."""
    raws, problems = load_file(path, shown)
    return raws, problems, [check_document(raw) for raw in raws]


def _check_chunk(chunk: list[tuple[Path, str]]) -> list[CheckedFile]:
    return [check_file(path, shown) for path, shown in chunk]


def check_files(paths: Sequence[Path], shown: Sequence[str], workers: int | None = None) -> list[CheckedFile]:
    """`check_file` for every path, in the given order whatever the number of processes."""
    pairs = list(zip(paths, shown, strict=True))
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if workers < 2 or len(pairs) < PARALLEL_FROM:
        return _check_chunk(pairs)
    chunks = [pairs[i : i + CHUNK] for i in range(0, len(pairs), CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [checked for part in pool.map(_check_chunk, chunks) for checked in part]
