"""The layers of docs/architecture.md, checked on the import graph (function-local imports included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.importgraph import Layer, cycles, layer_violations, place, read

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top: a module may import its own layer and the layers below it, never above.
LAYERS = (
    Layer("base", ("evalctl.catalog", "evalctl.iam", "evalctl.naming", "evalctl.packaging", "evalctl.term",
                   "evalctl.request_template", "evalctl.scenarios", "evalctl.service_models",
                   "evalctl.recommend_inputs"),
          exact=("evalctl",)),
    Layer("spec", ("evalctl.spec", "evalctl.datasets", "evalctl.recommend_request")),
    Layer("api", ("evalctl.api", "evalctl.aws", "evalctl.awsops", "evalctl.dataset_sync",
                  "evalctl.dataset_s3")),
    Layer("engine", ("evalctl.engine",)),
    Layer("apps", ("evalctl.runner", "evalctl.reports", "evalctl.replay", "evalctl.importer"),
          independent=True),
    # A development tool built on the core: only the command line starts it, nothing imports it.
    Layer("emulator", ("evalctl.emulator",)),
    Layer("cli", ("evalctl.cli", "evalctl.__main__", "evalctl.demo")),
)  # fmt: skip
# What the Pulumi side may not use: the emulator and the command line.
COMPONENTS_FORBIDDEN = ("evalctl.emulator", "evalctl.cli", "evalctl.demo", "evalctl.__main__")

# Cycles that stay for now, each with its reason; a cycle not listed here fails, and so does a stale entry.
ALLOWED_CYCLES = {
    frozenset({
        "evalctl.spec.project", "evalctl.spec.lint.semantic", "evalctl.spec.lint.refs",
        "evalctl.spec.lint.rules_batch", "evalctl.spec.lint.rules_dataset",
        "evalctl.spec.lint.rules_dataset_batch", "evalctl.spec.lint.rules_evaluator",
        "evalctl.spec.lint.rules_misc", "evalctl.spec.lint.rules_role",
        "evalctl.spec.lint.rules_recommendation",
    }): "load_project (spec.project) runs the semantic lint, whose rules read the Project and Document "
    "it defines; splitting loading from linting moves load_project, imported by the CLI (a later round)",
}  # fmt: skip


@pytest.fixture(scope="module")
def imports():
    return read(ROOT, ("evalctl", "components"))


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_every_core_module_has_a_layer(imports):
    unplaced = sorted(m for m in imports.modules if m.startswith("evalctl") and place(m, LAYERS) is None)
    assert not unplaced, f"add these modules to LAYERS in {__file__} and docs/architecture.md: {unplaced}"


def test_layers_only_point_down(imports):
    # Typing-only imports count too: an upward type is an upward dependency for a reader.
    graph = {m: imports.runtime.get(m, set()) | imports.typing.get(m, set()) for m in imports.modules}
    assert layer_violations(graph, LAYERS) == []


def test_components_use_the_core_only(imports):
    found = [
        f"{source} imports {target}"
        for source, targets in sorted(imports.runtime.items())
        for target in sorted(targets | imports.typing.get(source, set()))
        if source.startswith("components") and _in(target, COMPONENTS_FORBIDDEN)
    ]
    assert found == []


def test_core_never_imports_pulumi_or_components(imports):
    graph = {m: imports.runtime.get(m, set()) | imports.typing.get(m, set()) for m in imports.modules}
    pulumi = sorted(
        m for m, names in imports.external.items() if m.startswith("evalctl") and "pulumi" in names
    )
    upward = sorted(
        m for m in graph if m.startswith("evalctl") and any(t.startswith("components") for t in graph[m])
    )
    assert (pulumi, upward) == ([], [])


def test_no_cycles_but_the_allowed(imports):
    found = set(cycles(imports.runtime))
    assert sorted(map(sorted, found - ALLOWED_CYCLES.keys())) == [], "a new import cycle"
    assert sorted(map(sorted, ALLOWED_CYCLES.keys() - found)) == [], "stale ALLOWED_CYCLES: remove them"


# ---- the checks themselves, on synthetic code ----------------------------------------------------

SYNTHETIC = {
    "evalctl/__init__.py": "",
    "evalctl/spec/__init__.py": "",
    "evalctl/spec/a.py": "def f():\n    from evalctl.engine import b  # hidden in a function\n",
    "evalctl/spec/c.py": "import typing\nif typing.TYPE_CHECKING:\n    from evalctl.spec import d\n",
    "evalctl/spec/d.py": "from . import c\nimport importlib\nimportlib.import_module('evalctl.api.e')\n",
    "evalctl/api/__init__.py": "",
    "evalctl/api/e.py": "import pulumi.dynamic\n",
    "evalctl/engine/__init__.py": "",
    "evalctl/engine/b.py": "from ..spec import a\n",
}


@pytest.fixture
def synthetic(tmp_path):
    for name, text in SYNTHETIC.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return read(tmp_path, ("evalctl",))


def test_reader_resolves_relative_local_and_dynamic_imports(synthetic):
    assert synthetic.runtime == {
        "evalctl.spec.a": {"evalctl.engine.b"},
        "evalctl.spec.d": {"evalctl.spec.c", "evalctl.api.e"},
        "evalctl.engine.b": {"evalctl.spec.a"},
    }
    assert synthetic.typing == {"evalctl.spec.c": {"evalctl.spec.d"}}
    assert synthetic.external["evalctl.api.e"] == {"pulumi"}


def test_a_new_upward_import_fails(synthetic):
    violations = layer_violations(synthetic.runtime, LAYERS)
    assert violations == [
        "evalctl.spec.a (spec) imports evalctl.engine.b (engine)",
        "evalctl.spec.d (spec) imports evalctl.api.e (api)",
    ]


def test_cycles_count_runtime_imports_only(synthetic):
    assert cycles(synthetic.runtime) == [frozenset({"evalctl.spec.a", "evalctl.engine.b"})]


def test_independent_groups_may_not_import_each_other():
    graph = {"evalctl.runner.x": {"evalctl.reports.y"}, "evalctl.cli.z": {"evalctl.reports.y"}}
    assert layer_violations(graph, LAYERS) == [
        "evalctl.runner.x imports evalctl.reports.y: evalctl.reports and evalctl.runner are independent"
    ]


def test_a_module_outside_every_group_has_no_layer():
    assert place("evalctl.newcomer", LAYERS) is None
    assert place("evalctl", LAYERS) == (0, "evalctl")
