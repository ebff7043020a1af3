"""Lifecycle scenarios as data: a desired stack (`Desired`), spec edits on it, and the invariants.

The edits are plain functions Desired -> Desired, so the same sequences can be replayed through the
real Pulumi CLI (Automation API) by rendering `Desired` as YAML specs; here they drive the provider
server through `tests.providers.engine.Engine`. Used by the model-based test and bench/lifecycle.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from evalctl import awsops
from tests.providers.engine import Declared, Engine
from tests.providers.specs import custom_evaluators, evaluator_props, evaluator_urn, online_props, online_urn

EVALUATORS = ("a", "b")
ONLINE_URN = online_urn("live")
CONTROL = "bedrock-agentcore-control"


@dataclass(frozen=True)
class EvaluatorSpec:
    """The members of one evaluator a scenario edits."""

    name: str
    description: str | None = "tone of voice"
    level: str = "TRACE"
    instructions: str = "Rate the tone of {assistant_turn} given {context}."
    tags: tuple[tuple[str, str], ...] = ()
    rename: str = ""  # a suffix of the physical name: a rename replaces


@dataclass(frozen=True)
class Desired:
    """What the specs declare: two evaluators and, optionally, an online evaluation using both."""

    evaluators: tuple[EvaluatorSpec, ...] = field(
        default_factory=lambda: tuple(EvaluatorSpec(n) for n in EVALUATORS)
    )
    online: bool = True
    enabled: bool = True
    sampling: int = 10
    online_description: str | None = None

    def evaluator(self, key: str) -> EvaluatorSpec:
        return next(e for e in self.evaluators if e.name == key)

    def with_evaluator(self, key: str, **changes: Any) -> Desired:
        return replace(
            self, evaluators=tuple(replace(e, **changes) if e.name == key else e for e in self.evaluators)
        )


Edit = Callable[[Desired], Desired]


def evaluator_inputs(spec: EvaluatorSpec, used_online: bool) -> dict[str, Any]:
    """The evaluator's provider inputs, as components/stack.py would register them."""
    props = evaluator_props(
        spec.name,
        description=spec.description,
        level=spec.level,
        evaluatorName=f"{spec.name}{spec.rename}_test",
    )
    judge = copy.deepcopy(props["evaluatorConfig"])
    judge["llmAsAJudge"]["instructions"] = spec.instructions
    props["evaluatorConfig"] = judge
    if spec.tags:
        props["tags"] = dict(spec.tags)
    if used_online:
        props["usedOnline"] = True
    return props


def program(desired: Desired) -> list[Declared]:
    """The resources `pulumi up` registers for `desired`, in registration order."""
    decls = [
        Declared(evaluator_urn(e.name), lambda _, e=e: evaluator_inputs(e, desired.online))
        for e in desired.evaluators
    ]
    if desired.online:

        def online(outs: Any) -> dict[str, Any]:
            ids = [outs[evaluator_urn(e.name)]["evaluatorId"] for e in desired.evaluators]
            extra = {"description": desired.online_description} if desired.online_description else {}
            rule = {"samplingConfig": {"samplingPercentage": desired.sampling}}
            return online_props("live", ids, enableOnCreate=desired.enabled, rule=rule, **extra)

        decls.append(Declared(ONLINE_URN, online))
    return decls


def violations(engine: Engine, emulator: Any, desired: Desired) -> list[str]:
    """Everything in which live AWS differs from `desired` or from the engine's state."""
    control = emulator.client(CONTROL)
    found: list[str] = []
    live = {e["evaluatorId"]: e for e in custom_evaluators(control) if e["status"] != "DELETING"}
    expected = {
        engine.state[evaluator_urn(e.name)].id: e
        for e in desired.evaluators
        if evaluator_urn(e.name) in engine.state
    }
    if set(live) != set(expected) or len(expected) != len(desired.evaluators):
        found.append(f"evaluators live {sorted(live)} != one per declared {sorted(expected)}")
    for ident, spec in expected.items():
        if ident in live:
            found += _evaluator_drift(control, ident, spec)
    configs = [
        c
        for c in control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
        if c["status"] != "DELETING"
    ]
    if not desired.online:
        return found + ([f"online configs left: {configs}"] if configs else [])
    state = engine.state.get(ONLINE_URN)
    if state is None or [c["onlineEvaluationConfigId"] for c in configs] != [state.id]:
        return [*found, f"online configs live {configs} != the one in state"]
    detail = control.get_online_evaluation_config(onlineEvaluationConfigId=state.id)
    wanted_ids = [engine.state[evaluator_urn(e.name)].id for e in desired.evaluators]
    got = {
        "evaluators": [r["evaluatorId"] for r in detail["evaluators"]],
        "executionStatus": detail["executionStatus"],
        "sampling": int(detail["rule"]["samplingConfig"]["samplingPercentage"]),
        "description": detail.get("description"),
    }
    want = {
        "evaluators": wanted_ids,
        "executionStatus": "ENABLED" if desired.enabled else "DISABLED",
        "sampling": desired.sampling,
        "description": desired.online_description,
    }
    return found + [f"online {k}: live {got[k]!r} != spec {want[k]!r}" for k in want if got[k] != want[k]]


def _evaluator_drift(control: Any, ident: str, spec: EvaluatorSpec) -> list[str]:
    detail = control.get_evaluator(evaluatorId=ident)
    owner = awsops.owner_tags(evaluator_props(spec.name)["ownerUrn"])
    got = {
        "description": detail.get("description"),
        "level": detail["level"],
        "instructions": detail["evaluatorConfig"]["llmAsAJudge"]["instructions"],
        "tags": control.list_tags_for_resource(resourceArn=detail["evaluatorArn"])["tags"],
    }
    got["name"] = detail["evaluatorName"].removesuffix("_bg")  # the alternate name is the same one
    want = {"description": spec.description, "level": spec.level, "instructions": spec.instructions,
            "tags": {**dict(spec.tags), **owner}, "name": f"{spec.name}{spec.rename}_test"[:45]}  # fmt: skip
    return [
        f"evaluator {spec.name} {k}: live {got[k]!r} != spec {want[k]!r}" for k in want if got[k] != want[k]
    ]


def refresh_is_clean(engine: Engine, desired: Desired) -> list[str]:
    """After `pulumi refresh`, the next preview shows nothing to do (state equals live equals spec)."""
    engine.refresh()
    shown = engine.preview(program(desired))
    return [f"after refresh, preview shows {op} for {urn}" for urn, op in shown.items() if op != "same"]


RESTORE = re.compile(r"tag-resource --resource-arn (\S+) --tags ([\w:]+)=(\w+)")


def follow_restore_hint(control: Any, message: str) -> bool:
    """Do what a refused create says for this stack's own copy that lost its owner tag: run the
    `tag-resource` command it gives (as the user would, having checked the copy is theirs). Whether
    the message gave one."""
    found = RESTORE.search(message)
    if found is None:
        return False
    arn, key, value = found.groups()
    control.tag_resource(resourceArn=arn, tags={key: value})
    return True
