"""Gate: a component whose dynamic resource judges batch results; a failed gate fails `pulumi up`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from components._errors import MessageOnlyProvider, UserError
from components._names import token
from components._props import child_options
from evalctl.reports.gates import FINISHED_STATUSES, GateSpecError, evaluate_gates, gate_kind

TYPE_TOKEN = token("gate", "Gate")
# The dynamic resource's type (`pulumi-python:dynamic/gate:Gate`): part of its URN, so it stays as is.
TYPE_NAME = "Gate"
MODULE = "gate"
# Releases before the component registered the dynamic resource directly under the stack: this alias
# makes the engine take that state as the child's (same name and type, old parent: the root stack).
FORMER_PARENT = pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)
# What a verdict depends on; any change re-judges in place (no API call, nothing to replace).
JUDGED = ("gates", "batch_evaluation_id", "results", "aliases", "status")


class GateFailed(UserError):
    """At least one gate failed; the message lists every failed gate, one per line."""


def judge(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Verdicts for the gates as JSON-able dicts; raise GateFailed listing every failed gate."""
    job_id = str(props.get("batch_evaluation_id") or "")
    status = props.get("status")
    if status is not None and status not in FINISHED_STATUSES:
        raise GateFailed(
            f"batch evaluation {job_id} ended {status}, so no gate can pass; see its errorDetails "
            "(`evalctl results`), fix the data source or evaluators, then change runKey to run it again"
        )
    verdicts = evaluate_gates(
        list(props.get("gates") or []),
        props.get("results") or {},
        aliases=dict(props.get("aliases") or {}),
        batch_evaluation_id=job_id or None,
    )
    failed = [v.message for v in verdicts if not v.passed]
    if failed:
        where = f" ({props['source']})" if props.get("source") else ""
        head = f"{len(failed)} of {len(verdicts)} score gate(s) failed{where}:"
        tail = "The job and its results stay in state; fix the agent or the gate, then run `pulumi up` again."
        raise GateFailed("\n".join([head, *(f"  {m}" for m in failed), tail]))
    return [v.to_dict() for v in verdicts]


def gate_problems(gates: Any) -> list[tuple[str, str]]:
    """(property, reason) for gate entries that are not one of the documented shapes."""
    if not isinstance(gates, list):
        return [("gates", "gates must be a list")]
    problems = []
    for index, gate in enumerate(gates):
        try:
            gate_kind(gate if isinstance(gate, dict) else {})
        except GateSpecError as exc:
            problems.append((f"gates[{index}]", str(exc)))
    return problems


class GateProvider(MessageOnlyProvider):
    """Judges on create and update; read and delete touch nothing (the verdict lives only in state)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [CheckFailure(p, r) for p, r in gate_problems(news.get("gates"))])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in (*JUDGED, "source") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        verdicts = judge(props)
        digest = hashlib.sha256(json.dumps(props.get("gates"), sort_keys=True).encode()).hexdigest()[:12]
        return CreateResult(f"{props.get('batch_evaluation_id', 'gate')}-{digest}", _outs(props, verdicts))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {k: v for k, v in props.items() if k != "__provider"})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_outs(news, judge(news)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


def _outs(props: dict[str, Any], verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    kept = {k: props[k] for k in (*JUDGED, "source") if k in props}
    return {**kept, "verdicts": verdicts, "passed": all(v["passed"] for v in verdicts)}


@dataclass
class GateArgs:
    """Gates of one batch evaluation, its job id and results; aliases map evaluator names to ids."""

    gates: list[dict[str, Any]]
    batch_evaluation_id: pulumi.Input[str]
    results: pulumi.Input[dict[str, Any]]
    aliases: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    source: str = ""
    status: pulumi.Input[str] | None = None


class GateResource(Resource, module=MODULE, name=TYPE_NAME):
    """The dynamic resource: the gates and what they judge, plus `verdicts` and `passed`."""

    verdicts: pulumi.Output[list[dict[str, Any]]]
    passed: pulumi.Output[bool]

    def __init__(self, name: str, args: GateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "gates": args.gates,
            "batch_evaluation_id": args.batch_evaluation_id,
            "results": args.results,
            "aliases": args.aliases,
            "source": args.source,
            "status": args.status,
            "verdicts": None,
            "passed": None,
        }
        super().__init__(GateProvider(), name, props, opts)


class Gate(pulumi.ComponentResource):
    """Score gates on a batch evaluation; outputs `verdicts` (one JSON-able dict per gate) and `passed`."""

    verdicts: pulumi.Output[list[dict[str, Any]]]
    passed: pulumi.Output[bool]

    def __init__(self, name: str, args: GateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # No release registered this component under another token, so it needs no `aliased`.
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = child_options(self, opts, aliases=[FORMER_PARENT])
        self.resource = GateResource(name, args, child)
        self.verdicts = self.resource.verdicts
        self.passed = self.resource.passed
        self.register_outputs({"verdicts": self.verdicts, "passed": self.passed})
