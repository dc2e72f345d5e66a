"""The package's layout: data flows down, no import circles, a cheap top-level import.

The import graph is read from the source (every ``import`` statement, inside
functions too, since a deferred import still ties two modules together).
Importing ``a.b.c`` also runs the package ``a.b``'s ``__init__``, so that is an
edge as well; the root package is left out because it imports lazily.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import chromagrid

PACKAGE_DIR = Path(chromagrid.__file__).parent
DRIVERS = {
    "chromagrid.auto",
    "chromagrid.config",
    "chromagrid.pipeline",
    "chromagrid.batch",
    "chromagrid.tiles",
    "chromagrid.cli",
}
#: Subpackages that are drivers as a whole (they build configs and call the pipeline), not stages.
DRIVER_PACKAGES = {"ui"}  # chromagrid.ui: the browser page's server, imported by the CLI only
HEAVY = ("dask", "distributed", "rasterio", "netCDF4", "pandas", "sklearn")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def _imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """The chromagrid modules a module's import statements name (``if TYPE_CHECKING:`` ones too: a circle
    that only type checkers follow is still a circle for the reader)."""
    targets: set[str] = set()
    base = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                source = f"{anchor}.{node.module}" if node.module else anchor
            else:
                source = node.module or ""
            targets.add(source)
            targets.update(f"{source}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in MODULES}


def _with_parents(module: str) -> set[str]:
    """The module and the packages whose ``__init__`` importing it runs (the root package excepted)."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        if name == "chromagrid":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        edges = set().union(*(_with_parents(t) for t in _imported(tree, name, path.name == "__init__.py")))
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            # a module inside a package importing a sibling runs its own package's __init__, which is
            # already being imported: Python allows that, so it is not a circle
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_circle_finder_finds_circles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_import_graph_sees_deferred_imports():
    graph = import_graph()
    # pipeline imports the find stage inside run_panels only, and the heat-map stage inside functions
    assert "chromagrid.find.layout" in graph["chromagrid.pipeline"]
    assert "chromagrid.find" in graph["chromagrid.pipeline"]
    assert "chromagrid.heatmap.cells" in graph["chromagrid.pipeline"]


@pytest.mark.parametrize("stage", sorted({n.split(".")[1] for n in MODULES if n.count(".") >= 2} - DRIVER_PACKAGES))
def test_stages_never_import_a_driver(stage):
    graph = import_graph()
    offenders = {
        m: sorted(graph[m] & DRIVERS) for m in graph if m.startswith(f"chromagrid.{stage}") and graph[m] & DRIVERS
    }
    assert not offenders, f"stage {stage} imports a driver: {offenders}"


@pytest.mark.parametrize(
    "code",
    [
        "import chromagrid",
        "import chromagrid, chromagrid.cli, contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    chromagrid.cli.main(['--help'])",
    ],
)
def test_top_level_import_is_light(code):
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"loaded at start-up: {loaded}"


def test_public_names_resolve_lazily():
    for name in chromagrid.__all__:
        assert getattr(chromagrid, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        chromagrid.nonexistent  # noqa: B018
