"""Writes tests/data/provider_blobs/<commit>.json: each provider class of this repo at an earlier commit,
serialized exactly as `pulumi.dynamic.Resource` stores it in state (`__provider`).

Run from the repo root: `.venv/bin/python -m tests.program.old_providers <commit> [<commit> ...]`.
The commit is checked out into a temporary git worktree and imported there, in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOBS = ROOT / "tests" / "data" / "provider_blobs"
# Runs inside the old tree: every public `*Provider` class defined in a public components module.
SERIALIZE = """
import importlib, inspect, json, pkgutil
import components
from pulumi.dynamic.dynamic import serialize_provider
blobs = {}
for info in pkgutil.iter_modules(components.__path__):
    if info.name.startswith("_") or info.name == "stack":
        continue
    module = importlib.import_module(f"components.{info.name}")
    for name, cls in vars(module).items():
        if inspect.isclass(cls) and cls.__module__ == module.__name__ and name.endswith("Provider"):
            blobs[f"{module.__name__}.{name}"] = serialize_provider(cls())
print(json.dumps(blobs, sort_keys=True))
"""


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def blobs_at(commit: str) -> dict[str, object]:
    """The serialized providers of `commit`, with the commit's full hash, date and subject."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        git("worktree", "add", "--detach", str(tree), commit)
        try:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            done = subprocess.run([sys.executable, "-c", SERIALIZE], cwd=tree, env=env, capture_output=True,
                                  text=True, check=False)  # fmt: skip
            if done.returncode:
                raise SystemExit(f"{commit}: the providers do not import there:\n{done.stderr[-2000:]}")
            out = done.stdout
        finally:
            git("worktree", "remove", "--force", str(tree))
    full, date, subject = git("show", "-s", "--format=%H%n%cI%n%s", commit).split("\n", 2)
    return {"commit": full, "date": date, "subject": subject, "providers": json.loads(out)}


def main(commits: list[str]) -> None:
    BLOBS.mkdir(parents=True, exist_ok=True)
    for commit in commits:
        found = blobs_at(commit)
        path = BLOBS / f"{str(found['commit'])[:12]}.json"
        path.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
        print(f"{path.relative_to(ROOT)}: {', '.join(sorted(found['providers']))}")  # type: ignore[call-overload]


if __name__ == "__main__":
    main(sys.argv[1:])
