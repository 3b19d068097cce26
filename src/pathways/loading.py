"""Loading a store into a ready engine, with Python's cyclic garbage collector kept out of the way.

:func:`load_engine` builds with the collector paused (:func:`pathways.heap.gc_paused`: the
store pauses it inside its own bulk export, and ``Engine`` around its indexing, too). The
caller then settles the heap (:func:`pathways.heap.settle_heap`): the service after every
rebuild, since it runs for long and rebuilds on every write; a CLI command, which exits
after one answer, only loads.

Example:
    >>> from pathways.store import open_store
    >>> engine = load_engine(open_store("sqlite:///:memory:"))
    >>> len(engine.rules), gc.isenabled()
    (0, True)
"""

from __future__ import annotations

import gc

from .engine import Engine
from .heap import gc_paused
from .store import Store

__all__ = ["load_engine"]


def load_engine(store: Store) -> Engine:
    """An engine over a snapshot of ``store``, built with the collector paused.

    Settle the heap (:func:`pathways.heap.settle_heap`) once the engine is in place (and any
    engine it replaces has been let go).
    """
    with gc_paused():
        return Engine(store.export())
