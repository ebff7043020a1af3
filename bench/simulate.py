"""`evalctl simulate` one scenario at a time against four at a time, side by side in one run.

10 simulated scenarios x 5 turns (BENCH_SCENARIOS, BENCH_TURNS) against a local HTTP agent that takes
~50 ms a turn (BENCH_AGENT_SECONDS) and exports its spans over OTLP; a loopback chat-completions server
plays the actor (never stops before max_turns) and the judge. For --parallel 1 and 4: the conversations'
wall time, the whole command's (telemetry wait and scoring included), and the agent's floor (its own
work per turn, in waves of N). The figures go in README.md.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalctl.cli.main import main as evalctl  # noqa: E402
from evalctl.runner import simulate  # noqa: E402
from tests.chat_server import chat_server  # noqa: E402
from tests.emulator.fixture_agent import FixtureAgent  # noqa: E402

COUNT = int(os.environ.get("BENCH_SCENARIOS", "10"))
TURNS = int(os.environ.get("BENCH_TURNS", "5"))
WORK = float(os.environ.get("BENCH_AGENT_SECONDS", "0.05"))


def _dataset() -> str:
    scenarios = [
        {"scenario_id": f"s{i:02d}", "scenario_description": "keeps asking",
         "actor_profile": {"context": "a customer", "goal": "ACTOR"},
         "input": f"Where is order {i}?", "max_turns": TURNS}
        for i in range(COUNT)
    ]  # fmt: skip
    spec = {"schemaType": "AGENTCORE_EVALUATION_SIMULATED_V1", "scenarios": scenarios}
    doc = {"apiVersion": "evalctl/v1alpha1", "kind": "Dataset", "metadata": {"name": "bench"}, "spec": spec}
    return json.dumps(doc)  # YAML reads JSON


def _answer(body: dict[str, Any]) -> tuple[int, str]:
    if "Your goal: ACTOR" in body["messages"][0]["content"]:
        turns = body["messages"][1]["content"].count("\nAgent: ")
        return 200, json.dumps({"stop": False, "message": f"And now? ({turns})", "reasoning": "more"})
    return 200, json.dumps({"label": "Good", "explanation": "bench judge"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(specs: Path, parallel: int) -> tuple[float, float, int]:
    """(conversations' wall seconds, the command's wall seconds, exit code) of one simulate run."""
    port = _free_port()
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {}, work_seconds=WORK)
    url = agent.start()
    timed: list[float] = []
    run_all = simulate.run_all

    def measured(*args: Any, **kwargs: Any) -> list[simulate.Transcript]:
        began = time.perf_counter()
        try:
            return run_all(*args, **kwargs)
        finally:
            timed.append(time.perf_counter() - began)

    simulate.run_all = measured  # type: ignore[assignment]
    began = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            code = evalctl([
                "simulate", "bench", "--specs", str(specs), "--agent", url, "--otlp-port", str(port),
                "--evaluator", "Builtin.Helpfulness", "--parallel", str(parallel), "--quiet",
            ])  # fmt: skip
    finally:
        simulate.run_all = run_all  # type: ignore[assignment]
        agent.stop()
    return timed[0], time.perf_counter() - began, code


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, chat_server(_answer) as actor:
        specs = Path(folder) / "evaluations"
        specs.mkdir()
        (specs / "dataset.yaml").write_text(_dataset())
        os.environ.update({"EVALCTL_JUDGE": "openai", "EVALCTL_JUDGE_BASE_URL": actor.base_url})
        rows = [(n, *run(specs, n)) for n in (1, 4)]
    print(f"{COUNT} scenarios x {TURNS} turns, agent {WORK * 1000:g} ms a turn, loopback actor and judge")
    heads = ("--parallel", "conversations s", "agent floor s", "whole command s")
    print("  ".join(f"{h:>15}" for h in heads) + "  exit")
    for n, talk, whole, code in rows:
        floor = math.ceil(COUNT / n) * TURNS * WORK
        print(f"{n:>15}  {talk:>15.2f}  {floor:>15.2f}  {whole:>15.2f}  {code}")
    (_, talk1, whole1, _), (_, talk4, whole4, _) = rows
    print(f"speed-up at 4: conversations {talk1 / talk4:.2f}x, whole command {whole1 / whole4:.2f}x")


if __name__ == "__main__":
    main()
