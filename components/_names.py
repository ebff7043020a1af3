"""Type tokens of our components and the aliases that keep stacks deployed under the old tokens.

A component declares `TYPE_TOKEN = token("<module>", "<Class>")` and registers with
`super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))`: the alias makes the engine
take the state an earlier release stored under `agentcore-evals:<module>:<Class>` as this one's.
The engine derives the children's aliases from their parent's (alias specs), so the dynamic and
pulumi-aws resources under a component need none of their own. `_props` re-exports both, so a module
that imports `_props as shared` switches with one line: `TYPE_TOKEN = shared.token("<module>", "<Class>")`
(a component no release shipped under the old token needs no alias; tests/program/test_names.py checks).
"""

from __future__ import annotations

import pulumi

from evalctl import naming


def token(module: str, cls: str) -> str:
    """The type token of the component `components.<module>.<Class>`."""
    return naming.token(module, cls)


def aliased(type_token: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """`opts` plus an alias to the token an earlier release registered the same component under."""
    legacy = naming.legacy_token(type_token)
    own = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=legacy)] if legacy else None)
    return pulumi.ResourceOptions.merge(opts, own)
