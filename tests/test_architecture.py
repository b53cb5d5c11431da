"""The layout in docs/ARCHITECTURE.md, held against the code: each stage imports only the stages
below it, and no module reaches itself through its imports.

Imports inside functions count: a lazy import is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "notify"

BASE = {"notify", "notify.errors", "notify.resources", "notify.clock", "notify.signing"}
# Each part, and the parts it may import (besides itself and BASE). The flow runs one way:
# record <- policy <- render <- review <- cli/web, with store and delivery below review.
MAY_IMPORT = {
    "record": set(),
    "policy": {"record"},
    "render": {"record", "policy"},
    "store": {"record"},
    "delivery": {"record", "store"},
    "settings": {"record", "policy"},
    "review": {"record", "policy", "render", "store", "delivery", "settings"},
    "web": {"record", "policy", "render", "store", "delivery", "settings", "review"},
    "cli": {"record", "policy", "render", "store", "delivery", "settings", "review", "web"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, *, typing_too: bool = True) -> list[tuple[int, str]]:
    """(line, module) for every notify module this file imports, `from notify.x import y` as
    notify.x.y when y is a module of its own. `typing_too=False` leaves out imports under
    `if TYPE_CHECKING:`, which name a type and load nothing at run time."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if not typing_too and id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("notify")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("notify"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.append((node.lineno, child if child in MODULES else node.module))
    return found


def part(module: str) -> str | None:
    if module in BASE:
        return None
    return module.split(".")[1]


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_belongs_to_a_part_of_the_flow() -> None:
    strays = [m for m in MODULES if m not in BASE and part(m) not in MAY_IMPORT]
    assert not strays, f"modules outside every part of docs/ARCHITECTURE.md: {strays}"


def test_no_stage_imports_a_stage_above_it() -> None:
    upward = []
    for module, path in MODULES.items():
        here = part(module)
        for line, target in imports(path):
            there = part(target)
            if here is None and there is not None:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: base module imports {target}")
            elif here is not None and there not in (None, here) and there not in MAY_IMPORT[here]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {target} ({there})")
    assert not upward, "imports against the flow:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    """Among imports that load code (a type named for the checker is not one); the layering test
    above counts those too."""
    graph = {m: {t for _, t in imports(p, typing_too=False) if t in MODULES and t != m} for m, p in MODULES.items()}
    for package in [m for m in MODULES if MODULES[m].name == "__init__.py"]:
        for module in graph:  # a package's face is not a dependency of its own modules
            graph[module].discard(package) if module.startswith(package + ".") else None
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_sql_lives_only_in_the_store() -> None:
    statement = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "ALTER ", "DROP ")
    outside = []
    for module, path in MODULES.items():
        if part(module) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(statement):
                outside.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value[:60]!r}")
    assert not outside, "SQL outside notify/store/:\n" + "\n".join(outside)
