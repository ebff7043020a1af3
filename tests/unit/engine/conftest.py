"""Shared helpers for the engine tests: fixture sessions and handler directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evalctl.engine.code import CodeRunner
from evalctl.engine.model import Session
from evalctl.engine.spans import load_span_file, parse_sessions


@pytest.fixture
def sessions_of(span_fixtures: Path) -> Callable[..., list[Session]]:
    """Parse one or more fixture files (by name) together into sessions."""

    def parse(*names: str) -> list[Session]:
        docs = [doc for name in names for doc in load_span_file(span_fixtures / name)]
        return parse_sessions(docs)

    return parse


@pytest.fixture
def runner() -> Iterator[CodeRunner]:
    """A private code runner, closed after the test so no worker outlives it."""
    code_runner = CodeRunner(workers_per_handler=1)
    yield code_runner
    code_runner.close()


@pytest.fixture
def handler_dir(tmp_path: Path) -> Callable[[str], Path]:
    """Write `lambda_function.py` with the given source into a fresh directory."""

    def write(source: str) -> Path:
        folder = tmp_path / f"handler{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(source, encoding="utf-8")
        return folder

    return write
