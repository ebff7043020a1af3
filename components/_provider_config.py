"""The base of our dynamic providers: stack config from Configure, AWS clients, timings, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import ConfigureRequest, ResourceProvider

from components import _identity
from components._props import CONFIG_KEYS, NAMESPACE, SOURCE
from evalctl import aws, awsops, naming


def _stack_config() -> dict[str, Any]:
    """The stack config the engine hands the provider process (PULUMI_CONFIG), parsed."""
    parsed = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    return dict(parsed) if isinstance(parsed, dict) else {}


def _first(get: Callable[[str], Any], key: str, fallback: str) -> Any:
    value = get(key)
    return get(fallback) if value is None else value


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


class ConfiguredProvider(ResourceProvider):
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

    def failure(self, exc: BaseException, props: Mapping[str, Any]) -> aws.AwsError:
        """Any exception as an AwsError naming the spec file and resource."""
        if isinstance(exc, aws.AwsError):
            return exc
        resource = f"{self.api.kind} {props.get(self.api.name_key, '?')}"
        return aws.AwsError(
            aws.describe_error(exc, resource, str(props.get(SOURCE, "?"))), aws.error_code(exc)
        )
