"""AgentCore via boto3: clients (endpoint, region, profile, retries), error text, shapes, tokens, waits."""

from __future__ import annotations

import functools
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from evalctl import service_models

# Callers name the service they want a client of as `aws.CONTROL` or `aws.DATA`.
CONTROL, DATA = service_models.CONTROL, service_models.DATA

OWNER_TAG, STACK_TAG = "evalctl:owner", "evalctl:stack"
# On a resource from its create call until the provider hands it to the engine: only a crashed create
# leaves it, so only such a leftover may be adopted (the copy being replaced never carries it).
PENDING_TAG = "evalctl:pending"
RETRY_MODES = ("adaptive", "standard", "legacy")


class WaitTimeoutError(RuntimeError):
    """A resource did not reach its target status in time."""


class ResourceFailedError(RuntimeError):
    """The service reports the resource in a failed status."""


class MissingRegionError(RuntimeError):
    """No region in the settings nor in the AWS environment."""


class AwsError(RuntimeError):
    """An AWS call failed; the message names the spec file, the resource and what to do."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to call AWS. None means: let boto3 resolve it (profile, env, AWS_ENDPOINT_URL*)."""

    endpoint: str | None = None
    region: str | None = None
    profile: str | None = None
    # Standard, not adaptive: under a 30% throttling storm adaptive's client-side rate limiting
    # made 100 evaluator deploys take 176 s instead of 38 s (bench/reconcile.py), for the same result.
    retry_mode: str = "standard"
    max_attempts: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # When set, our own retries replace botocore's: full-jitter backoff from this base (seconds).
    backoff_base: float | None = None
    backoff_cap: float = 20.0


_CLIENTS: dict[tuple[str, ClientSettings], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def client(service: str, settings: ClientSettings | None = None, session: Any | None = None) -> Any:
    """A boto3 client with retries (throttling and 5xx back off), shared per process and settings.

    Building one costs ~0.2 s (a session loads the service model); clients are thread-safe, sessions
    are not, hence the lock. Callers must still not keep one on a pickled object.
    """
    settings = settings or ClientSettings()
    if session is not None:
        return _build(service, settings, session)
    with _CLIENTS_LOCK:
        key = (service, settings)
        if key not in _CLIENTS:
            _CLIENTS[key] = _build(service, settings, None)
        return _CLIENTS[key]


def _build(service: str, settings: ClientSettings, session: Any | None) -> Any:
    import boto3
    from botocore.config import Config

    if settings.retry_mode not in RETRY_MODES:
        raise ValueError(f"retry mode {settings.retry_mode!r} is not one of {', '.join(RETRY_MODES)}")
    session = session or boto3.Session(profile_name=settings.profile)
    # botocore reads AWS_DEFAULT_REGION only; AWS_REGION is what the other SDKs and our message name.
    region = settings.region or session.region_name or os.environ.get("AWS_REGION")
    if not region:
        raise MissingRegionError(
            "no AWS region: set `evalctl:region` (or `aws:region`) in the stack config, "
            "pass --region, or export AWS_REGION"
        )
    ours = settings.backoff_base is not None
    attempts = 1 if ours else max(1, settings.max_attempts)
    config = Config(
        region_name=region,
        # With our retries, botocore must not also rate-limit (adaptive mode throttles the client).
        retries={"mode": "standard" if ours else settings.retry_mode, "total_max_attempts": attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    raw = session.client(service, endpoint_url=settings.endpoint or None, config=config)
    return RetryingClient(raw, settings) if ours else raw


RETRYABLE_CODES = {"ThrottlingException", "TooManyRequestsException", "InternalServerException"}


def is_retryable(exc: BaseException) -> bool:
    """Throttling, 5xx and dropped connections (a dropped create may have committed: retry adopts)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(exc) in RETRYABLE_CODES or status == 429 or status >= 500
    return type(exc).__name__ in ("ConnectionClosedError", "EndpointConnectionError", "ReadTimeoutError")


class RetryingClient:
    """A boto3 client whose operations retry with our jittered exponential backoff."""

    def __init__(self, client: Any, settings: ClientSettings) -> None:
        self._client = client
        self._attempts = max(1, settings.max_attempts)
        self._base = float(settings.backoff_base or 0.0)
        self._cap = settings.backoff_cap

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute):
            return attribute
        return functools.partial(self._call, attribute)

    def get_paginator(self, operation_name: str) -> Any:
        """botocore's paginator for an operation, each of its page calls retried like any other call."""
        from botocore import xform_name
        from botocore.paginate import Paginator

        if not self._client.can_paginate(operation_name):
            return self._client.get_paginator(operation_name)  # raises OperationNotPageableError
        model = self._client.meta.service_model
        operation = next(op for op in model.operation_names if xform_name(op) == operation_name)
        config = service_models.paginator_config(model.service_name, operation)
        return Paginator(getattr(self, operation_name), config, model.operation_model(operation))

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(self._attempts):
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                if attempt + 1 >= self._attempts or not is_retryable(exc):
                    raise
                time.sleep(random.uniform(0, min(self._cap, self._base * 2**attempt)))
        raise AssertionError("unreachable: the last attempt returns or raises")


# What to do, per AWS error code; `{field}` and `{source}` are filled in by describe_error.
ADVICE = {
    "ValidationException": "fix {field} in {source} (`evalctl validate {source}` shows every problem)",
    "ConflictException": (
        "the name is taken, or the resource is busy or locked (run again once it is ACTIVE or "
        "unlocked); to adopt an existing resource set `metadata.importId` to its id in {source}"
    ),
    "ResourceNotFoundException": (
        "it was deleted outside Pulumi or a referenced id is wrong; run `pulumi refresh`, "
        "then check the references in {source}"
    ),
    "AccessDeniedException": (
        "the deploying identity may not do this; grant it the `ciDeployer` template or the missing action"
    ),
    "ThrottlingException": (
        "still throttled after every retry; run again later or raise `evalctl:maxAttempts`"
    ),
    "ServiceQuotaExceededException": "a quota is reached; delete unused resources or request an increase",
    "InternalServerException": "the service failed; run again (the operation is idempotent)",
    "UnrecognizedClientException": "the credentials are not valid here; check the AWS profile and region",
    "ExpiredTokenException": "the credentials expired; log in again (e.g. `aws sso login`)",
}
DEFAULT_ADVICE = "check {source} and the AWS credentials, then run again"
_FIELD = re.compile(r"at '([A-Za-z0-9_.\[\]/]+)'")


def is_aws_error(exc: BaseException) -> bool:
    """A service answer (ClientError) or a botocore failure (endpoint, credentials), not our bug."""
    return hasattr(exc, "response") or "botocore" in type(exc).__module__


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError (empty for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _error_parts(exc: BaseException) -> tuple[str, str, str]:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {}) if isinstance(response, dict) else {}
    operation = str(getattr(exc, "operation_name", "") or "the call")
    return operation, str(error.get("Code", type(exc).__name__)), str(error.get("Message", "") or exc)


def describe_error(exc: BaseException, resource: str, source_file: str, field: str | None = None) -> str:
    """One message: which spec file and resource, which call and field failed, and what to do."""
    operation, code, message = _error_parts(exc)
    if field is None:
        found = _FIELD.search(message)
        field = found.group(1) if found else None
    shown_field = f"`{field}`" if field else "the spec"
    advice = ADVICE.get(code, DEFAULT_ADVICE).format(field=shown_field, source=source_file)
    where = f" (field `{field}`)" if field else ""
    if not getattr(exc, "response", None):
        advice = _transport_advice(exc, source_file)
    return f"{source_file}: {resource}: {operation} failed{where}: {code}: {message}. To fix: {advice}."


def _transport_advice(exc: BaseException, source_file: str) -> str:
    """Errors without an AWS response: unreachable endpoint, missing credentials, bad region."""
    name = type(exc).__name__
    if "Endpoint" in name or "Connect" in name:
        return (
            "the endpoint cannot be reached; check --endpoint (a command) or `evalctl:endpoint` (a stack), "
            "and AWS_ENDPOINT_URL (is `evalctl emulator` running?)"
        )
    if "Credentials" in name:
        return "no AWS credentials were found; set a profile (--profile, `evalctl:profile`) or env keys"
    return DEFAULT_ADVICE.format(source=source_file)
