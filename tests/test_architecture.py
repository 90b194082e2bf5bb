"""The package's import graph has no circles, and lower layers never import higher ones (docs/architecture.md).

Every import of a package module counts, at the top of a module or inside a function; only
`if TYPE_CHECKING:` blocks are exempt, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "resolver"

# Layers, lowest first: a module may import its own layer and the ones before it, never a later one.
LAYERS = [
    {"errors", "support"},
    {"evidence", "conditions"},
    {"rulebook"},
    {"engine", "loading"},
    {"validation", "sync"},
    {"api", "batch", "dask", "compat", "inventory"},
    {"cli", "__init__", "__main__"},
]
# The one sanctioned upward reach: Resolution.load() / .model_class() call into loading (design.md).
ALLOWED_UPWARD = {("resolver.engine.resolution", "resolver.loading.calls")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Package modules `path` imports (top level and inside functions), TYPE_CHECKING blocks aside."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in child.names)  # `from pkg import module`
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {target for target in found if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: every strongly connected component of the graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for number, names in enumerate(LAYERS):
        if top in names:
            return number
    raise AssertionError(f"{module} belongs to no layer: add its folder to LAYERS and to docs/architecture.md")


def test_no_import_circles():
    circles = [component for component in strongly_connected(import_graph()) if len(component) > 1]
    assert circles == [], f"modules that import each other in a circle: {circles}"


def test_lower_layers_never_import_higher_ones():
    upward = [
        (module, target)
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(target) > layer_of(module) and (module, target) not in ALLOWED_UPWARD
    ]
    assert upward == [], f"imports that reach a higher layer: {upward}"


def test_the_checker_sees_circles_and_function_imports(tmp_path):
    """The check itself can fail: a circle through a function-level import is found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import x\n")
    (package / "b.py").write_text("def f():\n    from pkg import a\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    modules = {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    global PACKAGE
    saved, PACKAGE = PACKAGE, package
    try:
        graph = {module_name(p): imports_of(p, modules) for p in sorted(package.rglob("*.py"))}
    finally:
        PACKAGE = saved
    assert graph["pkg.c"] == set()
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [["pkg.a", "pkg.b"]]


def test_no_private_names_cross_modules():
    """`from resolver.x import _name` is a private name used outside its module: make it public."""
    crossing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("resolver")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
                crossing += [f"{module_name(path)}: {name}" for name in private]
    assert crossing == [], crossing


def test_the_wheel_lists_every_sub_package():
    """pyproject.toml names packages explicitly: a sub-package missing there is missing from the wheel."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    present = {module_name(path) for path in PACKAGE.rglob("__init__.py")}
    assert present - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
