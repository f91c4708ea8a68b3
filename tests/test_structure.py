"""The package's structure: no import circles inside ``halkit/``.

Every ``import`` and ``from ... import`` counts, at module level and inside
functions (a lazy import still ties two modules together); only imports under
``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
import pathlib
from typing import Dict, List, Optional, Set, Tuple

import halkit

PACKAGE = pathlib.Path(halkit.__file__).parent

#: Edges known to close a circle that other work removes; left out of the
#: graph until then, and named here so they stay visible. (None left.)
PENDING: Set[Tuple[str, str]] = set()


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool, modules: Set[str]) -> Set[str]:
    package = module if is_package else module.rpartition(".")[0]
    found: Set[str] = set()

    def target(name: str) -> Optional[str]:
        # the longest prefix that is a halkit module: ``halkit.uri.expand`` -> ``halkit.uri``
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                hit = target(alias.name)
                if hit:
                    found.add(hit)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                hit = target(f"{prefix}.{alias.name}") or target(prefix)
                if hit:
                    found.add(hit)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


def import_graph() -> Dict[str, Set[str]]:
    """Module -> the halkit modules it imports (the package ``halkit`` itself left out)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        if name == "halkit":
            continue  # the package re-exports everything; its submodules never import it
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges = _imports(tree, name, path.name == "__init__.py", modules) - {"halkit"}
        graph[name] = {t for t in edges if (name, t) not in PENDING}
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    out: List[List[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_model_imports_no_client() -> None:
    # resources, links and forms reach the client only through the Navigator protocol
    graph = import_graph()
    for module in ("halkit.resource", "halkit.link", "halkit.forms", "halkit.hal", "halkit.fanout"):
        assert "halkit.client" not in graph[module], module
    for module in ("halkit.aio.model", "halkit.aio.fanout"):
        assert not {"halkit.client", "halkit.aio.client", "halkit.aio.transport"} & graph[module], module


def test_the_async_model_imports_no_private_name() -> None:
    # ``from ..resource import _helper`` would tie the twins together through a private name
    problems = []
    for module in ("aio/model", "aio/fanout"):
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                problems += [f"{module}.py:{node.lineno}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert problems == []


def _own_private_names(tree: ast.AST) -> Set[str]:
    """The private names a module defines: functions, methods, ``self._x`` attributes, ``__slots__``."""
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            if node.attr.startswith("_") and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            for const in ast.walk(node.value):
                if isinstance(const, ast.Constant) and isinstance(const.value, str):
                    names.add(const.value)
    return names


def test_the_model_calls_nothing_private_of_another_module() -> None:
    # ``obj._name`` is fine only for a private name the module itself defines
    problems = []
    # the async twin's model and fan-out too: they reuse the sync model through its public API
    for module in ("resource", "link", "forms", "crawl", "fanout", "hal", "_awaitable", "aio/model", "aio/fanout"):
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        own = _own_private_names(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
            ):
                problems.append(f"{module}.py:{node.lineno}: .{node.attr}")
    assert problems == []
