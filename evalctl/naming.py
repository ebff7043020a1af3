"""The one name, `evalctl`, and the names releases before it stored in state, config and URNs.

Earlier releases named the Pulumi project (and its config namespace) `agentcore-evaluations` and the
component type tokens `agentcore-evals:<module>:<Class>`. Stacks deployed then keep those names in
their state until they are migrated (README, "Migrating from agentcore-evaluations"), and the owner
URN our providers store stays the old one until a resource is updated; this module maps between them.
"""

from __future__ import annotations

NAME = "evalctl"
PROJECT = NAME  # the Pulumi project (Pulumi.yaml `name`) and its config namespace
TOKEN_PACKAGE = NAME  # the package part of every component type token
LEGACY_PROJECT = "agentcore-evaluations"
LEGACY_TOKEN_PACKAGE = "agentcore-evals"


def token(module: str, cls: str) -> str:
    """A component's type token: `evalctl:<module>:<Class>`."""
    return f"{TOKEN_PACKAGE}:{module}:{cls}"


def legacy_token(type_token: str) -> str | None:
    """The token an earlier release gave the same component, or None for a token that is not ours."""
    package, sep, rest = type_token.partition(":")
    return f"{LEGACY_TOKEN_PACKAGE}:{rest}" if sep and package == TOKEN_PACKAGE else None


def _swap(urn: str, project: tuple[str, str], package: tuple[str, str]) -> str:
    """`urn` with the project and the type-token package of each type in its chain replaced."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        return urn
    if parts[1] == project[0]:
        parts[1] = project[1]
    types = [f"{package[1]}:{t.split(':', 1)[1]}" if t.startswith(f"{package[0]}:") else t
             for t in parts[2].split("$")]  # fmt: skip
    parts[2] = "$".join(types)
    return "::".join(parts)


def current_urn(urn: str) -> str:
    """A URN an earlier release wrote, as this release names the same resource (others unchanged)."""
    return _swap(urn, (LEGACY_PROJECT, PROJECT), (LEGACY_TOKEN_PACKAGE, TOKEN_PACKAGE))


def legacy_urn(urn: str) -> str:
    """The URN an earlier release gave the resource this release names `urn`."""
    return _swap(current_urn(urn), (PROJECT, LEGACY_PROJECT), (TOKEN_PACKAGE, LEGACY_TOKEN_PACKAGE))


def same_owner(first: str, second: str) -> bool:
    """Whether two owner URNs name one resource, one of them possibly as an earlier release did."""
    return current_urn(first) == current_urn(second)


def owner_names(urn: str) -> tuple[str, ...]:
    """Every URN that owner tags of the resource `urn` may have been computed from, current first."""
    current = current_urn(urn)
    legacy = legacy_urn(current)
    return (current,) if legacy == current else (current, legacy)


def legacy_config_key(key: str) -> str:
    """`evalctl:<key>` as an earlier release spelled it."""
    return f"{LEGACY_PROJECT}:{key}"
