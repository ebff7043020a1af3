"""Code evaluators run like Lambda: clean environment, private folder, memory, timeout and size limits."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalctl.engine.code import CodeRunError, CodeRunner
from evalctl.engine.model import CodeSource

OPERATOR_SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAOPERATORCANARY01",
    "AWS_SECRET_ACCESS_KEY": "operator-secret-canary-9f8e",
    "AWS_SESSION_TOKEN": "operator-session-canary-7d6c",
    "AWS_PROFILE": "operator-profile-canary",
    "EVALCTL_JUDGE_API_KEY": "judge-key-canary-5b4a",
    "OPENAI_API_KEY": "sk-openai-canary-3a2b",
    "ANTHROPIC_API_KEY": "anthropic-canary-1c0d",
    "GITHUB_TOKEN": "ghp_canary_token_0000",
}
LAMBDA_VARIABLES = {
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_EXECUTION_ENV",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "_HANDLER",
    "TZ",
    "LANG",
    "PATH",
    "HOME",
    "TMPDIR",
    "PWD",
    "LC_CTYPE",
}


@pytest.fixture
def runner() -> Iterator[CodeRunner]:
    code_runner = CodeRunner(workers_per_handler=1)
    yield code_runner
    code_runner.close()


def handler(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "lambda_function.py").write_text(body)
    return folder


def source(folder: Path, timeout: float = 20.0, memory_mb: int = 128) -> CodeSource:
    return CodeSource(
        directory=folder,
        handler="lambda_function.lambda_handler",
        timeout_seconds=timeout,
        memory_mb=memory_mb,
        function_name="canary-fn",
    )


VIEW = """
import json, os, tempfile
def lambda_handler(event, context):
    with open("written-by-handler.txt", "w") as out:
        out.write("x")
    view = {"env": dict(os.environ), "cwd": os.getcwd(), "tmp": tempfile.gettempdir(),
            "home": os.path.expanduser("~"), "memory": context.memory_limit_in_mb,
            "name": context.function_name}
    return {"label": "View", "explanation": json.dumps(view)}
"""


def test_handler_sees_only_lambda_variables_and_a_private_folder(runner, tmp_path, monkeypatch):
    """Probe 1: the operator's credentials and API keys never reach the handler's environment."""
    for name, value in OPERATOR_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    folder = handler(tmp_path, VIEW)
    view = json.loads(runner.invoke(source(folder), {"x": 1}).explanation or "{}")
    text = json.dumps(view)
    for name, value in OPERATOR_SECRETS.items():
        assert value not in text, name
    assert set(view["env"]) <= LAMBDA_VARIABLES, set(view["env"]) - LAMBDA_VARIABLES
    assert view["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert view["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "canary-fn"
    assert (view["memory"], view["name"]) == (128, "canary-fn")
    private = Path(view["cwd"]).parent
    assert private != tmp_path and not private.is_relative_to(tmp_path)
    assert Path(view["tmp"]).is_relative_to(private) and Path(view["home"]).is_relative_to(private)
    assert not (tmp_path / "written-by-handler.txt").exists()
    assert not (folder / "written-by-handler.txt").exists()
    assert not (folder / "__pycache__").exists(), "the source folder stays as it was"
    runner.close()
    assert not private.exists(), "the private folder is removed with the worker"


def test_memory_size_is_a_hard_limit(runner, tmp_path):
    """Probe 3: a 128 MB function cannot allocate 2 GB; the call fails like Lambda's out-of-memory."""
    body = "def lambda_handler(e, c):\n    return {'label': str(len(bytearray(2 * 1024 ** 3)))}"
    with pytest.raises(CodeRunError) as caught:
        runner.invoke(source(handler(tmp_path, body), memory_mb=128), {})
    assert caught.value.code == "Runtime.OutOfMemory"
    assert "128 MB" in caught.value.message


def test_timeout_kills_the_whole_process_group(runner, tmp_path):
    """Probe 3: children the handler started do not survive its timeout."""
    pids = tmp_path / "pids.json"
    body = (
        "import json, subprocess, time\n"
        "def lambda_handler(e, c):\n"
        "    kids = [subprocess.Popen(['sleep', '600']).pid for _ in range(5)]\n"
        f"    open({str(pids)!r}, 'w').write(json.dumps(kids))\n"
        "    time.sleep(600)\n"
    )
    with pytest.raises(CodeRunError) as caught:
        runner.invoke(source(handler(tmp_path, body), timeout=3), {})
    assert caught.value.code == "Timeout"
    kids = json.loads(pids.read_text())
    assert len(kids) == 5
    assert [pid for pid in kids if _running(pid)] == []


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (waits for the kill to land, bounded)."""
    for _ in range(2000):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        os.sched_yield()
    return True


def test_response_is_capped_at_six_megabytes(runner, tmp_path):
    """Probe 3: a 7 MB return is refused as Lambda refuses it, and the next call still works."""
    body = (
        "def lambda_handler(e, c):\n"
        "    if e.get('big'):\n        return {'label': 'x', 'explanation': 'a' * (7 * 1024 * 1024)}\n"
        "    return {'label': 'small'}\n"
    )
    code = source(handler(tmp_path, body))
    with pytest.raises(CodeRunError) as caught:
        runner.invoke(code, {"big": True})
    assert caught.value.code == "Function.ResponseSizeTooLarge"
    assert "6291456" in caught.value.message
    assert runner.invoke(code, {}).label == "small"


def test_a_forged_reply_is_never_unpickled(runner, tmp_path):
    """The worker's replies are JSON: a handler writing a pickle into the reply pipe runs nothing here."""
    marker = tmp_path / "unpickled-in-the-parent"
    body = f"""
import os, pickle, struct
class Boom:
    def __reduce__(self):
        return (exec, ("open({str(marker)!r}, 'w').write('x')",))
def lambda_handler(e, c):
    payload = pickle.dumps(Boom())
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">cI", b"p", len(payload)) + payload)
        except OSError:
            pass
    return {{"label": "forged"}}
"""
    with pytest.raises(CodeRunError):
        runner.invoke(source(handler(tmp_path, body)), {})
    assert not marker.exists()


@pytest.mark.parametrize(
    "forged",
    ['{"error": 5}', '{"error": "Runtime.OutOfMemory"}', '{"exception": ["x"]}', "[1, 2]", '{"ok": 7}'],
)
def test_a_forged_json_reply_fails_the_call_only(runner, tmp_path, forged):
    """Any JSON a handler writes into the reply pipe becomes a failed call, never an error in the engine."""
    body = f"""
import os, struct
def lambda_handler(e, c):
    payload = {forged!r}.encode()
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">cI", b"j", len(payload)) + payload)
        except OSError:
            pass
    os._exit(0)
"""
    with pytest.raises(CodeRunError):
        runner.invoke(source(handler(tmp_path, body)), {})
