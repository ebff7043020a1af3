"""Drive the official AgentCore CLI (npm @aws/agentcore, installed by `make interop`) against an emulator."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalctl.emulator.testing import Admin, EmulatorHandle

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "interop"
BUNDLE = INTEROP / "node_modules" / "@aws" / "agentcore" / "dist" / "cli" / "index.mjs"
PRELOAD = INTEROP / "redirect.mjs"
FAST_TIMERS = INTEROP / "fast-timers.mjs"
DATASET_SYNC = INTEROP / "dataset-sync.mjs"
PROJECT = Path(__file__).resolve().parent / "project"
CLI_TIMEOUT = 120
REGION = "us-east-1"
RUNTIME_PREFIX = "/aws/bedrock-agentcore/runtimes/"


def missing() -> str | None:
    """Why the tier cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed (the official AgentCore CLI needs Node >= 20)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.match(r"v(\d+)\.", version)
    if not found or int(found.group(1)) < 20:
        return f"node {version.strip() or '?'} is too old (the AgentCore CLI needs Node >= 20)"
    if not BUNDLE.is_file():
        return f"the official AgentCore CLI is not installed at {BUNDLE} (run `make interop`; needs npm)"
    return None


@dataclass
class Emulator:
    """`evalctl emulator --port 0` in a subprocess: the server exactly as a user starts it."""

    endpoint: str
    admin: Admin
    process: subprocess.Popen[str]


@contextmanager
def emulator_process(workdir: Path) -> Iterator[Emulator]:
    token_file = workdir / "emulator.token"
    command = [sys.executable, "-m", "evalctl", "emulator", "--port", "0", "--token-file", str(token_file)]
    log_path = workdir / "emulator.log"
    log = log_path.open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"listening on (http://\S+)", first)
        assert found, f"the emulator did not start: {first!r} {log_path.read_text()[-2000:]}"
        endpoint = found.group(1)
        yield Emulator(endpoint, Admin(endpoint, token_file.read_text().strip()), process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


@dataclass
class OfficialCli:
    """Runs `agentcore ... --json` in the fixture project with AWS traffic sent to the emulator.

    `max_delay_ms` caps the CLI's setTimeout delays (interop/fast-timers.mjs): its fixed waits for
    CloudWatch ingestion are idle time against the emulator, which stores spans as they arrive.
    """

    endpoint: str
    project: Path
    home: Path
    max_delay_ms: int | None = None
    journal: Path = field(init=False)

    def __post_init__(self) -> None:
        self.journal = self.home / "redirect.log"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR", "SYSTEMROOT")}
        found = {
            **keep,
            "HOME": str(self.home),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AGENTCORE_TELEMETRY_DISABLED": "1",
            "AGENTCORE_DISABLE_KEYCHAIN": "1",
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
            "NO_COLOR": "1",
            "EVALCTL_INTEROP_ENDPOINT": self.endpoint,
            "EVALCTL_INTEROP_JOURNAL": str(self.journal),
        }
        if self.max_delay_ms is not None:
            found["EVALCTL_INTEROP_MAX_DELAY_MS"] = str(self.max_delay_ms)
        return found

    def run(self, *args: str, sync: bool = False) -> subprocess.CompletedProcess[str]:
        """`agentcore ARGS` as a finished process; `sync` runs deploy's dataset sync step instead."""
        preloads = (PRELOAD, FAST_TIMERS, *((DATASET_SYNC,) if sync else ()))
        command = ["node", *(f"--import={p.as_uri()}" for p in preloads), str(BUNDLE), *args]
        env = {**self.env(), **({"EVALCTL_INTEROP_SYNC": "1"} if sync else {})}
        return subprocess.run(
            command,
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )

    def call(self, *args: str) -> tuple[int, dict[str, Any], str]:
        """(exit code, the JSON document printed last, stderr) of `agentcore ARGS --json`."""
        done = self.run(*args, "--json")
        return done.returncode, _last_document(done.stdout), done.stderr

    def ok(self, *args: str) -> dict[str, Any]:
        """The JSON answer of a command that must succeed."""
        code, document, stderr = self.call(*args)
        assert code == 0 and document.get("success") is True, (args, code, document, stderr[-2000:])
        return document

    def text(self, *args: str) -> str:
        """What a command prints for a person (some, like `status --type dataset`, read more then)."""
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    def sync_datasets(self) -> dict[str, Any]:
        """Deploy's dataset sync step (interop/dataset-sync.mjs): push each deployed dataset's file."""
        done = self.run(sync=True)
        document = _last_document(done.stdout)
        assert done.returncode == 0 and document.get("success") is True, (document, done.stderr[-2000:])
        return document

    def journal_lines(self) -> list[str]:
        return self.journal.read_text().splitlines() if self.journal.is_file() else []


def _last_document(stdout: str) -> dict[str, Any]:
    """The last JSON object printed on its own lines (most commands print one line, `status` indents)."""
    lines = stdout.splitlines()
    for start in reversed([i for i, line in enumerate(lines) if line.startswith("{")]):
        try:
            document: dict[str, Any] = json.loads("\n".join(lines[start:]))
        except json.JSONDecodeError:
            continue
        return document
    return {}


def poll(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], seconds: float) -> Any:
    """Call `read` until `done` holds for its answer, within a deadline; the last answer."""
    deadline = time.monotonic() + seconds
    answer = read()
    while not done(answer):
        assert time.monotonic() < deadline, f"gave up waiting; last answer: {answer}"
        answer = read()
    return answer


def write_deployed_state(project: Path, runtimes: dict[str, str], online: dict[str, str]) -> None:
    """What `agentcore deploy` records: runtime ids per agent, online config ids per name."""
    resources = {
        "runtimes": {
            name: {
                "runtimeId": runtime_id,
                "runtimeArn": f"arn:aws:bedrock-agentcore:{REGION}:123456789012:runtime/{runtime_id}",
                "roleArn": "arn:aws:iam::123456789012:role/interop",
            }
            for name, runtime_id in runtimes.items()
        },
        "onlineEvalConfigs": {
            name: {
                "onlineEvaluationConfigId": config_id,
                "onlineEvaluationConfigArn": (
                    f"arn:aws:bedrock-agentcore:{REGION}:123456789012:online-evaluation-config/{config_id}"
                ),
                "agent": "AgentA",
            }
            for name, config_id in online.items()
        },
    }
    state = project / "agentcore" / ".cli" / "deployed-state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"targets": {"default": {"resources": resources}}}, indent=2))


def record_deployed_dataset(project: Path, name: str, dataset_id: str, dataset_arn: str) -> None:
    """What deploy's "Persist deployment state" records for a dataset from its stack outputs."""
    state_file = project / "agentcore" / ".cli" / "deployed-state.json"
    state = json.loads(state_file.read_text())
    resources = state["targets"]["default"]["resources"]
    resources.setdefault("datasets", {})[name] = {"datasetId": dataset_id, "datasetArn": dataset_arn}
    state_file.write_text(json.dumps(state, indent=2))


@dataclass
class Stack:
    """One emulator with both agents seeded, the fixture project deployed to it, and the CLI."""

    aws: EmulatorHandle
    cli: OfficialCli
    sessions: dict[str, list[str]]
    runtimes: dict[str, str]
    online_id: str

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    def service_name(self, agent: str) -> str:
        # The CLI names an agent's OTel service `<project>_<agent>.<endpoint>`.
        return f"interop_{agent}.DEFAULT"


def result_records(stack: Stack, job: dict[str, Any]) -> list[dict[str, Any]]:
    """The attributes of the result records the emulator wrote for a batch evaluation."""
    where = job["outputConfig"]["cloudWatchConfig"]
    events = stack.client("logs").get_log_events(
        logGroupName=where["logGroupName"], logStreamName=where["logStreamName"], startFromHead=True
    )["events"]
    return [json.loads(e["message"]).get("attributes", {}) for e in events]
