"""Tier-2 harness: serve dynamic providers with the real `python -m pulumi.dynamic`, drive it like the engine.

What the engine does and this harness reproduces (see shared/TESTING.md, tier 2):
- it launches `python -u -m pulumi.dynamic <engine-addr>` with the program directory (the repo root) as
  working directory and `PULUMI_PROJECT` / `PULUMI_CONFIG` set, and reads the port from the first
  stdout line;
- it calls Configure once, then Check, Diff, Create, Read, Update and Delete with protobuf Structs
  built by the SDK's own `rpc.serialize_properties` (so ints travel as doubles and top-level Nones
  are dropped, as in a real run);
- the `__provider` input is what `pulumi.dynamic.Resource` registers: the SDK's own
  `serialize_provider(provider)`, wrapped as a secret. The server answers Configure with
  `acceptSecrets=False`, so, like the engine, the harness unwraps secrets before sending them.

Usage (start ONE server per test module: it takes a second or two to start):

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        with ProviderServer(env={"AWS_ENDPOINT_URL": endpoint}) as srv:
            yield srv

    props = {**inputs, "__provider": provider_input(MyProvider())}
    state = server.up(urn("evaluator-a", "dynamic/evaluator:Evaluator"), props)   # check + create
    state = server.up(state.urn, new_props, state)                                 # check + diff + update
    server.destroy(state)

Errors raised by a provider come back as `ProviderError` whose `.details` holds the traceback text
(the engine shows the same); assert on the message a user would read.
"""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "evalctl"
STACK = "test"
UNKNOWN = rpc.UNKNOWN  # what the engine sends for a value not known during a preview
START_TIMEOUT = 60.0  # generous: a cold start imports grpc, pulumi and boto3 on a busy 2-core box


class ProviderError(Exception):
    """A gRPC call failed; `.code` is the gRPC status, `.details` what the provider raised."""

    def __init__(self, method: str, code: Any, details: str) -> None:
        super().__init__(f"{method} failed ({code}): {details}")
        self.method = method
        self.code = code
        self.details = details


def provider_input(provider: Any) -> dict[str, Any]:
    """The `__provider` property exactly as `pulumi.dynamic.Resource` registers it: serialized, secret."""
    return rpc.wrap_rpc_secret(serialize_provider(provider))


def urn(name: str, dynamic_type: str, parent_type: str | None = None, stack: str = STACK) -> str:
    """A URN like the engine's, e.g. `urn("evaluator-a", "dynamic/evaluator:Evaluator")`."""
    qualified = f"pulumi-python:{dynamic_type}"
    if parent_type:
        qualified = f"{parent_type}${qualified}"
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified}::{name}"


def _unwrap_secrets(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return _unwrap_secrets(value["value"])
    if isinstance(value, dict):
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


def _struct(props: dict[str, Any], keep_secrets: bool) -> Any:
    loop = asyncio.new_event_loop()
    try:
        value = props if keep_secrets else _unwrap_secrets(props)
        return loop.run_until_complete(rpc.serialize_properties(value, {}))
    finally:
        loop.close()


def _plain(struct: Any, keep_unknowns: bool = False) -> dict[str, Any]:
    """Properties as the engine shows them with --show-secrets: secrets unwrapped (see `secret_paths`)."""
    return dict(_unwrap_secrets(rpc.deserialize_properties(struct, keep_unknowns)))


def secret_paths(struct: Any) -> set[str]:
    """Dotted paths of the values a provider returned as Pulumi secrets (what state keeps encrypted).

    Read from the protobuf Struct itself: the Python SDK's deserializer lifts a nested secret to
    its whole top-level value, while the engine keeps it where it is.
    """
    found: set[str] = set()

    def walk(value: Any, path: str) -> None:
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            fields = value.struct_value.fields
            if (
                rpc._special_sig_key in fields
                and fields[rpc._special_sig_key].string_value == rpc._special_secret_sig
            ):
                found.add(path)
                return
            for key, item in fields.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif kind == "list_value":
            for index, item in enumerate(value.list_value.values):
                walk(item, f"{path}[{index}]")

    for key, item in struct.fields.items():
        walk(item, str(key))
    return found


@dataclass
class CheckOutcome:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]]


@dataclass
class DiffOutcome:
    changes: str  # "none", "some" or "unknown", as DiffResponse says
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class ResourceState:
    """What the engine keeps in state for one resource."""

    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secrets: set[str] = field(default_factory=set)  # paths the provider returned as secrets


_CHANGES = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}


class ProviderServer:
    """One dynamic-provider server process and a gRPC stub on it."""

    def __init__(
        self,
        config: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        project: str = PROJECT,
        launcher: tuple[str, ...] = (),
    ) -> None:
        self.launcher = launcher  # a command the server runs under (tests.providers.engine_stand_in)
        self.config = dict(config or {})
        self.env = dict(env or {})
        self.cwd = cwd
        self.project = project
        self.accept_secrets = False
        self.calls: list[str] = []
        self.last_secrets: set[str] = set()  # secret paths of the last Create/Update/Read answer
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self._channel: grpc.Channel | None = None
        self.stub: Any = None

    # ---- process ---------------------------------------------------------------------------------

    def start(self) -> ProviderServer:
        env = {**os.environ, "PULUMI_PROJECT": self.project, "PULUMI_CONFIG": json.dumps(self.config)}
        env.update(self.env)
        command = [*self.launcher, sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"]
        self._process = subprocess.Popen(
            command, cwd=self.cwd, env=env, stdout=subprocess.PIPE, stderr=self._stderr
        )
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self.configure(self.config)
        return self

    @property
    def pid(self) -> int:
        """The started process: the server, or its launcher."""
        assert self._process is not None
        return self._process.pid

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=START_TIMEOUT):
                self.stop()
                raise RuntimeError(f"provider server printed no port; stderr:\n{self.stderr()}")
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"provider server said {line!r} instead of a port; stderr:\n{self.stderr()}")
        return int(line)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the ResourceProvider methods --------------------------------------------------------------

    def _call(self, method: str, request: Any) -> Any:
        self.calls.append(method)
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            raise ProviderError(method, exc.code(), exc.details() or "") from None

    def configure(self, config: dict[str, str]) -> bool:
        args = _struct(dict(config), keep_secrets=True)
        response = self._call("Configure", provider_pb2.ConfigureRequest(args=args, variables=config))
        self.accept_secrets = bool(response.acceptSecrets)
        return self.accept_secrets

    def _s(self, props: dict[str, Any]) -> Any:
        return _struct(props, self.accept_secrets)

    def check(self, urn_: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        request = provider_pb2.CheckRequest(urn=urn_, olds=self._s(olds), news=self._s(news))
        response = self._call("Check", request)
        failures = [(f.property, f.reason) for f in response.failures]
        return CheckOutcome(_plain(response.inputs, keep_unknowns=True), failures)

    def diff(self, urn_: str, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffOutcome:
        request = provider_pb2.DiffRequest(id=id_, urn=urn_, olds=self._s(olds), news=self._s(news))
        response = self._call("Diff", request)
        return DiffOutcome(
            _CHANGES[response.changes],
            list(response.replaces),
            list(response.stables),
            response.deleteBeforeReplace,
        )

    def create(self, urn_: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=urn_, properties=self._s(props)))
        self.last_secrets = secret_paths(response.properties)
        return response.id, _plain(response.properties)

    def read(self, urn_: str, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None) -> Any:
        request = provider_pb2.ReadRequest(
            id=id_, urn=urn_, properties=self._s(props), inputs=self._s(inputs or {})
        )
        response = self._call("Read", request)
        self.last_secrets = secret_paths(response.properties)
        new_inputs = _plain(response.inputs) if response.HasField("inputs") else None
        return response.id, _plain(response.properties), new_inputs

    def update(self, urn_: str, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(id=id_, urn=urn_, olds=self._s(olds), news=self._s(news))
        response = self._call("Update", request)
        self.last_secrets = secret_paths(response.properties)
        return _plain(response.properties)

    def delete(self, urn_: str, id_: str, props: dict[str, Any]) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=urn_, properties=self._s(props)))

    # ---- the engine's step logic, for whole-resource tests ------------------------------------------

    def up(
        self,
        urn_: str,
        props: dict[str, Any],
        state: ResourceState | None = None,
        replace: bool = False,
        deferred: list[ResourceState] | None = None,
    ) -> ResourceState:
        """One resource through `pulumi up`: check, then create, or diff then update/replace/nothing.

        `replace=True` is `pulumi up --replace <urn>`: the engine skips the provider's Diff and
        replaces, blaming `id`, create-before-delete unless the deleteBeforeReplace option is set
        (pkg/resource/deploy/step_generator.go, `diff`); our resources never set that option.
        Every replacement's inputs come from a Check without old inputs, as the engine's are.
        With `deferred`, the old copy of a create-before-delete replacement is appended there instead
        of deleted: the engine deletes replaced resources after every create and update of the run.
        """
        # A targeted replace is checked without old inputs (step_generator.go: isTargetedReplace).
        checked = self.check(urn_, state.inputs if state and not replace else {}, props)
        if checked.failures:
            raise ProviderError("Check", "failures", "; ".join(f"{p}: {r}" for p, r in checked.failures))
        if state is None:
            id_, outs = self.create(urn_, checked.inputs)
            return ResourceState(urn_, id_, checked.inputs, outs, self.last_secrets)
        if replace:
            plan = DiffOutcome("some", ["id"])
        else:
            plan = self.diff(urn_, state.id, state.outputs, checked.inputs)
        if plan.changes != "some":
            return state
        if plan.replaces:
            if not replace:  # the engine checks every replacement again, without old inputs
                checked = self.check(urn_, {}, props)
            if plan.delete_before_replace:
                self.delete(urn_, state.id, state.outputs)
            id_, outs = self.create(urn_, checked.inputs)
            secrets = self.last_secrets
            if not plan.delete_before_replace and deferred is not None:
                deferred.append(state)
            elif not plan.delete_before_replace:
                self.delete(urn_, state.id, state.outputs)
            return ResourceState(urn_, id_, checked.inputs, outs, secrets)
        outs = self.update(urn_, state.id, state.outputs, checked.inputs)
        return ResourceState(urn_, state.id, checked.inputs, outs, self.last_secrets)

    def refresh(self, state: ResourceState) -> ResourceState | None:
        """`pulumi refresh` of one resource: None when the provider says it is gone."""
        id_, outs, inputs = self.read(state.urn, state.id, state.outputs, state.inputs)
        if not id_:
            return None
        kept = inputs if inputs is not None else state.inputs
        return ResourceState(state.urn, id_, kept, outs, self.last_secrets)

    def destroy(self, state: ResourceState) -> None:
        self.delete(state.urn, state.id, state.outputs)


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.05) -> bool:
    """Poll a condition (e.g. emulator lifecycles settling); returns whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
