"""The layers point one way: browser <- agent <- training <- cli.

Read from the source with ``ast`` (every import, at module level or inside a function), so
a lazy import that climbs a layer fails here as surely as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("browser", "agent", "training", "cli")
"""Lowest first: a package may import its own layer and the ones before it."""


def imported_packages(path: Path) -> set[str]:
    """The top-level packages of our layers that ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(LAYERS)
    return found


def violations(package: str) -> list[str]:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    return [
        f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) - allowed)}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if imported_packages(path) - allowed
    ]


@pytest.mark.parametrize("package", LAYERS)
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    assert violations(package) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from training.bc import train_bc\n    import cli.main\n")
    assert imported_packages(lazy) == {"training", "cli"}
    assert imported_packages(ROOT / "cli" / "main.py") >= {"agent", "browser", "cli"}


def module_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports (packages count as their __init__)."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in LAYERS
        for path in (ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def test_no_two_modules_import_each_other() -> None:
    graph = module_graph()
    mutual = sorted(
        f"{a} <-> {b}" for a, targets in graph.items() for b in targets if a < b and a in graph[b]
    )
    assert mutual == []
