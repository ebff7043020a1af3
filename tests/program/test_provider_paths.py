"""Stored state names our providers by module path: every `__provider` in a stack's state is a dill
pickle that refers to `components.<module>.<Class>`. Moving or renaming one orphans every stack that
stored it, so the paths are pinned here (a class moved elsewhere must stay re-exported)."""

from __future__ import annotations

import base64
import importlib
import pickletools

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

# The providers a program registers, at the paths stored state refers to.
PROVIDERS = {
    "components.evaluator": "EvaluatorProvider",
    "components.online_evaluation": "OnlineEvaluationProvider",
    "components.batch_evaluation": "BatchEvaluationProvider",
    "components.dataset": "DatasetProvider",
    "components.gate": "GateProvider",
    "components.recommendation": "RecommendationProvider",
}
# Shared names the provider modules and earlier releases reached through these paths.
SHARED = {
    "components._provider": ("AgentCoreProvider", "Api", "alternate_name", "is_not_found", "owner_tags"),
    "components.batch_evaluation": ("Poller", "BatchWaitTimeout", "TERMINAL", "start_request"),
}


def _globals(pickled: bytes) -> set[str]:
    """The `module name` pairs a pickle refers to (STACK_GLOBAL operands come as two strings)."""
    found: set[str] = set()
    strings: list[str] = []
    for opcode, arg, _ in pickletools.genops(pickled):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(str(arg))
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(f"{strings[-2]} {strings[-1]}")
        elif opcode.name == "GLOBAL":
            found.add(str(arg))
    return found


@pytest.mark.parametrize(("module", "name"), sorted(PROVIDERS.items()))
def test_provider_is_pickled_by_reference_to_its_pinned_path(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert (cls.__module__, cls.__qualname__) == (module, name), "the class itself lives at the pinned path"
    pickled = base64.b64decode(serialize_provider(cls()))
    assert f"{module} {name}" in _globals(pickled), "stored state refers to the class by its path"
    assert type(dill.loads(pickled)) is cls


@pytest.mark.parametrize(("module", "names"), sorted(SHARED.items()))
def test_shared_names_stay_importable(module: str, names: tuple[str, ...]) -> None:
    loaded = importlib.import_module(module)
    assert [n for n in names if not hasattr(loaded, n)] == []
