"""Run the whole Pulumi program under mocks and record what it registers (tier 1 of TESTING.md)."""

from __future__ import annotations

import contextlib
import runpy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

PROJECT = "evalctl"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class Registered:
    """One RegisterResource call as the engine would see it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    delete_before_replace: bool
    provider: str
    alias_types: list[str] = field(default_factory=list)  # the `type` of each alias spec
    alias_no_parent: list[bool] = field(default_factory=list)  # each alias spec's `noParent`


@dataclass
class ProgramRun:
    """Everything one program run registered, in registration order, plus the stack outputs."""

    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == token]

    def named(self, name: str, token: str | None = None) -> Registered:
        found = [r for r in self.resources if r.name == name and (token is None or r.type == token)]
        assert len(found) == 1, f"{len(found)} resources named {name!r} ({token})"
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)


NewResource = Callable[[mocks.MockResourceArgs], tuple[str | None, dict[str, Any]]]
# Sees each pulumi-aws registration (tier 3 makes the few the emulator needs, e.g. Lambda code, in moto).
AwsHook = Callable[[mocks.MockResourceArgs], None]


def aws_outputs(args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
    """Plausible pulumi-aws outputs: the physical name as id, and the ARN AWS would give."""
    inputs = dict(args.inputs)
    name = inputs.get("name") or args.name
    arn = {
        "aws:iam/role:Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "aws:cloudwatch/logGroup:LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}",
        "aws:lambda/function:Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
    }.get(args.typ)
    if arn is not None:
        inputs["arn"] = arn
    return str(name), inputs


class ProgramMocks(mocks.Mocks):
    """pulumi-aws from fixed plausible values; dynamic resources from `dynamic` (default: echo inputs)."""

    def __init__(self, dynamic: NewResource | None = None, aws: AwsHook | None = None) -> None:
        self.dynamic = dynamic
        self.aws = aws

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi-python:dynamic"):
            if self.dynamic is not None:
                return self.dynamic(args)
            outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
            return f"{args.name}-id", outs
        if self.aws is not None:
            self.aws(args)
        return aws_outputs(args)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{ACCOUNT}:user/test"
            return {"accountId": ACCOUNT, "arn": arn, "userId": "AIDTEST", "id": ACCOUNT}, None
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION}, None
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, None
        return {}, None


class RecordingMonitor(mocks.MockMonitor):
    """A MockMonitor that keeps every registration with its parent and dependencies."""

    def __init__(self, program_mocks: mocks.Mocks, run: ProgramRun) -> None:
        super().__init__(program_mocks)
        self.run = run
        self.stack_urn = ""

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = response.urn
            return response
        state = self.resources.get(response.urn)
        self.run.resources.append(
            Registered(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=rpc.deserialize_properties(request.object),
                outputs=dict(state.state) if state else {},
                id=state.id if state else "",
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                delete_before_replace=bool(request.deleteBeforeReplace),
                provider=request.provider,
                alias_types=[a.spec.type for a in request.aliases if a.HasField("spec")],
                alias_no_parent=[a.spec.noParent for a in request.aliases if a.HasField("spec")],
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        # The stack's own registration never reaches RegisterResource's recorder, so match its type.
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.run.outputs.update(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)


@contextlib.contextmanager
def _clean_runtime(config: dict[str, str]) -> Iterator[None]:
    settings.reset_options()
    settings.set_root_resource(None)  # type: ignore[arg-type]
    runtime_config.set_all_config(config)
    try:
        yield
    finally:
        settings.set_root_resource(None)  # type: ignore[arg-type]
        runtime_config.set_all_config({})
        settings.reset_options()


def run_program(
    program_dir: Path,
    config: dict[str, str],
    *,
    stack: str = "test",
    dynamic: NewResource | None = None,
    preview: bool = False,
    aws: AwsHook | None = None,
) -> ProgramRun:
    """Run `program_dir/__main__.py` as the engine would, with mocks; raise what the program raises."""
    result = ProgramRun()
    with _clean_runtime(config):
        program_mocks = ProgramMocks(dynamic, aws)
        monitor = RecordingMonitor(program_mocks, result)
        mocks.set_mocks(program_mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
        # set_mocks created a root stack already; run_in_stack makes its own, as the engine's host does.
        settings.set_root_resource(None)  # type: ignore[arg-type]
        _sync_await(run_in_stack(lambda: runpy.run_path(str(program_dir), run_name="__main__")))
    return result


def config_key(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


__all__ = ["ProgramRun", "Registered", "config_key", "pulumi", "run_program"]
