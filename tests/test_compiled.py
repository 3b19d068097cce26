"""The engine modules that setup.py compiles with mypyc: compiled, and their doctests, run
from source (a compiled module keeps no docstrings)."""

from __future__ import annotations

import doctest
import importlib
import os
from pathlib import Path

import pytest

from tests.engine.sources import COMPILED, ROOT, from_source, module_name

with from_source() as modules:  # the finder looks a function's module up in sys.modules
    DOCTESTS = [t for m in modules.values() for t in doctest.DocTestFinder().find(m) if t.examples]


@pytest.mark.parametrize("path", COMPILED)
def test_the_module_imports_compiled(path: str) -> None:
    if os.environ.get("PATHWAYS_PURE_PYTHON"):
        pytest.skip("installed without compiling (PATHWAYS_PURE_PYTHON)")
    module = importlib.import_module(module_name(path))
    assert module.__file__ is not None and module.__file__.endswith(".so"), module.__file__
    # an extension older than its source runs the code before the edit: `make` rebuilds it
    assert Path(module.__file__).stat().st_mtime >= (ROOT / path).stat().st_mtime, f"{path} changed since it was compiled: run make"


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_doctest_from_source(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out: list[str] = []
    with from_source():
        result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
