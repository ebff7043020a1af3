"""One name, `evalctl`: component tokens from `components._names.token`, aliases to the tokens earlier
releases registered (`agentcore-evals:*`), and stack config still read from the old namespace, with a
warning naming the new key."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from pathlib import Path

import pytest

import components
from evalctl import naming
from tests.program.mockrun import ACCOUNT, run_program

ROOT = Path(__file__).resolve().parents[2]
# The components a release under the old names shipped: stacks may hold them under `agentcore-evals:*`.
RELEASED = {"batch_evaluation", "code_function", "dataset", "evaluator", "insight_store", "log_group",
            "online_evaluation", "role"}  # fmt: skip
OLD = naming.LEGACY_PROJECT


def component_modules() -> dict[str, str]:
    """Each components module that defines a component, with its TYPE_TOKEN."""
    found = {}
    for info in pkgutil.iter_modules(components.__path__):
        module = importlib.import_module(f"components.{info.name}")
        if isinstance(getattr(module, "TYPE_TOKEN", None), str):
            found[info.name] = module.TYPE_TOKEN
    return found


def test_every_token_is_evalctl_module_class_of_a_class_in_that_module() -> None:
    tokens = component_modules()
    assert set(tokens) >= RELEASED
    for module, token in tokens.items():
        cls = token.rsplit(":", 1)[-1]
        assert token == naming.token(module, cls), f"components/{module}.py: use token({module!r}, {cls!r})"
        assert hasattr(importlib.import_module(f"components.{module}"), cls)
        if module in RELEASED:
            source = (ROOT / "components" / f"{module}.py").read_text()
            assert "aliased(TYPE_TOKEN, opts)" in source, (
                f"{module}: stacks of earlier releases need the alias"
            )


def test_old_config_keys_still_deploy_with_a_warning_and_every_component_aliases_its_old_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = {
        f"{OLD}:specDir": str(ROOT / "evaluations"),
        "aws:region": "us-east-1",
        f"{OLD}:accountId": ACCOUNT,
    }
    with caplog.at_level(logging.WARNING):
        run = run_program(ROOT, config, stack="dev")
    warned = [r.getMessage() for r in caplog.records if OLD in r.getMessage()]
    for key in ("specDir", "accountId"):
        assert any(f"`{OLD}:{key}`" in w and f"`evalctl:{key}`" in w for w in warned), (key, warned)

    ours = [r for r in run.resources if r.type.startswith(f"{naming.TOKEN_PACKAGE}:")]
    assert {r.type.split(":")[1] for r in ours} >= RELEASED - {"insight_store"}  # the example has no store
    released = [r for r in ours if r.type.split(":")[1] in RELEASED]
    assert all(r.alias_types == [naming.legacy_token(r.type)] for r in released), [
        (r.type, r.alias_types) for r in released
    ]
    # Kinds no release shipped under the old names have nothing to alias.
    assert [r.type for r in ours if r not in released and r.alias_types] == []
    # Children carry no alias of their own (the engine derives theirs from the parent's), except the
    # gates' dynamic resources: releases before the Gate component registered them under the stack.
    children = [r for r in run.resources if r not in ours]
    own = [(r.name, r.alias_types, r.alias_no_parent) for r in children if r.alias_types]
    gates = sorted(r.name for r in run.resources if r.type == "pulumi-python:dynamic/gate:Gate")
    assert gates and sorted(o[0] for o in own) == gates, own
    assert all(o[1:] == ([""], [True]) for o in own), "same type and name, parent: the root stack"
    tone = run.named("evaluator-response-tone", "pulumi-python:dynamic/evaluator:Evaluator")
    owner = "urn:pulumi:dev::evalctl::evalctl:evaluator:Evaluator::evaluator-response-tone"
    assert tone.inputs["ownerUrn"] == owner, "resources created from now on are tagged with the new URN"
