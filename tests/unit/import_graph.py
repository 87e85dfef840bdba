"""The import graph of a source tree, read from the source (nothing is imported): which
module imports which, at module level (what runs when it is imported) or anywhere
(a function's lazy import counts too).  ``if TYPE_CHECKING:`` blocks are left out: they
never run.  Used by test_architecture.py, which also runs it over planted trees."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    top: dict[str, set[str]] = field(default_factory=dict)  # imported when it is imported
    every: dict[str, set[str]] = field(default_factory=dict)  # lazy imports as well

    def reached(self, start: str, edges: dict[str, set[str]] | None = None) -> set[str]:
        """Every project module ``start`` loads, directly or through others."""
        edges = self.every if edges is None else edges
        seen: set[str] = set()
        todo = [start]
        while todo:
            for name in edges.get(todo.pop(), ()):
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
        return seen

    def cycles(self) -> list[list[str]]:
        """The groups of modules that import one another at module level (strongly
        connected components of more than one module, or a module importing itself)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(node: str) -> None:  # Tarjan's algorithm
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
            for nxt in sorted(self.top.get(node, ())):
                if nxt not in index:
                    visit(nxt)
                    low[node] = min(low[node], low[nxt])
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in self.top.get(node, ()):
                    found.append(sorted(group))

        for module in sorted(self.modules):
            if module not in index:
                visit(module)
        return sorted(found)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, module: str, is_package: bool, top: bool, out: list) -> None:
    """(module, names or None, at module level) for every import under ``node``:
    ``import a.b`` gives ("a.b", None, ...), ``from a import b, c`` ("a", ["b", "c"], ...)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                _imports(other, module, is_package, top, out)
            continue
        inner = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if isinstance(child, ast.Import):
            out += [(alias.name, None, top) for alias in child.names]
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(child.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            out.append((base, [alias.name for alias in child.names], top))
        _imports(child, module, is_package, inner, out)


def _named(found: list) -> set[str]:
    """Every dotted name the imports mention (``from a import b`` mentions ``a.b``)."""
    names = set()
    for base, aliases, _top in found:
        names.add(base)
        names.update(f"{base}.{alias}" for alias in aliases or ())
    return names


def build(root: Path, packages: tuple[str, ...]) -> Graph:
    """The graph of the modules under ``root/<package>`` for each package; an import is
    kept when it names one of these modules (``from a import b`` names ``a.b`` if that is
    a module, else ``a``)."""
    graph = Graph()
    files = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = module_name(root, path)
            files[name] = path
            graph.modules.add(name)
    for name, path in files.items():
        found: list = []
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _imports(tree, name, path.name == "__init__.py", True, found)
        top, every = set(), set()
        for base, aliases, at_top in found:
            # ``from a import b`` imports module a.b when there is one, else a name of a
            targets = [f"{base}.{a}" for a in aliases or ()] or [base]
            for imported in targets:
                target = imported
                while target and target not in graph.modules:
                    target = target.rpartition(".")[0]
                if not target or target == name:
                    continue
                every.add(target)
                if at_top:
                    top.add(target)
        graph.top[name], graph.every[name] = top, every
    return graph


def external(root: Path, package: str) -> dict[str, set[str]]:
    """Each module under ``root/package`` and every name it imports (project or not),
    lazy imports included, ``TYPE_CHECKING`` blocks left out."""
    result = {}
    for path in sorted((root / package).rglob("*.py")):
        name = module_name(root, path)
        found: list = []
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _imports(tree, name, path.name == "__init__.py", True, found)
        result[name] = _named(found)
    return result
