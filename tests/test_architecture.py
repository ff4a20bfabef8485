"""The package's shape: layers that point one way, faces that only re-export, small modules
that say what they own (read from the source with `ast`, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

ZOO = Path(__file__).resolve().parents[1] / "zoo"
# Bottom to top: a module may import its own layer and those below it, never one above.
# `api`: Python entry points that run the harness and write the report (`zoo.benchmark`).
LAYERS = ["errors", "backend", "data", "specs", "models", "metrics", "bench", "report", "api",
          "tools", "cli"]  # fmt: skip
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(ZOO.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sorted(ZOO.rglob("*.py"))
    }


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "zoo" and len(parts) > 1 else None


def _imported(node: ast.AST) -> set[str]:
    """The zoo modules (and, for `from m import x`, the possible submodules `m.x`) that an
    import statement names; nothing for any other node."""
    found = set()
    if isinstance(node, ast.Import):
        found |= {a.name for a in node.names}
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        found.add(node.module)
        found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] == "zoo"}


def _imports(path: Path) -> set[str]:
    """Every zoo module `path` imports: at the top, in functions, anywhere."""
    return {m for node in ast.walk(ast.parse(path.read_text())) for m in _imported(node)}


def _imports_in_functions(path: Path) -> list[tuple[int, str]]:
    """(line, statement) of every import of a zoo module inside a function body."""
    found = []
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if _imported(node):
                    found.append((node.lineno, ast.unparse(node)))
    return sorted(set(found))


def test_layers_point_one_way():
    """data -> specs -> models -> metrics -> bench -> report -> api -> tools -> cli (errors and
    backend below all): no module imports a layer above its own, even inside a function."""
    upward = []
    for module, path in _modules().items():
        mine = _layer(module)
        if mine not in LAYERS:
            continue  # the package face and __main__ sit on top
        for target in _imports(path):
            theirs = _layer(target)
            if theirs in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
                upward.append(f"{module} -> {target}")
    assert not upward, upward


def test_no_import_cycles():
    """Imports between zoo's modules form no cycle, counting those inside functions (an
    import deferred into a function still ties the two modules together)."""
    modules = _modules()
    graph = {m: {t for t in _imports(p) if t in modules and t != m}
             for m, p in modules.items()}  # fmt: skip
    # A package's own import of a submodule is not an edge back into it.
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            assert state.get(t) != 1, " -> ".join([*path, m, t])
            if t not in state:
                visit(t, [*path, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_zoo_modules_are_imported_at_the_top():
    """Only the CLI imports zoo's own modules inside functions: it imports the harness when a
    command runs, so that `zoo --help` and usage errors answer before TensorFlow starts.
    Anywhere else such an import hides a dependency (or a cycle) from the reader."""
    offenders = [
        f"{path.relative_to(ZOO.parent)}:{line}: {statement}"
        for module, path in _modules().items()
        if _layer(module) != "cli"
        for line, statement in _imports_in_functions(path)
    ]
    assert not offenders, "\n".join(offenders)


def test_package_faces_only_reexport():
    """Every `__init__.py` holds a docstring, imports and `__all__` (the top-level face also
    sets TensorFlow's log level and re-exports lazily, so `import zoo` stays fast)."""
    allowed = (ast.Import, ast.ImportFrom)
    for module, path in _modules().items():
        if path.name != "__init__.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, allowed) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            ):
                continue
            if isinstance(node, ast.Assign) and all(
                isinstance(t, ast.Name) and t.id in ("__all__", "__version__", "_LAZY")
                for t in node.targets
            ):
                continue
            face = module == "zoo" and (
                (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
                or (isinstance(node, ast.Expr) and "setdefault" in ast.unparse(node))
            )
            assert face, f"{path}: {ast.unparse(node)[:80]} is not a re-export"


def test_modules_are_small_and_say_what_they_own():
    for module, path in _modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{module} has {lines} lines (at most ~{MAX_LINES})"
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc) > 20, f"{module} has no docstring saying what it owns"


MAX_FUNCTION_LINES = 60


def test_functions_of_the_harness_and_the_reports_are_short():
    """No function in zoo/bench or zoo/report is over ~60 lines (split by what it does)."""
    long = []
    for module, path in _modules().items():
        if _layer(module) not in ("bench", "report"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {lines} lines")
    assert not long, long
