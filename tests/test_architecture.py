"""The house's rules, checked on the source (ARCHITECTURE.md): no import circles anywhere, lower
layers never import higher ones, and migrations import no application code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lower layers first; a package may import its own modules and those of lower layers only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("store",),
    ("models",),
    ("access", "ledger"),
    ("metrics", "feeds"),
    ("api", "dashboard"),
    ("seed",),
    ("d2a",),
)
LAYER = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
PACKAGES = frozenset(LAYER) | {"migrations"}


def modules() -> dict[str, Path]:
    """Every module of the application's packages, by dotted name."""
    found = {}
    for package in sorted(PACKAGES):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The application modules `path` imports, wherever the import stands (inside functions
    and `if TYPE_CHECKING:` blocks too): a circle is a circle however it is hidden."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [n if n in known else node.module for n in names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                yield name


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imports(path, known)) - {name} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Imports of a package of the same or a higher layer (other than one's own package)."""
    wrong = []
    for source, targets in sorted(edges.items()):
        package = source.split(".")[0]
        if package == "migrations":
            continue
        for target in sorted(targets):
            other = target.split(".")[0]
            if other != package and (other == "migrations" or LAYER[other] >= LAYER[package]):
                wrong.append(f"{source} imports {target}")
    return wrong


def test_there_is_no_import_circle() -> None:
    assert circles(graph()) == []


def test_no_layer_imports_its_own_or_a_higher_one() -> None:
    assert upward(graph()) == []


def test_migrations_import_no_application_code() -> None:
    """A migration runs against the schema of its own revision, so it must not call code that
    changes with later revisions (its env.py, the runner, reads the URL and the models)."""
    edges = graph()
    versions = {m: t for m, t in edges.items() if m.startswith("migrations.versions.")}
    assert versions, "no migrations found"
    assert {m: sorted(t) for m, t in versions.items() if t} == {}


def test_only_the_store_knows_which_database_it_talks_to() -> None:
    """Dialect differences live in store/ (store.dialect); no other code asks the dialect."""
    asking = [
        str(path.relative_to(ROOT))
        for name, path in modules().items()
        if not name.startswith("store") and "dialect.name" in path.read_text(encoding="utf-8")
    ]
    assert asking == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_circle_finder_finds_circles(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert circles(edges) == expected


def test_the_layer_check_finds_an_upward_import() -> None:
    assert upward({"ledger.ingest": {"metrics.tally"}}) == ["ledger.ingest imports metrics.tally"]
    assert upward({"metrics.tally": {"ledger.changes"}}) == []
    assert upward({"access.roles": {"ledger.events"}}) == ["access.roles imports ledger.events"]
