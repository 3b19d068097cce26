"""Loading a store into a ready engine: the collector paused while building, settled after."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from pathways.heap import gc_paused, settle_heap
from pathways.loading import load_engine
from pathways.model import Document
from pathways.store import open_store


class _Cycle:
    """An object that refers to itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_load_engine_builds_from_the_store_with_the_collector_back_on(tmp_path: Path, seed_document: Document) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        store.import_document(seed_document, actor="admin")
        assert gc.isenabled()
        engine = load_engine(store)
        assert gc.isenabled()
        assert sorted(engine.rules) == sorted(r.id for r in seed_document.rules)
    finally:
        store.close()


def test_pauses_nest_and_only_the_outer_one_resumes() -> None:
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_settle_frees_cycles_even_from_frozen_objects_and_freezes_the_rest() -> None:
    with gc_paused():
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        gc.freeze()  # as an engine replaced since might have been
        del cycle
    kept = _Cycle()
    settle_heap()
    assert gone() is None
    assert gc.get_freeze_count() > 0 and not any(o is kept for o in gc.get_objects())
    kept.me = None
