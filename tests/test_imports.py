"""The package's import rules, read from the source with ``ast`` (function-local imports
included): apps never import each other, ``common/`` imports no app, no controller feature reaches
into another feature's views, the controller's accounts floor stands on nothing above it, and
feature packages import each other without cycles."""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("cloudauth", "cloudcontroller", "cloudaccountant", "cloudportal", "openstack_simulator")
TOPS = (*APPS, "common")
FLOOR = "accounts"
# Top-level modules that assemble an app (settings gathers every feature's settings, models.py
# every model for Alembic) and code that is not a feature: outside the feature graph.
NOT_FEATURES = {"migrations", "scripts"}


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, as absolute dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    here = _module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            found.add(stem)
            # `from pkg import module` imports pkg.module when it is one.
            found.update(f"{stem}.{alias.name}" for alias in node.names)
    return found


def _sources(top: str):
    for path in sorted((ROOT / top).rglob("*.py")):
        yield _module_name(path), _imports(path)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {name: imports for top in TOPS for name, imports in _sources(top)}


def _top(name: str) -> str:
    return name.split(".")[0]


def _feature(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) < 3 or parts[1] in NOT_FEATURES:
        return None  # a top-level module of its app, or not a feature
    return parts[1]


def _is_package(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return (path / "__init__.py").exists()


def test_no_app_imports_another_app(graph):
    wrong = [
        f"{module} imports {target}"
        for module, imports in graph.items()
        for target in imports
        if _top(module) in APPS and _top(target) in APPS and _top(target) != _top(module)
    ]
    assert wrong == []


def test_common_imports_no_app_and_not_the_simulator(graph):
    wrong = [
        f"{module} imports {target}"
        for module, imports in graph.items()
        for target in imports
        if _top(module) == "common" and _top(target) in APPS
    ]
    assert wrong == []


def test_no_controller_feature_imports_another_features_views(graph):
    wrong = [
        f"{module} imports {target}"
        for module, imports in graph.items()
        if _top(module) == "cloudcontroller"
        for target in imports
        if _top(target) == "cloudcontroller"
        and target.endswith(".views")
        and _feature(target) is not None
        and _feature(target) != _feature(module)
    ]
    assert wrong == []


def test_the_controller_floor_imports_no_other_feature(graph):
    assert _is_package(f"cloudcontroller.{FLOOR}"), "the accounts floor package is missing"
    wrong = [
        f"{module} imports {target}"
        for module, imports in graph.items()
        if _top(module) == "cloudcontroller" and _feature(module) == FLOOR
        for target in imports
        if _top(target) == "cloudcontroller" and _feature(target) not in (None, FLOOR, "openstack")
    ]
    assert wrong == []


def _feature_edges(graph) -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module, imports in graph.items():
        src = (_top(module), _feature(module))
        if src[1] is None:
            continue
        for target in imports:
            dst = (_top(target), _feature(target))
            if dst[0] == src[0] and dst[1] is not None and dst[1] != src[1]:
                edges[(f"{src[0]}.{src[1]}", f"{dst[0]}.{dst[1]}")].add(module)
    return edges


def _cycle(edges) -> list[str] | None:
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(succ[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(succ):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_feature_packages(graph):
    edges = _feature_edges(graph)
    cycle = _cycle(edges)
    where = []
    if cycle:
        where = [f"{a} -> {b} in {sorted(edges[(a, b)])}" for a, b in itertools.pairwise(cycle)]
    assert cycle is None, "\n".join(where)


def test_the_cycle_finder_finds_a_planted_cycle():
    edges = {("x.a", "x.b"): {"m"}, ("x.b", "x.c"): {"m"}, ("x.c", "x.a"): {"m"}}
    assert _cycle(edges) == ["x.a", "x.b", "x.c", "x.a"]
    assert _cycle({("x.a", "x.b"): {"m"}}) is None


def test_relative_and_local_imports_are_seen(tmp_path):
    pkg = tmp_path / "cloudcontroller" / "groups"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    source = pkg / "services.py"
    source.write_text("def f():\n    from ..users import views\n    from . import models\n")
    found = _imports(source, tmp_path)
    assert "cloudcontroller.users.views" in found
    assert "cloudcontroller.groups.models" in found
