"""Loading a store into a ready engine, with Python's cyclic garbage collector kept out of the way.

A snapshot of a large graph is millions of objects that all stay alive. Left alone, the
cyclic collector rescans the growing heap over and over while they are made (at 300,000
rules, indexing takes about 3x as long with it on), and again in its oldest generation
while requests are served. So :func:`load_engine` pauses it while the store exports and the
engine indexes (``Engine`` also pauses it around its own indexing). :func:`settle_heap` then collects once, freeing whatever cycles the build left or
an engine since replaced held, and freezes the survivors, which later collections skip.
The service settles after every rebuild, since it runs for long and rebuilds on every
write; a CLI command, which exits after one answer, only loads. The store pauses the
collector inside its own bulk export and import.

Example:
    >>> from pathways.store import open_store
    >>> engine = load_engine(open_store("sqlite:///:memory:"))
    >>> settle_heap()
    >>> len(engine.rules), gc.isenabled()
    (0, True)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from .engine import Engine
from .store import Store

__all__ = ["gc_paused", "load_engine", "settle_heap"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, if it is on, for the duration of the block.

    Reference counting still frees as usual; cycles made meanwhile wait for the next
    collection. Nested or concurrent pauses are harmless: only the one that found the
    collector on turns it back on.

    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def load_engine(store: Store) -> Engine:
    """An engine over a snapshot of ``store``, built with the collector paused.

    Call :func:`settle_heap` once the engine is in place (and any engine it replaces has
    been let go).
    """
    with gc_paused():
        return Engine(store.export())


def settle_heap() -> None:
    """Collect once, then freeze every object still alive so later collections skip it.

    Objects frozen earlier (an engine since replaced) are unfrozen first, so the cycles
    they hold, if any, are collected too. One full collection costs about as much as
    scanning the heap once: seconds for a graph of a million rules, paid once per build
    instead of on every oldest-generation collection while serving.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
