"""Builds pathways with the evaluation's hot modules compiled to C by mypyc.

An answer's CPU goes nearly all to a few engine modules (the rounds, the outlooks and exact
progress of the shaped answer). mypyc, the compiler that comes with mypy, turns these already
strictly typed modules into C extensions that run the same code about twice as fast
(docs/benchmarks.md, "Compiled engine"). pyproject.toml's ``[tool.pathways] compiled`` lists
them. Their ``.py`` files stay the source: an editable install builds the extensions beside
them (``make`` rebuilds them when an engine module changes), and ``PATHWAYS_PURE_PYTHON=1``
installs without compiling (no C compiler needed; the same answers, slower).

Example:
    PATHWAYS_PURE_PYTHON=1 pip install -e .
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
COMPILED: list[str] = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pathways"]["compiled"]

if os.environ.get("PATHWAYS_PURE_PYTHON"):
    setup()
else:
    from mypyc.build import mypycify

    setup(ext_modules=mypycify(["--config-file", "pyproject.toml", *COMPILED], opt_level="3", group_name="pathways_engine"))
