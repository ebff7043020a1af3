"""How a code-evaluator worker is started: a Lambda-like environment, a private folder, its own group.

This protects the operator's secrets and keeps the machine clean; it is not a security boundary
against hostile code (the handler runs as the operator's user, with network and file access).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from evalctl.engine.model import CodeSource

# Lambda caps a synchronous response at 6 MB (Lambda quotas page: "Invocation payload ... 6 MB").
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# Dummy role credentials: the shape of Lambda's temporary credentials, never usable anywhere.
ROLE_KEY_ID = "ASIAEVALCTLLOCALROLE"
ROLE_SECRET = "evalctl-local-dummy-role-secret"
ROLE_TOKEN = "evalctl-local-dummy-role-session-token"
DEFAULT_REGION = "us-east-1"
_PATH = "/usr/local/bin:/usr/bin:/bin"


def lambda_environment(source: CodeSource, task_root: str, private: Path) -> dict[str, str]:
    """The variables Lambda's Python runtime sets, and nothing from the operator's environment."""
    name = source.function_name or "evalctl-local-function"
    region = source.region or DEFAULT_REGION
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(source.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]evalctl",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": ROLE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ROLE_SECRET,
        "AWS_SESSION_TOKEN": ROLE_TOKEN,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "_HANDLER": source.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": _PATH,
        "HOME": str(private / "home"),
        "TMPDIR": str(private / "tmp"),
    }


class Sandbox:
    """One worker's private folder (cwd, HOME, TMPDIR) and the Popen arguments that use it."""

    def __init__(self, source: CodeSource, task_root: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="evalctl-fn-")).resolve()
        for sub in ("home", "tmp", "work"):
            (self.root / sub).mkdir(mode=0o700)
        self.env = lambda_environment(source, task_root, self.root)

    def popen(self, argv: list[str]) -> subprocess.Popen[bytes]:
        """Start the worker in a new session (its own process group) inside the private folder."""
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.env,
            cwd=self.root / "work",
            start_new_session=True,
            close_fds=True,
        )

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's whole process group: children it started die with it."""
    # With start_new_session the worker leads its own group, whose id is its pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
