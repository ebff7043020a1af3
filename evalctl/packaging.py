"""Deterministic zip packages of code-based evaluator sources (same bytes for the same files).

A package holds only the code: secret-looking files are skipped (with a warning) unless the spec
lists them in `function.include`, symlinks that leave the folder are refused, and Lambda's size
limits are enforced before anything is uploaded.
"""

from __future__ import annotations

import fnmatch
import io
import os
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

# Zip entries carry the DOS epoch so unchanged code always gives the same bytes and no diff.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
SKIPPED = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".venv"})
# Files (or folders) that hold credentials far more often than code.
SECRET_PATTERNS = (
    ".env", ".env.*", "*.env", ".aws", ".ssh", ".git", ".git-credentials", ".npmrc", ".pypirc",
    ".netrc", ".htpasswd", ".dockercfg", ".docker", "credentials", "id_rsa*", "id_dsa*",
    "id_ecdsa*", "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
)  # fmt: skip
# Lambda quotas: 50 MB zipped for a direct upload, 250 MB unzipped.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
_ROOT_MARKERS = (".git", "Pulumi.yaml", "pyproject.toml")


class PackagingError(ValueError):
    """The source folder cannot be packaged."""


def secret_looking(relative: str) -> bool:
    """True when any part of a package path matches a secret-looking name."""
    return any(fnmatch.fnmatch(part, pat) for part in relative.split("/") for pat in SECRET_PATTERNS)


def project_root(directory: Path) -> Path:
    """The nearest folder holding .git, Pulumi.yaml or pyproject.toml; else `directory` itself."""
    start = directory.resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return start


def _files(source: Path, root: Path) -> list[tuple[str, Path]]:
    """(package path, real path) of every file, refusing symlinks that leave the folder."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        for name in [*dirs, *names]:
            path = here / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                rel = path.relative_to(source).as_posix()
                raise PackagingError(
                    f"{source}: symlink '{rel}' points outside the folder ({os.readlink(path)}); "
                    "copy the file into the folder or remove the link"
                )
        for name in names:
            path = here / name
            if name not in SKIPPED and path.is_file():
                found.append((path.relative_to(source).as_posix(), path))
    return sorted(found)


def _select(source: Path, files: list[tuple[str, Path]], include: Iterable[str]) -> list[tuple[str, Path]]:
    wanted = set(include)
    skipped = [rel for rel, _ in files if secret_looking(rel) and rel not in wanted]
    if skipped:
        shown = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        print(
            f"evalctl: warning: {source}: left out secret-looking file(s): {shown} "
            "(list them in function.include to package them)",
            file=sys.stderr,
        )
    return [(rel, path) for rel, path in files if rel not in skipped]


def package_source(source: Path, include: Iterable[str] = ()) -> bytes:
    """Zip a folder with sorted entries, fixed timestamps and modes, without caches and secrets."""
    if not source.is_dir():
        raise PackagingError(f"function source folder {source} does not exist; fix spec.function.source")
    files = _select(source, _files(source, source.resolve()), include)
    if not files:
        raise PackagingError(f"function source folder {source} holds no files; add the handler module")
    unzipped = sum(path.stat().st_size for _, path in files)
    if unzipped > MAX_UNZIPPED:
        raise PackagingError(
            f"function source folder {source} holds {unzipped} bytes; Lambda's limit is "
            f"{MAX_UNZIPPED} bytes (250 MB) unzipped: move data out of the package"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, path in files:
            info = zipfile.ZipInfo(rel, date_time=FIXED_DATE)
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    if buffer.tell() > MAX_ZIPPED:
        raise PackagingError(
            f"package of {source} is {buffer.tell()} bytes zipped; Lambda's limit for a direct "
            f"upload is {MAX_ZIPPED} bytes (50 MB): make the package smaller"
        )
    return buffer.getvalue()
