"""Reconcile 100 evaluators through the real provider server into the emulator, counting API calls.

Steps: deploy, an unchanged re-run (check + diff), a refresh, then an update of every evaluator while
the emulator throttles 30% of calls. The emulator counts every call it serves.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.evaluator import EvaluatorProvider  # noqa: E402
from evalctl import awsops  # noqa: E402
from evalctl.emulator.testing import running_emulator  # noqa: E402
from tests.providers.harness import ProviderServer, provider_input, urn  # noqa: E402

COUNT = int(os.environ.get("BENCH_EVALUATORS", "100"))
PARALLEL = int(os.environ.get("BENCH_PARALLEL", "10"))
RETRY_MODE = os.environ.get("BENCH_RETRY_MODE", "standard")  # the providers' default
THROTTLE_RATE = 0.3
STACK = "bench"
COMPONENT = "evalctl:evaluator:Evaluator"
READS = ("GetEvaluator", "ListEvaluators", "ListTagsForResource")


def props(index: int, provider: dict[str, Any], description: str, tags: bool = True) -> dict[str, Any]:
    """The inputs an Evaluator component registers for its dynamic resource."""
    name = f"bench-{index:03d}"
    return {
        **({"tags": {"team": "bench"}} if tags else {}),
        "evaluatorName": f"bench_{index:03d}_{STACK}",
        "description": description,
        "level": "TRACE",
        "evaluatorConfig": {
            "llmAsAJudge": {
                "instructions": "Judge the reply.\nContext: {context}\nReply: {assistant_turn}",
                "ratingScale": {"numerical": [{"value": 0, "label": "Bad", "definition": "Wrong."},
                                              {"value": 1, "label": "Good", "definition": "Right."}]},
                "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "anthropic.claude-3-haiku"}},
            }
        },
        "source": f"evaluations/bench/{name}.yaml",
        "ownerUrn": f"urn:pulumi:{STACK}::evalctl::{COMPONENT}::evaluator-{name}",
        "__provider": provider,
    }  # fmt: skip


def resource_urn(index: int) -> str:
    return urn(f"evaluator-bench-{index:03d}", "dynamic/evaluator:Evaluator", COMPONENT, stack=STACK)


def counted(admin: Any, step: Any) -> tuple[Any, dict[str, int], float]:
    """Run a step; return its result, the emulator's AgentCore call counts for it and its wall time."""
    admin.clear_call_counts()
    started = time.perf_counter()
    result = step()
    elapsed = time.perf_counter() - started
    counts = {k: v for k, v in admin.call_counts().items() if v}
    return result, counts, elapsed


def total(counts: dict[str, int], names: tuple[str, ...] | None = None) -> int:
    return sum(v for k, v in counts.items() if names is None or k in names)


def in_parallel(work: Callable[[int], Any]) -> list[Any]:
    """Steps side by side, as the engine runs independent resources (`pulumi up --parallel`)."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(work, range(COUNT)))


def run_steps(server: ProviderServer, admin: Any, provider: dict[str, Any]) -> None:
    """Deploy, unchanged re-run, refresh and throttled update; print each step's figures."""
    wanted = [props(i, provider, "first") for i in range(COUNT)]
    states, counts, seconds = counted(
        admin, lambda: in_parallel(lambda i: server.up(resource_urn(i), wanted[i]))
    )
    print(f"deploy {COUNT} evaluators: CreateEvaluator calls {counts.get('CreateEvaluator', 0)} "
          f"(target {COUNT}), reads per evaluator {total(counts, READS) / COUNT:.2f} (target <= 2), "
          f"all calls {counts}, {seconds:.2f} s", flush=True)  # fmt: skip
    again, counts, seconds = counted(
        admin, lambda: in_parallel(lambda i: server.up(states[i].urn, wanted[i], states[i]))
    )
    print(
        f"unchanged re-run (check + diff): API calls {total(counts)} (target 0), {seconds:.2f} s", flush=True
    )
    _, counts, seconds = counted(admin, lambda: in_parallel(lambda i: server.refresh(again[i])))
    print(f"refresh: reads per resource {total(counts, READS) / COUNT:.2f} (target 2: the resource and "
          f"its tags), all calls {counts}, {seconds:.2f} s", flush=True)  # fmt: skip
    changed = [props(i, provider, "second") for i in range(COUNT)]
    admin.set_faults(throttle_rate=THROTTLE_RATE, seed=7)
    states, counts, seconds = counted(
        admin, lambda: in_parallel(lambda i: server.up(states[i].urn, changed[i], states[i]))
    )
    admin.set_faults()
    print(f"update under {THROTTLE_RATE:.0%} throttling: calls served {counts}, {seconds:.2f} s", flush=True)
    lifecycle_steps(server, admin, provider, states)


def lifecycle_steps(server: ProviderServer, admin: Any, provider: dict[str, Any], states: list[Any]) -> None:
    """Update, revert, remove a member, then destroy -> up -> destroy -> up; each counted."""
    for label, text in (("update", "third"), ("revert", "second")):
        states, counts, seconds = counted(admin, lambda t=text, s=states: apply_all(server, s, provider, t))
        print(f"{label} {COUNT} evaluators: UpdateEvaluator {counts.get('UpdateEvaluator', 0)} (target "
              f"{COUNT}), reads per evaluator {total(counts, READS) / COUNT:.2f} (target <= 1), "
              f"{seconds:.2f} s", flush=True)  # fmt: skip
    bare = [props(i, provider, "second", tags=False) for i in range(COUNT)]
    states, counts, seconds = counted(
        admin, lambda: in_parallel(lambda i: server.up(states[i].urn, bare[i], states[i]))
    )
    untags, creates = counts.get("UntagResource", 0), counts.get("CreateEvaluator", 0)
    print(f"remove the tags of {COUNT} evaluators: UntagResource {untags} (target {COUNT}), creates "
          f"{creates} (target 0), {seconds:.2f} s", flush=True)  # fmt: skip
    errors = 0
    started = time.perf_counter()
    for _ in range(2):
        gone = in_parallel(lambda i, s=states: _quietly(server.destroy, s[i]))  # type: ignore[misc]
        fresh = in_parallel(lambda i: _quietly(server.up, resource_urn(i), bare[i]))
        errors += sum(1 for f in [*gone, *fresh] if f is False)
        states = [f for f in fresh if f is not False]
    print(f"destroy -> up -> destroy -> up of {COUNT}: errors {errors} (target 0), "
          f"{time.perf_counter() - started:.2f} s", flush=True)  # fmt: skip


def apply_all(server: ProviderServer, states: list[Any], provider: dict[str, Any], text: str) -> list[Any]:
    """`pulumi up` of every evaluator with a new description."""
    wanted = [props(i, provider, text) for i in range(COUNT)]
    return in_parallel(lambda i: server.up(states[i].urn, wanted[i], states[i]))


def _quietly(step: Callable[..., Any], *args: Any) -> Any:
    """A step's result, or False when it raised (printed once)."""
    try:
        result = step(*args)
    except Exception as exc:
        print(f"  error: {str(exc)[-300:]}", flush=True)
        return False
    return True if result is None else result


def main() -> int:
    with running_emulator() as emulator:
        config = {"evalctl:endpoint": emulator.endpoint, "aws:region": "us-east-1",
                  "evalctl:retryMode": RETRY_MODE}  # fmt: skip
        env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        print(f"{COUNT} evaluators through the real provider server, {PARALLEL} steps at a time, "
              f"botocore retry mode {RETRY_MODE}", flush=True)  # fmt: skip
        with ProviderServer(config=config, env=env, cwd=ROOT) as server:
            run_steps(server, emulator.admin, provider_input(EvaluatorProvider()))
            correct = verify(emulator.client("bedrock-agentcore-control"))
    print(f"  every resource correct after the throttled run: {'yes' if correct else 'NO'}")
    return 0 if correct else 1


def verify(control: Any) -> bool:
    """Exactly COUNT evaluators, each with the description of the last run and nothing left over."""
    listed = awsops.items(control, "list_evaluators", "evaluators")
    found = [e for e in listed if not e["evaluatorId"].startswith("Builtin.")]
    if len(found) != COUNT:
        print(f"  expected {COUNT} evaluators, found {len(found)}")
        return False
    details = [control.get_evaluator(evaluatorId=e["evaluatorId"]) for e in found]
    wrong = [d["evaluatorName"] for d in details if d.get("description") != "second"]  # the revert
    if wrong:
        print(f"  {len(wrong)} evaluator(s) not updated: {', '.join(wrong[:5])}")
    return not wrong


if __name__ == "__main__":
    sys.exit(main())
