"""Start-up benchmark: `evalctl --help` and `evalctl validate FILE` against a bare `python -c pass`.

Each command runs N times as a fresh process (hyperfine-style); the median wall time is printed with
the baseline subtracted, and the heaviest modules each command imports (`python -X importtime`).
Target: each command under 0.3 s wall on this machine.

Run: .venv/bin/python bench/startup.py [--runs N] [--file SPEC]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "evaluations" / "evaluators" / "response-tone.yaml"
TARGET = 0.3
# Modules whose presence after start-up means a heavy part was imported that the command never uses.
HEAVY = ("boto3", "botocore", "moto", "bedrock_agentcore", "flask", "pulumi", "rich")


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `runs` fresh processes of `command` (after one warm-up run).

    CPU (user + system of the child) barely moves when other jobs share the cores; wall time does.
    """
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(command, capture_output=True, env=env, check=False, cwd=ROOT)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=False, cwd=ROOT)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def heaviest(args: list[str], count: int = 3) -> str:
    """The `count` top-level imports with the largest cumulative import time, and heavy parts seen."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalctl", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    tops: list[tuple[int, str]] = []
    names: set[str] = set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, raw = line.split("|")
        names.add(raw.strip().split(".")[0])
        if not raw[1:].startswith(" "):  # a top-level import (no indentation)
            tops.append((int(cumulative), raw.strip()))
    tops.sort(reverse=True)
    shown = ", ".join(f"{name} {micros / 1000:.0f} ms" for micros, name in tops[:count])
    loaded = sorted(names.intersection(HEAVY))
    return f"{shown}; heavy parts imported: {', '.join(loaded) or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    options = parser.parse_args()
    # The console script users run, beside this interpreter (falls back to `python -m evalctl`).
    script = Path(sys.executable).with_name("evalctl")
    evalctl = [str(script)] if script.exists() else [sys.executable, "-m", "evalctl"]
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "evalctl --help": [*evalctl, "--help"],
        "evalctl validate FILE": [*evalctl, "validate", str(options.file)],
    }
    medians = {label: measure(command, options.runs) for label, command in cases.items()}
    base = medians["python -c pass"][0]
    print(f"{options.runs} runs each, medians; FILE = {options.file.relative_to(ROOT)}")
    for label, (median, cpu) in medians.items():
        extra = "" if label.startswith("python") else f"  (+{median - base:.3f} s over python)"
        verdict = "" if label.startswith("python") else ("  ok" if median < TARGET else "  OVER")
        print(f"{label:<24} {median:.3f} s wall, {cpu:.3f} s CPU{extra}{verdict}")
    for label, args in (("--help", ["--help"]), ("validate", ["validate", str(options.file)])):
        print(f"imports of {label}: {heaviest(args)}")
    print(f"target: each evalctl command < {TARGET} s wall")


if __name__ == "__main__":
    main()
