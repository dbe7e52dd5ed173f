"""The project's imports flow one way, with no circle: read from the source, lazy imports included.

The allowed direction is written once, in ``LAYERS``: a module may import modules of its own
layer or of a layer below it, never above. Within a layer, and across the tests and the bench,
no set of modules may import one another in a circle, whether at the top of a file, inside a
function, or under ``TYPE_CHECKING``. Test modules and ``conftest`` files are leaves: shared
test code lives in ``tests/helpers.py`` and ``tests/factories.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("readiness", "assessments", "questionnaires", "tests", "bench")

# Top to bottom. A module belongs to the layer of the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The project's entry points: URLs of every app, the home and methodology pages, WSGI, and the
    # command that schedules every app's recurring jobs.
    ("project", ("readiness.urls", "readiness.views", "readiness.wsgi", "readiness.management.commands.schedule_jobs")),
    # Agencies, their clients and portfolios: reads the firm's side, never read by it.
    ("agencies", ("assessments.agencies",)),
    # Firms, assessments, results, benchmarks, the PDF.
    ("assessments", ("assessments",)),
    # Questionnaire content, versions, scoring, official statistics.
    ("questionnaires", ("questionnaires",)),
    # Accounts, sessions, settings and the site's plumbing.
    ("accounts", ("readiness",)),
)


# --- Reading the graph ---------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            modules[module_name(path, root)] = path
    return modules


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The project module ``name`` is, or the package it is in (``a.b.Thing`` -> ``a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The project modules ``module`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module.
            targets = [f"{origin}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            known = _known(target, modules)
            if known is not None and known != module:
                found.add(known)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


# --- The rules -----------------------------------------------------------------------------------


def layer_of(module: str, layers: Iterable[tuple[str, tuple[str, ...]]] = LAYERS) -> int | None:
    """The index of the module's layer (0 is the top), or None for tests and the bench."""
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_name, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def upward_imports(graph: Mapping[str, set[str]], layers=LAYERS) -> list[str]:  # type: ignore[no-untyped-def]
    names = [name for name, _prefixes in layers]
    problems = []
    for source, targets in sorted(graph.items()):
        here = layer_of(source, layers)
        if here is None:
            continue
        for target in sorted(targets):
            there = layer_of(target, layers)
            if there is not None and there < here:
                problems.append(f"{source} ({names[here]}) imports {target} ({names[there]}), a layer above it")
    return problems


def imports_of_test_modules(graph: Mapping[str, set[str]]) -> list[str]:
    def is_test_module(name: str) -> bool:
        last = name.rpartition(".")[2]
        return last.startswith("test_") or last == "conftest"

    return [
        f"{source} imports {target}: move what it needs to tests/helpers.py"
        for source, targets in sorted(graph.items())
        for target in sorted(targets)
        if is_test_module(target)
    ]


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import one another in a circle (Tarjan's strongly connected
    components of more than one module), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative depth-first search: the graph is a few hundred modules deep at most, but
        # recursion limits are not a thing a test should depend on.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
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
                    if len(component) > 1:
                        found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _describe(component: list[str], graph: Mapping[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "circle: " + "; ".join(edges)


# --- The project as it is ------------------------------------------------------------------------


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    # A few edges known to exist, so an empty or broken reading cannot pass the rules below.
    assert "assessments.models" in graph["assessments.agencies.models"]
    assert "questionnaires.scoring" in graph["assessments.models"]
    assert "assessments.charts.svg_drawing" in graph["assessments.charts.svg"]  # ``from . import x as y``
    assert "assessments.agencies.selectors" in graph["assessments.agencies.tasks"]
    assert len(graph) > 150


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports(import_graph()) == []


def test_no_circle_of_imports() -> None:
    graph = import_graph()
    assert [_describe(c, graph) for c in circles(graph)] == []


def test_test_modules_are_leaves() -> None:
    assert imports_of_test_modules(import_graph()) == []


def test_every_module_of_the_apps_has_a_layer() -> None:
    apps = [name for name in import_graph() if name.split(".")[0] in ("readiness", "assessments", "questionnaires")]
    assert [name for name in apps if layer_of(name) is None] == []


# --- The checks catch what they are for ----------------------------------------------------------


def test_an_upward_import_is_reported() -> None:
    graph = {"assessments.views": {"assessments.agencies.selectors"}, "assessments.agencies.views": {"assessments"}}
    assert upward_imports(graph) == [
        "assessments.views (assessments) imports assessments.agencies.selectors (agencies), a layer above it"
    ]


def test_the_accounts_layer_may_not_import_the_apps_but_the_project_may() -> None:
    graph = {"readiness.backends": {"assessments.models"}, "readiness.urls": {"assessments.agencies.urls"}}
    assert upward_imports(graph) == [
        "readiness.backends (accounts) imports assessments.models (assessments), a layer above it"
    ]


def test_circles_are_found_however_long() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"f"},
        "f": {"e"},
        "g": {"d"},
    }
    assert circles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_lazy_and_relative_imports_are_read(tmp_path: Path) -> None:
    package = tmp_path / "assessments"
    (package / "charts").mkdir(parents=True)
    for name in ("__init__.py", "charts/__init__.py", "charts/spec.py", "models.py", "services.py"):
        (package / name).write_text("")
    (package / "charts" / "svg.py").write_text("from . import spec as s\nfrom ..models import Firm\n")
    (package / "models.py").write_text("def later():\n    from .services import f\n")
    (package / "services.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import assessments.models\n"
    )
    modules = {module_name(p, tmp_path): p for p in package.rglob("*.py")}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["assessments.charts.svg"] == {"assessments.charts.spec", "assessments.models"}
    assert circles(graph) == [["assessments.models", "assessments.services"]]


def test_importing_a_test_module_is_reported() -> None:
    graph = {"tests.conftest": {"tests.views.test_flow", "tests.helpers"}, "tests.helpers": set()}
    assert imports_of_test_modules(graph) == [
        "tests.conftest imports tests.views.test_flow: move what it needs to tests/helpers.py"
    ]
