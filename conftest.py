"""The doctests of the modules compiled by mypyc run from their source (tests/test_compiled.py):
a compiled module has no docstrings, and its ``.py`` file is not what imports."""

from __future__ import annotations

import tomllib
from pathlib import Path

collect_ignore = tomllib.loads((Path(__file__).parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pathways"]["compiled"]
