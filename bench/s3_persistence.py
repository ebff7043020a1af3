"""What keeping moto's S3 in --data-dir costs: save, load, and a real `evalctl emulator` restart.

Puts N objects of SIZE bytes through the emulator's HTTP endpoint with boto3, then times (median of
--runs): the first save (every body written), a save with nothing new (every body hashed, none
written), loading into empty backends, and the time from starting `evalctl emulator --data-dir` to its
banner with that data dir against an empty one.

Run: .venv/bin/python bench/s3_persistence.py [--objects N] [--size BYTES] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from moto.moto_api._internal.models import moto_api_backend

from evalctl.emulator import motostate
from evalctl.emulator.s3state import BODY_DIR
from evalctl.emulator.testing import running_emulator

EVALCTL = Path(sys.executable).parent / "evalctl"


def median_ms(action: Callable[[], object], runs: int, before: Callable[[], object] = lambda: None) -> float:
    """Median milliseconds of `action`, with `before` run untimed ahead of each run."""
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def banner_ms(data_dir: Path, runs: int) -> float:
    """Median milliseconds from spawning `evalctl emulator --data-dir` to its listening line."""

    def once() -> None:
        child = subprocess.Popen(
            [str(EVALCTL), "emulator", "--port", "0", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("evalctl emulator listening"), line
        child.terminate()
        child.wait(timeout=30)

    return median_ms(once, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100)
    parser.add_argument("--size", type=int, default=100 * 1024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="evalctl-s3bench-"))
    full, empty = root / "full", root / "empty"
    try:
        moto_api_backend.reset()
        with running_emulator(data_dir=full) as emulator:
            s3 = emulator.client("s3")
            s3.create_bucket(Bucket="bench-data")
            for i in range(args.objects):
                s3.put_object(Bucket="bench-data", Key=f"cases/{i:04}.jsonl", Body=os.urandom(args.size))
            bodies = full / BODY_DIR
            first = median_ms(
                lambda: motostate.save(full), args.runs, lambda: shutil.rmtree(bodies, ignore_errors=True)
            )
            again = median_ms(lambda: motostate.save(full), args.runs)
        load = median_ms(lambda: motostate.load(full), args.runs, moto_api_backend.reset)
        moto_api_backend.reset()
        with running_emulator(data_dir=empty):
            pass
        mb = args.objects * args.size / 1e6
        print(f"{args.objects} objects x {args.size} bytes ({mb:.1f} MB), median of {args.runs}:")
        print(f"  first save (bodies written)     {first:8.1f} ms")
        print(f"  save, nothing new (hashed only) {again:8.1f} ms")
        print(f"  load into empty backends        {load:8.1f} ms")
        print(f"  `evalctl emulator` to banner    {banner_ms(full, args.runs):8.1f} ms with S3 data")
        print(f"  the same, empty data dir        {banner_ms(empty, args.runs):8.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
