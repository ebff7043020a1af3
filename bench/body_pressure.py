"""Peak memory of `evalctl emulator` under ten parallel 100 MiB request bodies (issue 16, probe 4).

Usage: python bench/body_pressure.py [--parallel 10] [--mib 100]
Prints the emulator's resident memory before and its peak (VmHWM) after the uploads.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/bedrock-agentcore/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
)


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def upload(endpoint: str, size: int, statuses: list[int]) -> None:
    where = urlsplit(endpoint)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=600)
    body = b'{"evaluatorName": "' + b"a" * (size - 40) + b'"}'
    conn.request(
        "POST", "/evaluators/create", body, {"Authorization": SIGNED, "Content-Type": "application/json"}
    )
    statuses.append(conn.getresponse().status)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--mib", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "evalctl", "emulator", "--port", "0", "--token-file", f"{tmp}/t"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            endpoint = child.stdout.readline().strip().rsplit(" ", 1)[-1]
            before = memory_mb(child.pid, "VmRSS")
            statuses: list[int] = []
            threads = [
                threading.Thread(target=upload, args=(endpoint, args.mib * 1024 * 1024, statuses))
                for _ in range(args.parallel)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = memory_mb(child.pid, "VmHWM")
            print(f"{args.parallel} parallel {args.mib} MiB bodies: statuses {sorted(statuses)}")
            print(f"emulator RSS before {before:.0f} MB, peak {peak:.0f} MB")
        finally:
            child.terminate()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
