"""The doctests of the modules compiled by mypyc run from their source (tests/test_compiled.py):
a compiled module has no docstrings, and its ``.py`` file is not what imports."""

from __future__ import annotations

from tests.engine.sources import COMPILED

collect_ignore = COMPILED
