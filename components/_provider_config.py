"""The base of our dynamic providers: stack config from Configure, AWS clients, timings, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import ConfigureRequest

from components import _identity
from components._errors import MessageOnlyProvider
from components._props import CONFIG_KEYS, NAMESPACE, SOURCE
from evalctl import aws, awsops, naming


def _stack_config() -> dict[str, Any]:
    """The stack config the engine hands the provider process (PULUMI_CONFIG), parsed."""
    parsed = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    return dict(parsed) if isinstance(parsed, dict) else {}


def _first(get: Callable[[str], Any], key: str, fallback: str) -> Any:
    value = get(key)
    return get(fallback) if value is None else value


def engine_pid() -> int:
    """The process that started this provider server's process group: the engine (`pulumi`).

    The engine starts each plugin in a group of its own (cmdutil.RegisterProcessGroup, Pulumi 3.274),
    possibly through a shell script that does not `exec`: so it is the parent of the group's leader.
    """
    leader = os.getpgrp()
    if leader == os.getpid():
        return os.getppid()
    try:
        return int(Path(f"/proc/{leader}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return os.getppid()


# Read when the server loads our providers. A `kill -9` of `pulumi up` leaves this process running the
# Create in flight; the engine never records it, so that Create must not confirm it (see confirm_created).
_ENGINE_PID = engine_pid()


@dataclass(frozen=True)
class Api:
    """How one resource kind is called: boto3 method noun, key names, operations."""

    kind: str
    noun: str
    id_key: str
    arn_key: str
    name_key: str
    list_key: str
    create_op: str
    update_op: str

    @property
    def list_op(self) -> str:
        """The boto3 name of the List operation, for its paginator."""
        return f"list_{self.noun}s"

    def call(self, control: Any, verb: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = getattr(control, f"{verb}_{self.noun}")(**params)
        return result

    def get(self, control: Any, ident: str) -> dict[str, Any]:
        return self.call(control, "get", **{self.id_key: ident})


class ConfiguredProvider(MessageOnlyProvider):
    """Stack config from Configure, a client per call, timings and errors naming the spec file."""

    api: Api
    # Plain strings only: the provider is pickled into state, clients never are.
    _config: dict[str, str] | None = None
    _aws: dict[str, str] | None = None  # the stack's aws:* identity settings (components._identity)
    _aws_error: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        # A key an earlier release spelled `agentcore-evaluations:*` still counts (the program warns).
        found = {
            k: _first(req.config.get, f"{NAMESPACE}:{k}", naming.legacy_config_key(k)) for k in CONFIG_KEYS
        }
        found["awsRegion"] = req.config.get("aws:region")
        self._config = {k: str(v) for k, v in found.items() if v is not None}
        try:
            self._aws = _identity.aws_config(req.config.get)
        except _identity.IdentityError as exc:
            self._aws_error = str(exc)  # raised by the first call, where the engine shows it

    def identity(self) -> dict[str, str]:
        if self._aws_error:
            raise _identity.IdentityError(self._aws_error)
        if self._aws is None:  # not configured (tests calling the provider directly): the env's config
            self._aws = _identity.aws_config(_stack_config().get)
        return self._aws

    def _setting(self, key: str) -> str | None:
        if self._config and key in self._config:
            return self._config[key]
        if key == "awsRegion":
            return pulumi.Config("aws").get("region")
        value = pulumi.Config(NAMESPACE).get(key)
        return value if value is not None else pulumi.Config(naming.LEGACY_PROJECT).get(key)

    def client_settings(self) -> aws.ClientSettings:
        attempts = self._setting("maxAttempts")
        base = self._setting("retryBaseSeconds")
        return aws.ClientSettings(
            backoff_base=float(base) if base else None,
            endpoint=self._setting("endpoint"),
            region=self._setting("region") or self._setting("awsRegion"),
            profile=self._setting("profile") or self.identity().get("profile"),
            retry_mode=self._setting("retryMode") or "standard",
            max_attempts=int(float(attempts)) if attempts else 8,
        )

    def timing(self) -> awsops.Timing:
        timeout, poll = self._setting("waitTimeoutSeconds"), self._setting("pollSeconds")
        default = awsops.Timing()
        return awsops.Timing(
            timeout=float(timeout) if timeout else default.timeout,
            first_delay=float(poll) if poll else default.first_delay,
        )

    def control(self) -> Any:
        return _identity.client(aws.CONTROL, self.client_settings(), self.identity())

    def confirm_created(self, control: Any, arn: str) -> None:
        """Untag the pending create, unless the engine that asked for it is gone (killed mid-up)."""
        if engine_pid() != _ENGINE_PID:
            # Left pending, the resource is adopted by the next `pulumi up` instead of duplicated.
            raise aws.AwsError(
                f"the engine stopped while {arn} was being created; it stays tagged {aws.PENDING_TAG} so "
                "that the next `pulumi up` adopts it",
                "EngineGone",
            )
        awsops.confirm_created(control, arn)

    def failure(self, exc: BaseException, props: Mapping[str, Any]) -> aws.AwsError:
        """Any exception as an AwsError naming the spec file and resource."""
        if isinstance(exc, aws.AwsError):
            return exc
        resource = f"{self.api.kind} {props.get(self.api.name_key, '?')}"
        return aws.AwsError(
            aws.describe_error(exc, resource, str(props.get(SOURCE, "?"))), aws.error_code(exc)
        )
