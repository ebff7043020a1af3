"""The per-run admin token: where it is kept (in process, in a 0600 file) and how clients find it."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from evalctl.emulator.gate import LOOPBACK_NAMES

TOKEN_ENV = "EVALCTL_EMULATOR_TOKEN"
_LOOPBACK_BINDS = {"127.0.0.1", "localhost", "::1", *LOOPBACK_NAMES}
_running: dict[str, str] = {}
_lock = threading.Lock()


def register(endpoint: str, token: str) -> None:
    """Remember the token of an emulator served by this process (our own clients find it here)."""
    with _lock:
        _running[endpoint.rstrip("/")] = token


def forget(endpoint: str) -> None:
    with _lock:
        _running.pop(endpoint.rstrip("/"), None)


def default_token_file(port: int) -> Path:
    """`~/.cache/evalctl/emulator-<port>.token` (XDG_CACHE_HOME respected)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "evalctl" / f"emulator-{port}.token"


def write_token_file(path: Path, token: str) -> Path:
    """Write the token readable by the owner only (0600), created with that mode from the start."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    os.replace(tmp, path)
    return path


def token_for(endpoint: str, token_file: Path | None = None) -> str | None:
    """The admin token for an endpoint: this process's server, EVALCTL_EMULATOR_TOKEN, or the token file."""
    with _lock:
        known = _running.get(endpoint.rstrip("/"))
    if known is not None:
        return known
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    port = urlsplit(endpoint).port
    path = token_file or (default_token_file(port) if port is not None else None)
    if path is not None and path.is_file():
        return path.read_text().strip()
    return None


def warn_if_exposed(host: str) -> None:
    """Say loudly that binding beyond loopback lets other machines run code with this emulator."""
    if host in _LOOPBACK_BINDS or host.startswith("127."):
        return
    print(
        f"WARNING: evalctl emulator is binding {host}, not loopback. Anyone who can reach this port\n"
        "WARNING: can run code (code-based evaluators run uploaded handlers) on this machine.\n"
        "WARNING: Use --host 127.0.0.1 unless you are inside an isolated container or VM.",
        file=sys.stderr,
        flush=True,
    )
