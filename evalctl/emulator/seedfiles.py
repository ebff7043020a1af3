"""Read recorded session files for the admin `seed` call, every bad one named (no server imports)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class SeedFileError(ValueError):
    """Session files that cannot be seeded; one line per file, saying why."""


def read_session_files(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """[{name, content}] for `seed`; SeedFileError lists every missing, unreadable or non-JSON file."""
    files: list[dict[str, Any]] = []
    problems: list[str] = []
    for path in map(Path, paths):
        try:
            files.append({"name": str(path), "content": json.loads(path.read_text(encoding="utf-8"))})
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})")
        except UnicodeDecodeError:
            problems.append(f"{path}: not a UTF-8 text file")
        except OSError as exc:
            problems.append(f"{path}: cannot read ({exc.strerror or exc})")
    if problems:
        hint = "a session file is a JSON capture of OpenTelemetry spans or log events (tests/data/spans/)"
        raise SeedFileError("\n".join([*problems, hint]))
    return files
