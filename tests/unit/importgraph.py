"""The import graph of our packages, read with `ast`, and the checks the architecture test runs on it."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Graph = dict[str, set[str]]


@dataclass(frozen=True)
class Imports:
    """Who imports whom: `runtime` edges run at import or call time, `typing` ones only for mypy."""

    modules: frozenset[str]
    runtime: Graph = field(default_factory=dict)
    typing: Graph = field(default_factory=dict)
    external: Graph = field(default_factory=dict)  # module -> top-level names of third-party imports


def module_names(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted name -> file of every module under the given top-level packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def read(root: Path, packages: Iterable[str]) -> Imports:
    """Every import of every module, function-local ones and `importlib.import_module("x")` included."""
    files = module_names(root, packages)
    imports = Imports(frozenset(files))
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for target, typing_only in _targets(ast.parse(path.read_text(encoding="utf-8")), name, is_package):
            _add(imports, name, target, typing_only)
    return imports


def _add(imports: Imports, source: str, target: str, typing_only: bool) -> None:
    known = _known_prefix(target, imports.modules)
    if known is None:
        imports.external.setdefault(source, set()).add(target.split(".", maxsplit=1)[0])
    elif known != source:
        (imports.typing if typing_only else imports.runtime).setdefault(source, set()).add(known)


def _known_prefix(target: str, modules: frozenset[str]) -> str | None:
    """The longest of our modules that `target` names (a module, or a name inside one)."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _targets(tree: ast.AST, module: str, is_package: bool) -> Iterable[tuple[str, bool]]:
    """(imported dotted name, whether only under `if TYPE_CHECKING:`) for each import in a module."""
    typing_nodes = {id(n) for block in ast.walk(tree) if _is_type_checking(block) for n in _body_nodes(block)}
    for node in ast.walk(tree):
        typing_only = id(node) in typing_nodes
        if isinstance(node, ast.Import):
            yield from ((alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            # `from pkg import name`: name may be a submodule; _add keeps the longest module it names.
            yield from ((f"{base}.{alias.name}" if base else alias.name, typing_only) for alias in node.names)
        elif _is_import_module(node):
            assert isinstance(node, ast.Call) and isinstance(node.args[0], ast.Constant)
            yield str(node.args[0].value), typing_only


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _body_nodes(block: ast.AST) -> Iterable[ast.AST]:
    assert isinstance(block, ast.If)
    for statement in block.body:  # the `else:` branch runs, so it is no typing-only import
        yield from ast.walk(statement)


def _is_import_module(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def cycles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


@dataclass(frozen=True)
class Layer:
    """One layer: its groups (a module and its submodules); `independent` groups may not import each other.

    `exact` names modules without their submodules (a top-level package's own `__init__`).
    """

    name: str
    groups: Sequence[str]
    independent: bool = False
    exact: Sequence[str] = ()


def place(module: str, layers: Sequence[Layer]) -> tuple[int, str] | None:
    """(layer index, group) of a module: the longest group that names it."""
    best: tuple[int, str] | None = None
    for rank, layer in enumerate(layers):
        if module in layer.exact:
            return rank, module
        for group in layer.groups:
            if (module == group or module.startswith(group + ".")) and (
                best is None or len(group) > len(best[1])
            ):
                best = (rank, group)
    return best


def layer_violations(graph: Mapping[str, set[str]], layers: Sequence[Layer]) -> list[str]:
    """Every import that points up a layer, or across independent groups of one layer."""
    found = []
    for source in sorted(graph):
        here = place(source, layers)
        for target in sorted(graph[source]):
            there = place(target, layers)
            if here is None or there is None:
                continue
            if there[0] > here[0]:
                found.append(f"{source} ({layers[here[0]].name}) imports {target} ({layers[there[0]].name})")
            elif there[0] == here[0] and there[1] != here[1] and layers[here[0]].independent:
                found.append(f"{source} imports {target}: {there[1]} and {here[1]} are independent")
    return found
