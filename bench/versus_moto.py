"""Our emulator and moto's own server side by side on the calls both serve (IAM, CloudWatch Logs).

Each server runs as its own process on 127.0.0.1: ours as `evalctl emulator --port 0`, moto's as
`moto.server.ThreadedMotoServer`. The same calls go to both, interleaved per call type: through one
boto3 client (as users and the providers meet them) and raw over one HTTP connection (the servers
alone). The ratio is ours/moto in requests per second; above 1.0 we are faster.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

MOTO_SERVER = """
import threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
server.start()
print("http://127.0.0.1:%d" % server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""
TRUST = '{"Version": "2012-10-17", "Statement": []}'
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/{service}/aws4_request, "
    "SignedHeaders=host, Signature=x"
)


@dataclass
class Server:
    """One server process: its endpoint and its pid (for its CPU time)."""

    name: str
    endpoint: str
    pid: int
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.session.Session().client(
                service, endpoint_url=self.endpoint, region_name="us-east-1",
                aws_access_key_id="test", aws_secret_access_key="test",
                config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
            )  # fmt: skip
        return self.clients[service]

    def cpu(self) -> float:
        """CPU seconds of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(name: str, command: list[str]) -> Iterator[Server]:
    """A server child process that prints its endpoint last on its first line; stopped by pid."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip().rsplit(" ", 1)[-1]
        yield Server(name, endpoint, child.pid)
    finally:
        child.terminate()
        child.wait(timeout=10)


def timed(server: Server, calls: int, call: Callable[[int], object]) -> tuple[float, float]:
    """(requests per wall second, requests per CPU-second of client + server) for `calls` calls."""
    call(-1)  # warm-up: the first call loads models and opens the connection
    started, cpu = time.perf_counter(), time.process_time() + server.cpu()
    for index in range(calls):
        call(index)
    elapsed, used = time.perf_counter() - started, time.process_time() + server.cpu() - cpu
    return calls / elapsed, calls / max(used, 1e-9)


def prepare(server: Server) -> None:
    """The state both servers need: one role, one log group with a stream holding events."""
    server.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)
    logs = server.client("logs")
    logs.create_log_group(logGroupName="bench")
    logs.create_log_stream(logGroupName="bench", logStreamName="s")
    events = [{"timestamp": int(time.time() * 1000), "message": f"event {i}"} for i in range(50)]
    logs.put_log_events(logGroupName="bench", logStreamName="s", logEvents=events)


def boto3_calls(server: Server) -> dict[str, Callable[[int], object]]:
    iam, logs = server.client("iam"), server.client("logs")
    now = int(time.time() * 1000)
    event = [{"timestamp": now, "message": "a log line"}]
    return {
        "IAM GetRole": lambda _: iam.get_role(RoleName="bench"),
        "Logs PutLogEvents": lambda _: logs.put_log_events(
            logGroupName="bench", logStreamName="s", logEvents=event
        ),
        "Logs GetLogEvents": lambda _: logs.get_log_events(logGroupName="bench", logStreamName="s", limit=50),
    }


def raw_calls(server: Server) -> dict[str, Callable[[int], object]]:
    """The same reads with a minimal HTTP client: one kept-alive connection (reopened if closed)."""
    host, port = server.endpoint.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))

    def request(body: str, headers: dict[str, str]) -> None:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (server.name, response.status)

    iam_headers = {
        "Authorization": AUTH.format(service="iam"),
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    }
    logs_headers = {
        "Authorization": AUTH.format(service="logs"),
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "Logs_20140328.GetLogEvents",
    }
    logs_body = '{"logGroupName": "bench", "logStreamName": "s", "limit": 50}'
    return {
        "IAM GetRole (raw)": lambda _: request(
            "Action=GetRole&Version=2010-05-08&RoleName=bench", iam_headers
        ),
        "Logs GetLogEvents (raw)": lambda _: request(logs_body, logs_headers),
    }


def compare(ours: Server, moto: Server, calls: int, rounds: int = 3) -> None:
    """Interleaved rounds per call type; the best of each side (noise only ever adds time)."""
    print(f"{'call':<26} {'ours req/s':>10} {'moto req/s':>10} {'ratio':>6}   per CPU-s: ours / moto / ratio")
    for make in (boto3_calls, raw_calls):
        mine, theirs = make(ours), make(moto)
        for label in mine:
            best: dict[str, tuple[float, float]] = {"ours": (0.0, 0.0), "moto": (0.0, 0.0)}
            for _ in range(rounds):
                for side, server, table in (("ours", ours, mine), ("moto", moto, theirs)):
                    wall, cpu = timed(server, calls, table[label])
                    best[side] = (max(best[side][0], wall), max(best[side][1], cpu))
            (ow, oc), (mw, mc) = best["ours"], best["moto"]
            print(
                f"{label:<26} {ow:10.0f} {mw:10.0f} {ow / mw:5.2f}x   {oc:6.0f} / {mc:6.0f} / {oc / mc:4.2f}x"
            )


def main(calls: int = 300) -> None:
    ours_command = [str(Path(sys.executable).parent / "evalctl"), "emulator", "--port", "0"]
    with serve("ours", ours_command) as ours, serve("moto", [sys.executable, "-c", MOTO_SERVER]) as moto:
        for server in (ours, moto):
            prepare(server)
        print(f"ours at {ours.endpoint}, moto's ThreadedMotoServer at {moto.endpoint}; {calls} calls per run")
        compare(ours, moto, calls)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
