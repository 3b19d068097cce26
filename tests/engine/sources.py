"""The engine modules that setup.py compiles with mypyc (pyproject.toml's ``[tool.pathways]
compiled``), imported from their sources, for the tests that look inside them: a spy on a
method (a compiled class's methods cannot be replaced) and their doctests (a compiled module
keeps no docstrings).

Example:
    with from_source() as modules:
        bound = modules["pathways.engine.progress_bound"]._Bound  # the interpreted class
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
COMPILED: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pathways"]["compiled"]
"""The compiled modules' files, relative to the checkout."""


def module_name(path: str) -> str:
    """``src/pathways/engine/rounds.py`` -> ``pathways.engine.rounds``."""
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


SOURCES = {module_name(p): p for p in COMPILED}


class _Sources(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' sources, ahead of their extensions."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        return importlib.util.spec_from_file_location(name, ROOT / SOURCES[name]) if name in SOURCES else None


@contextlib.contextmanager
def in_place(modules: dict[str, types.ModuleType]) -> Iterator[None]:
    """``modules`` in sys.modules and as their packages' attributes meanwhile (what a function
    imports when called finds them too), then what was there before."""
    missing = object()
    places = {name: (sys.modules[name.rpartition(".")[0]], name.rpartition(".")[2]) for name in modules}
    before = {name: (sys.modules.get(name, missing), getattr(parent, attr, missing)) for name, (parent, attr) in places.items()}
    try:
        for name, module in modules.items():
            sys.modules[name] = module
            setattr(*places[name], module)
        yield
    finally:
        for name, (module, value) in before.items():
            if module is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module  # type: ignore[assignment]
            if value is missing:
                delattr(*places[name])
            else:
                setattr(*places[name], value)


@functools.cache
def source_modules() -> dict[str, types.ModuleType]:
    """The compiled modules imported from their sources, together (an interpreted class cannot
    subclass a compiled one), and set aside: sys.modules keeps the compiled ones."""
    compiled = {name: importlib.import_module(name) for name in SOURCES}
    finder = _Sources()
    with in_place(compiled):
        for name in SOURCES:
            del sys.modules[name]
        sys.meta_path.insert(0, finder)
        try:
            modules = {name: importlib.import_module(name) for name in SOURCES}
        finally:
            sys.meta_path.remove(finder)
    assert all(m.__file__ is not None and m.__file__.endswith(".py") for m in modules.values())
    return modules


@contextlib.contextmanager
def from_source() -> Iterator[dict[str, types.ModuleType]]:
    """The compiled modules' sources, in sys.modules meanwhile."""
    modules = source_modules()
    with in_place(modules):
        yield modules
