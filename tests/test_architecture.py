"""The layering of STYLE.md, kept by a test: dependencies point one way only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "pathways"

# What each layer may import from pathways (besides itself).
ALLOWED = {
    "model": {"errors"},
    "engine": {"errors", "heap", "model"},
    "store": {"errors", "heap", "model"},
    "io": {"errors", "model"},
    "heap": set(),
}


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = path.relative_to(SRC).parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(pkg[: len(pkg) - node.level + 1])
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("pathways"):
                target = node.module.split(".")[1:]
            else:
                continue
            if target:
                found.add(target[0].removesuffix(".py"))
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pathways."):
                    found.add(alias.name.split(".")[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in MODULES if _layer(p) in ALLOWED], ids=lambda p: str(p.relative_to(SRC)))
def test_layer_imports_point_one_way(path: Path) -> None:
    layer = _layer(path)
    stray = _imports(path) - ALLOWED[layer] - {layer}
    assert not stray, f"{path.relative_to(SRC)} ({layer}) imports {sorted(stray)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_module_declares_its_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.relative_to(SRC)} has no module docstring"
    names = {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
             for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
    assert "__all__" in names, f"{path.relative_to(SRC)} has no __all__"


def test_no_module_is_called_utils_or_helpers() -> None:
    assert not [p for p in MODULES if p.stem in {"utils", "helpers", "misc", "common"}]
