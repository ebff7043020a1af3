"""One AWS identity per stack: the dynamic providers use the stack's `aws:*` config, as pulumi-aws."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from evalctl import aws

# The pulumi-aws settings the dynamic providers honour (read from the stack config at Configure).
AWS_KEYS = ("region", "profile", "accessKey", "secretKey", "token", "assumeRole", "assumeRoles")
# pulumi-aws settings that change the identity or endpoint and that we cannot honour: refused.
UNSUPPORTED = (
    "sharedCredentialsFiles",
    "customCaBundle",
    "stsRegionalEndpoints",
    "assumeRoleWithWebIdentity",
)
SESSION_NAME = "evalctl-pulumi"

_SESSIONS: dict[tuple[Any, ...], Any] = {}
_CLIENTS: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


class IdentityError(ValueError):
    """A stack's `aws:*` setting the providers cannot honour."""


def aws_config(get: Callable[[str], Any]) -> dict[str, str]:
    """The stack's `aws:*` settings we honour (`get` reads one config key), as strings (JSON for
    structured ones); refuse the ones we cannot honour."""
    for key in UNSUPPORTED:
        if get(f"aws:{key}") is not None:
            raise IdentityError(
                f"stack config `aws:{key}` is set, and the AgentCore providers cannot honour it, so they "
                "would act as another identity than the stack's pulumi-aws resources. To fix: use "
                "`aws:profile`, `aws:accessKey`/`aws:secretKey`/`aws:token` or `aws:assumeRole(s)`."
            )
    found: dict[str, str] = {}
    for key in AWS_KEYS:
        value = get(f"aws:{key}")
        if value is not None:
            found[key] = value if isinstance(value, str) else json.dumps(value)
    return found


def roles(settings: Mapping[str, str]) -> list[dict[str, Any]]:
    """The role chain: `aws:assumeRoles` (a list) or `aws:assumeRole` (one), each with a roleArn."""
    raw = settings.get("assumeRoles") or settings.get("assumeRole")
    if not raw:
        return []
    parsed = json.loads(raw)
    chain = parsed if isinstance(parsed, list) else [parsed]
    for role in chain:
        if not isinstance(role, dict) or not role.get("roleArn"):
            raise IdentityError("`aws:assumeRole(s)` entries need a `roleArn`")
    return chain


def session(settings: Mapping[str, str], region: str | None, endpoint: str | None) -> Any | None:
    """A boto3 session for static keys and/or an assumed-role chain; None: boto3's default chain
    (with `aws:profile` applied through ClientSettings.profile)."""
    chain = roles(settings)
    if not settings.get("accessKey") and not chain:
        return None
    key = (tuple(sorted(settings.items())), region, endpoint)
    with _LOCK:
        if key not in _SESSIONS:
            _SESSIONS[key] = _assumed(settings, chain, region, endpoint)
        return _SESSIONS[key]


def _assumed(
    settings: Mapping[str, str], chain: list[dict[str, Any]], region: str | None, endpoint: str | None
) -> Any:
    import boto3

    current = boto3.Session(
        profile_name=None if settings.get("accessKey") else settings.get("profile"),
        aws_access_key_id=settings.get("accessKey"),
        aws_secret_access_key=settings.get("secretKey"),
        aws_session_token=settings.get("token"),
        region_name=region,
    )
    for role in chain:
        params = {"RoleArn": role["roleArn"], "RoleSessionName": role.get("sessionName") or SESSION_NAME}
        if role.get("externalId"):
            params["ExternalId"] = role["externalId"]
        sts = current.client("sts", endpoint_url=endpoint, region_name=region)
        creds = sts.assume_role(**params)["Credentials"]
        current = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )
    return current


def client(service: str, client_settings: aws.ClientSettings, identity: Mapping[str, str]) -> Any:
    """aws.client with the stack's identity; clients of a custom session are cached here."""
    chosen = session(identity, client_settings.region, client_settings.endpoint)
    if chosen is None:
        return aws.client(service, client_settings)
    key = (service, client_settings, tuple(sorted(identity.items())))
    with _LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = aws.client(service, client_settings, session=chosen)
        return _CLIENTS[key]
