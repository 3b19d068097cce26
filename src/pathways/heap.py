"""Python's cyclic garbage collector kept out of the way of large graphs.

A snapshot of a large graph is millions of objects that all stay alive. Left alone, the
cyclic collector rescans the growing heap over and over while they are made (at 300,000
rules, a store's export and the engine's indexing each take about 3x as long with it on),
and again in its oldest generation while requests are served. So bulk reads and writes and
the engine's indexing run inside :func:`gc_paused`, and :func:`settle_heap` then collects
once and freezes the survivors, which later collections skip.

This module imports nothing of the package, so every layer may use it.

Example:
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> settle_heap()
    >>> gc.isenabled()
    True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused", "settle_heap"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, if it is on, for the duration of the block.

    Reference counting still frees as usual; cycles made meanwhile wait for the next
    collection. Nested or concurrent pauses are harmless: only the one that found the
    collector on turns it back on.

    >>> with gc_paused():
    ...     with gc_paused():
    ...         pass
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
