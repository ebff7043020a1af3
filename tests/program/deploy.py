"""Tier 3: the engine's `up` / `destroy` over mocks (pulumi-aws) and the real provider server (dynamic).

Each `up()` runs the whole program under mocks; every dynamic resource it registers goes through the
provider server exactly as the engine drives it (check, then create, or diff then update, replace or
nothing), with the state kept here between runs. Resources the program no longer registers are
deleted afterwards, newest first, as the engine does. A provider error stops the run and leaves the
state as it was for every resource not yet stepped, as a failed `pulumi up` does.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.program.mockrun import ProgramRun, run_program
from tests.providers.harness import PROJECT, ProviderError, ProviderServer, ResourceState

Key = tuple[str, str]
# Emulator lifecycles in tenths of a second instead of the service's minutes (admin.configure).
FAST = {"batch_pending_seconds": 0.05, "batch_session_seconds": 0.05, "stop_seconds": 0.1,
        "delete_seconds": 0.05, "resource_seconds": 0.05}  # fmt: skip
# A dynamic resource's component has the same module and name: dynamic/<m>:<N> -> evalctl:<m>:<N>.
DYNAMIC = "pulumi-python:dynamic/"


def provider_config(emulator: Any) -> dict[str, str]:
    """Stack config the provider server gets: the emulator's endpoint, and polls as fast as its lifecycles."""
    return {"evalctl:endpoint": emulator.endpoint, "aws:region": "us-east-1",
            "evalctl:pollSeconds": "0.05"}  # fmt: skip


class UpFailed(Exception):
    """`pulumi up` ended with failed steps; the message holds what each provider raised."""


@dataclass
class Deployment:
    """The state of one stack across program runs."""

    server: ProviderServer
    program_dir: Path
    config: dict[str, str]
    stack: str
    aws: Any = None
    state: dict[Key, ResourceState] = field(default_factory=dict)
    seen: set[Key] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: list[ProviderError] = field(default_factory=list)
    replaced: list[ResourceState] = field(default_factory=list)

    def urn(self, typ: str, name: str) -> str:
        parent = typ.replace(DYNAMIC, "evalctl:") if typ.startswith(DYNAMIC) and "gate" not in typ else ""
        qualified = f"{parent}${typ}" if parent else typ
        return f"urn:pulumi:{self.stack}::{PROJECT}::{qualified}::{name}"

    def step(self, args: Any) -> tuple[str, dict[str, Any]]:
        """The `dynamic=` hook of mockrun: one resource through the provider server. A failed step is
        recorded, not saved, and the run goes on with the inputs as stand-in outputs; `up` raises."""
        key = (args.typ, args.name)
        with self.lock:
            previous = self.state.get(key)
            self.seen.add(key)
        try:
            current = self.server.up(self.urn(*key), dict(args.inputs), previous, deferred=self.replaced)
        except ProviderError as exc:
            with self.lock:
                self.failures.append(exc)
            return f"{args.name}-failed", {k: v for k, v in args.inputs.items() if k != "__provider"}
        with self.lock:
            self.state[key] = current
        return current.id, {k: v for k, v in current.outputs.items() if k != "__provider"}

    def up(self) -> ProgramRun:
        """`pulumi up`: run the program, then delete the old copies of replaced resources and what it
        no longer declares, newest first (not after a failure)."""
        self.seen, self.failures, self.replaced = set(), [], []
        run = run_program(self.program_dir, self.config, stack=self.stack, dynamic=self.step, aws=self.aws)
        if self.failures:
            raise UpFailed("\n".join(f.details for f in self.failures))
        # One delete phase, dependants first: replaced copies and undeclared resources in reverse
        # registration order (the engine's GenerateDeletes).
        doomed = {old.urn: old for old in self.replaced}
        for key in reversed(list(self.state)):
            old = doomed.get(self.urn(*key))
            if old is not None:
                self.server.destroy(old)
            if key not in self.seen:
                self.server.destroy(self.state.pop(key))
        return run

    def destroy(self) -> None:
        """`pulumi destroy`: everything, newest first (dependents before what they depend on)."""
        for key in reversed(list(self.state)):
            self.server.destroy(self.state.pop(key))

    def of_type(self, typ: str) -> dict[str, ResourceState]:
        return {name: s for (t, name), s in self.state.items() if t == typ}


@dataclass
class LambdaInMoto:
    """The part of pulumi-aws the emulator needs for real: roles and Lambda code, so it can run
    code-based evaluators. Every other pulumi-aws resource stays a mock. Like pulumi-aws, it calls
    nothing for a resource whose inputs did not change."""

    emulator: Any
    made: dict[str, str] = field(default_factory=dict)

    def __call__(self, args: Any) -> None:
        inputs = args.inputs
        if args.typ == "aws:iam/role:Role" and inputs["name"] not in self.made:
            iam = self.emulator.client("iam")
            with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
                iam.create_role(RoleName=inputs["name"], AssumeRolePolicyDocument=inputs["assumeRolePolicy"])
            self.made[inputs["name"]] = "role"
        elif (
            args.typ == "aws:lambda/function:Function"
            and self.made.get(inputs["name"]) != inputs["sourceCodeHash"]
        ):
            self._function(inputs, inputs["name"] in self.made)
            self.made[inputs["name"]] = inputs["sourceCodeHash"]

    def _function(self, inputs: dict[str, Any], exists: bool) -> None:
        client = self.emulator.client("lambda")
        code = Path(inputs["code"].path).read_bytes()
        if exists:
            client.update_function_code(FunctionName=inputs["name"], ZipFile=code)
            return
        client.create_function(
            FunctionName=inputs["name"], Runtime=inputs["runtime"], Role=inputs["role"],
            Handler=inputs["handler"], Code={"ZipFile": code}, Timeout=int(inputs["timeout"]),
            MemorySize=int(inputs["memorySize"]),
        )  # fmt: skip
