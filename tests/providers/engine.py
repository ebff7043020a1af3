"""Whole deployments over the provider server, stepped the way Pulumi's engine steps them.

`ProviderServer.up` drives one resource; `Engine` drives a program of several, in registration
order, with the rules docs/engine.md lists (and cites): Check with the old inputs; `--replace`
targets skip Diff and replace create-before-delete; a replaced resource's old copy and every
resource no longer declared are deleted after all creates and updates, dependants first; preview
runs Check and Diff only, and outputs of resources that will be created, replaced or updated are
unknown to their dependants (the dynamic provider server does not support provider previews, so the
engine uses the new inputs as outputs, which never hold the computed ids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.providers.harness import UNKNOWN, DiffOutcome, ProviderError, ProviderServer, ResourceState

Outputs = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Declared:
    """One resource of a program: its URN and its inputs, built from earlier resources' outputs."""

    urn: str
    props: Callable[[Outputs], dict[str, Any]]


@dataclass
class Engine:
    """The stack's state plus up / preview / refresh / destroy over one provider server."""

    server: ProviderServer
    state: dict[str, ResourceState] = field(default_factory=dict)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (op, urn) of the last operation

    def _checked(self, urn: str, props: dict[str, Any]) -> dict[str, Any]:
        old = self.state.get(urn)
        checked = self.server.check(urn, old.inputs if old else {}, props)
        if checked.failures:
            problems = "; ".join(f"{p}: {r}" for p, r in checked.failures)
            raise ProviderError("Check", "failures", f"{urn}: {problems}")
        return checked.inputs

    def _plan(self, urn: str, inputs: dict[str, Any], replace: Iterable[str]) -> DiffOutcome:
        old = self.state[urn]
        if urn in set(replace):
            return DiffOutcome("some", ["id"])  # step_generator.go: a targeted replace blames `id`
        return self.server.diff(urn, old.id, old.outputs, inputs)

    def preview(self, program: list[Declared], replace: Iterable[str] = ()) -> dict[str, str]:
        """What `pulumi preview` shows per URN: create, update, replace, same or delete."""
        outputs: dict[str, Mapping[str, Any]] = {}
        shown: dict[str, str] = {}
        for decl in program:
            inputs = self._checked(decl.urn, decl.props(outputs))
            if decl.urn not in self.state:
                shown[decl.urn], outputs[decl.urn] = "create", _unknown_outputs(inputs)
                continue
            plan = self._plan(decl.urn, inputs, replace)
            op = "same" if plan.changes != "some" else "replace" if plan.replaces else "update"
            shown[decl.urn] = op
            outputs[decl.urn] = self.state[decl.urn].outputs if op == "same" else _unknown_outputs(inputs)
        shown.update({urn: "delete" for urn in self.state if urn not in shown})
        return shown

    def up(self, program: list[Declared], replace: Iterable[str] = ()) -> dict[str, str]:
        """`pulumi up`: returns the step shown per URN, as `preview` does."""
        outputs: dict[str, Mapping[str, Any]] = {}
        shown: dict[str, str] = {}
        replaced: list[ResourceState] = []
        order = list(self.state)
        self.steps = []
        for decl in program:
            inputs = self._checked(decl.urn, decl.props(outputs))
            old = self.state.get(decl.urn)
            op = "create"
            if old is not None:
                plan = self._plan(decl.urn, inputs, replace)
                op = "same" if plan.changes != "some" else "replace" if plan.replaces else "update"
                if op == "replace" and plan.delete_before_replace:
                    self._delete(old)
                elif op == "replace":
                    replaced.append(old)
            self._apply(op, decl.urn, inputs, old)
            shown[decl.urn], outputs[decl.urn] = op, self.state[decl.urn].outputs
        # One delete phase, dependants first: replaced copies and undeclared resources together, in
        # reverse order of the previous state (step_generator.go, GenerateDeletes).
        doomed = {old.urn: old for old in replaced}
        for urn in reversed(order):
            if urn in doomed:
                self._delete(doomed[urn])
            elif urn not in shown:
                self._delete(self.state.pop(urn))
                shown[urn] = "delete"
        return shown

    def _apply(self, op: str, urn: str, inputs: dict[str, Any], old: ResourceState | None) -> None:
        self.steps.append((op, urn))
        if op == "same" and old is not None:
            self.state[urn] = ResourceState(urn, old.id, inputs, old.outputs, old.secrets)
        elif op == "update" and old is not None:
            outs = self.server.update(urn, old.id, old.outputs, inputs)
            self.state[urn] = ResourceState(urn, old.id, inputs, outs, self.server.last_secrets)
        elif op in ("create", "replace"):
            id_, outs = self.server.create(urn, inputs)
            self.state[urn] = ResourceState(urn, id_, inputs, outs, self.server.last_secrets)

    def _delete(self, old: ResourceState) -> None:
        self.steps.append(("delete", old.urn))
        self.server.delete(old.urn, old.id, old.outputs)

    def refresh(self) -> dict[str, str]:
        """`pulumi refresh`: Read each resource; gone ones leave state. Returns URN -> same/update/delete."""
        shown: dict[str, str] = {}
        for urn, old in list(self.state.items()):
            new = self.server.refresh(old)
            if new is None:
                del self.state[urn]
                shown[urn] = "delete"
                continue
            shown[urn] = "same" if new.outputs == old.outputs else "update"
            self.state[urn] = new
        return shown

    def destroy(self) -> None:
        """`pulumi destroy`: delete everything, dependants (registered later) first."""
        for urn in reversed(list(self.state)):
            self._delete(self.state.pop(urn))


def _unknown_outputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Preview outputs: the new inputs; computed values (absent from inputs) read as unknown."""
    return _Unknowns(inputs)


class _Unknowns(dict[str, Any]):
    """A dict whose missing keys are the engine's unknown sentinel."""

    def __missing__(self, key: str) -> Any:
        return UNKNOWN

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]
