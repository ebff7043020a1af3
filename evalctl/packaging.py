"""Deterministic zip packages of code-based evaluator sources (same bytes for the same files)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

# Zip entries carry the DOS epoch so unchanged code always gives the same bytes and no diff.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
SKIPPED = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".git", ".venv"})


class PackagingError(ValueError):
    """The source folder cannot be packaged."""


def package_source(source: Path) -> bytes:
    """Zip a folder with sorted entries, fixed timestamps and fixed modes, skipping caches."""
    if not source.is_dir():
        raise PackagingError(f"function source folder {source} does not exist; fix spec.function.source")
    files = sorted(
        p for p in source.rglob("*") if p.is_file() and not SKIPPED.intersection(p.relative_to(source).parts)
    )
    if not files:
        raise PackagingError(f"function source folder {source} holds no files; add the handler module")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=FIXED_DATE)
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
