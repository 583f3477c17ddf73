"""The repository's layout: no import circle among the modules of hf_sincos_cls/ and benchmarks/.

Every import Python runs counts: at the top of a module or inside functions (the lazy ones),
absolute or relative. Those under ``if TYPE_CHECKING:`` never run, so they make no circle (they
are how an annotation names a type without one). A package is its ``__init__.py``; an import
names the most specific module it reaches (``from .data import split_table`` the package
``data``, ``from .data import columns`` the module ``data.columns``).
"""

import ast
from pathlib import Path

from helpers import REPO

PACKAGES = ("hf_sincos_cls", "benchmarks")


def module_files(root: Path, packages) -> dict[str, Path]:
    """Every module under ``packages`` by its dotted name; a package by its ``__init__.py``."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _named(node, module: str, is_package: bool) -> list[list[str]]:
    """What one import statement in ``module`` names: for each thing imported, the dotted names
    it may be, most specific first (``from a import b``: the module ``a.b``, else ``a``)."""
    if isinstance(node, ast.Import):
        return [[alias.name] for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per dot after the first
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - node.level + 1]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return [[f"{base}.{alias.name}", base] for alias in node.names]


def _is_type_checking(node) -> bool:
    """Whether ``node`` is ``if TYPE_CHECKING:`` (or ``if typing.TYPE_CHECKING:``)."""
    test = getattr(node, "test", None) if isinstance(node, ast.If) else None
    return getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING"


def _imports(node):
    """Every import statement under ``node`` that can run: not the body of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif _is_type_checking(child):
            for branch in child.orelse:
                yield from _imports(ast.Module(body=[branch], type_ignores=[]))
        else:
            yield from _imports(child)


def _resolve(name: str, modules) -> str | None:
    """The longest leading part of the dotted ``name`` that is one of ``modules``."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """Each module and the modules of ``packages`` it imports anywhere in its code."""
    modules = module_files(root, packages)
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            for candidates in _named(node, name, path.name == "__init__.py"):
                target = next((found for found in map(lambda c: _resolve(c, modules), candidates) if found), None)
                if target is not None and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a circle (the strongly
    connected components of more than one module, Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def _one_circle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A path round ``group`` from its first module back to it, for the failure message."""
    start, members = group[0], set(group)
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for target in sorted(graph[path[-1]] & members):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    return group


def test_no_import_circle_in_the_package_or_the_benchmarks():
    graph = import_graph(Path(REPO))
    assert {"hf_sincos_cls", "hf_sincos_cls.model_card", "benchmarks.parts", "benchmarks.transfer"} <= set(graph)
    assert "benchmarks.runs" in graph["benchmarks.transfer"]  # a lazy import, inside a function or not
    circles = import_circles(graph)
    assert not circles, "import circles: " + "; ".join(" -> ".join(_one_circle(graph, group)) for group in circles)


def test_the_check_finds_circles_through_packages_relative_and_lazy_imports(tmp_path):
    files = {
        "pkg/__init__.py": "from .a import f\n",
        "pkg/a.py": "def f():\n    from .sub import b\n    return b\n",  # lazy, relative, into a package
        "pkg/sub/__init__.py": "",
        "pkg/sub/b.py": "from pkg import a\n",  # absolute, a module named by ``from``
        "pkg/c.py": "import pkg.sub.b\nfrom . import d\n",
        "pkg/d.py": "from .sub.b import something\nfrom ..elsewhere import x\nimport json\n"
                    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n"
                    "else:\n    import other\n",  # only the else branch runs
        "other/__init__.py": "",
        "other/e.py": "from pkg.sub import b as renamed\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path, ("pkg", "other"))
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub.b"}, "pkg.sub": set(), "pkg.sub.b": {"pkg.a"},
                     "pkg.c": {"pkg.sub.b", "pkg.d"}, "pkg.d": {"pkg.sub.b", "other"}, "other": set(),
                     "other.e": {"pkg.sub.b"}}
    assert import_circles(graph) == [["pkg.a", "pkg.sub.b"]]
    assert _one_circle(graph, ["pkg.a", "pkg.sub.b"]) == ["pkg.a", "pkg.sub.b", "pkg.a"]


# Modest rooms: a module of the package reads in one sitting, a function on one screen or two.
MOST_MODULE_LINES = 600
MOST_FUNCTION_LINES = 80


def test_no_module_of_the_package_is_over_600_lines_nor_a_function_over_80():
    long_modules, long_functions = [], []
    for path in sorted((Path(REPO) / "hf_sincos_cls").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(Path(REPO))
        if len(text.splitlines()) > MOST_MODULE_LINES:
            long_modules.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_FUNCTION_LINES:
                    long_functions.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    assert long_modules == [] and long_functions == []
