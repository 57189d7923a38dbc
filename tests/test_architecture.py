"""The codebase's standing rules: areas import downward, small modules, simple functions.

The order of the layers is written once, in ARCHITECTURE.md, and read from there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import kirab

PACKAGE = Path(kirab.__file__).parent
PROJECT = PACKAGE.parent
MAX_LINES = 400
WORST_RANK = "C"


def layers() -> list[tuple[str, set[str]]]:
    """The layers of ARCHITECTURE.md in order, each with the top-level modules it holds."""
    text = (PROJECT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = re.search(r"```text layers\n(.*?)```", text, re.S)
    assert block, "ARCHITECTURE.md has no ```text layers block"
    found = []
    for line in block.group(1).splitlines():
        name, _colon, members = line.partition(":")
        found.append((name.strip(), set((members or name).split())))
    return found


def product_modules() -> list[Path]:
    """Every Python module of the package but the migrations."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def top_name(module: str) -> str:
    """The top-level module or package of a dotted ``kirab`` module name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_kirab_modules(path: Path) -> set[str]:
    """The ``kirab`` modules a file imports, at the top or inside functions alike."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("kirab.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kirab":
                found |= {f"kirab.{alias.name}" for alias in node.names}
            elif node.module.startswith("kirab."):
                found.add(node.module)
    return found


def module_name(path: Path) -> str:
    """The dotted name of a module file."""
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def edges() -> set[tuple[str, str]]:
    """Imports between different top-level areas, as (importer, imported)."""
    found = set()
    for path in product_modules():
        source = top_name(module_name(path))
        for target in imported_kirab_modules(path):
            if top_name(target) != source:
                found.add((source, top_name(target)))
    return found


def test_every_area_has_a_layer():
    """Each top-level module and package of the package is placed in ARCHITECTURE.md."""
    placed = set().union(*(members for _name, members in layers()))
    present = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if path.suffix == ".py" or (path / "__init__.py").exists()
    } - {"migrations"}
    assert present - placed == set()


def test_areas_import_only_downward():
    """A module imports only from its own layer and the layers before it."""
    rank = {member: index for index, (_name, members) in enumerate(layers()) for member in members}
    upward = sorted(f"{a} -> {b}" for a, b in edges() if rank.get(b, -1) > rank.get(a, -1))
    assert upward == []


def area_of(name: str) -> str:
    """The area a top-level name belongs to: a package is its own; a module file, its layer's."""
    if (PACKAGE / name).is_dir():
        return name
    return next((layer for layer, members in layers() if name in members), name)


def test_no_import_cycle_between_areas():
    """The graph of imports between areas has no cycle, within a layer either."""
    graph: dict[str, set[str]] = {}
    for source, target in edges():
        if area_of(source) != area_of(target):
            graph.setdefault(area_of(source), set()).add(area_of(target))
    state: dict[str, str] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_modules_are_small():
    """No product module is longer than 400 lines."""
    long = {
        str(path.relative_to(PROJECT)): lines
        for path in product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_functions_are_simple():
    """No function is more complex than radon's rank C."""
    from radon.complexity import cc_rank, cc_visit

    complex_ = [
        f"{path.relative_to(PROJECT)}:{block.lineno} {block.name} ({cc_rank(block.complexity)})"
        for path in product_modules()
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if cc_rank(block.complexity) > WORST_RANK
    ]
    assert complex_ == []
