"""The package's structure: no import circles inside ``halkit/``, no module using another's private names.

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


def _module_private_names(tree: ast.Module) -> Set[str]:
    """The private names a module defines at its top level (functions, classes, constants, imports)."""
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def private_uses(source: str, partner_source: str, partner: str, filename: str = "<module>") -> List[str]:
    """Where ``source`` uses something private of the module ``partner`` (``"halkit.auth"``).

    * ``from <partner> import _name`` (relative or absolute);
    * ``obj._name`` where ``_name`` is not a private name ``source`` defines;
    * ``obj._name`` on anything but ``self`` where ``_name`` is a private
      name the partner defines (``bearer._header``, ``self.config._body``):
      the same name in both modules does not make another module's field one's own.
    """
    def defined(tree: ast.Module) -> Set[str]:
        coroutines = {
            n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef) and n.name.startswith("_")
        }
        return _own_private_names(tree) | _module_private_names(tree) | coroutines

    tree = ast.parse(source)
    own = defined(tree)
    theirs = defined(ast.parse(partner_source))
    leaf = partner.rpartition(".")[2]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == partner or (node.level and module == leaf):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        problems.append(f"{filename}:{node.lineno}: imports {alias.name} from {partner}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if node.attr not in own or (node.attr in theirs and not on_self):
                problems.append(f"{filename}:{node.lineno}: .{node.attr}")
    return problems


#: (module, the module it must use only through public names)
PUBLIC_ONLY = [
    ("aio/auth.py", "halkit.auth"),
]


def test_the_async_auth_uses_the_sync_grant_through_public_names_only() -> None:
    # one grant, two clients: halkit.aio.auth does the I/O, halkit.auth the rest, through its public API
    problems = []
    for path, partner in PUBLIC_ONLY:
        partner_path = PACKAGE.joinpath(*partner.split(".")[1:]).with_suffix(".py")
        problems += private_uses(
            (PACKAGE / path).read_text(encoding="utf-8"), partner_path.read_text(encoding="utf-8"), partner, path
        )
    assert problems == []


def test_private_uses_finds_what_the_async_grant_once_did() -> None:
    partner = (
        "class ClientCredentials:\n    def __init__(self):\n        self._body = ''\n"
        "class BearerToken:\n    def __init__(self):\n        self._header = ''\n"
    )
    before = (
        "from ..auth import ClientCredentials, _check_token\n"
        "class _Bearer:\n    def __init__(self, auth):\n        self._header = auth._header\n"
        "def f(cfg):\n    return cfg._body, cfg._redact('x')\n"
    )
    assert sorted(private_uses(before, partner, "halkit.auth")) == [
        "<module>:1: imports _check_token from halkit.auth",
        "<module>:4: ._header",
        "<module>:6: ._body",
        "<module>:6: ._redact",
    ]
    after = (
        "from ..auth import ClientCredentials\n"
        "class _Bearer:\n    def __init__(self, header):\n        self._header = header\n"
        "    async def _go(self):\n        return self._header, await self._go()\n"
    )
    assert private_uses(after, partner, "halkit.auth") == []
