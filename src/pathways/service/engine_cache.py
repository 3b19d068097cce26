"""The service's current :class:`~pathways.engine.Engine`, rebuilt when the graph changes.

Evaluation, reach, planning and ``agreements`` run on an in-memory engine built from a
snapshot of the store. The cache keeps one engine with the graph version it was built
from and compares that with ``store.version()`` (one small query) at most once every
``check_interval`` seconds (0.25 s by default), so a write made by another replica on the
same store is seen within that interval. A write made through this process calls
:meth:`EngineCache.invalidate`, so the very next request rebuilds: after a successful
``PUT``, ``POST /graph`` or mutation, the next evaluation sees it.

Rebuilding takes a lock: concurrent requests wait for the one rebuild instead of each
starting their own. The version is read *before* the export, so a write that lands during
the export only causes one more rebuild later, never a stale engine labelled fresh. The
build runs with the cyclic garbage collector paused, then the heap is settled and frozen
(:mod:`pathways.loading`, :mod:`pathways.heap`).

Example:
    >>> from pathways.store import open_store
    >>> cache = EngineCache(open_store("sqlite:///:memory:"))
    >>> cache.current().version
    0
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..engine import Engine
from ..engine.impact import ImpactIndex
from ..heap import settle_heap
from ..loading import load_engine
from ..store import Store
from .search import NodeIndex
from ..answers import node_summaries

__all__ = ["EngineCache", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """An engine and the graph version it was built from."""

    version: int
    engine: Engine
    built_at: float = field(default_factory=time.monotonic)

    @cached_property
    def agreements(self) -> dict[tuple[str, str], list[str]]:
        """Transfer rules by (from, to): institutions of the nodes a rule requires -> of those it grants.

        A transfer rule mentioning nodes of several institutions appears under each pair.
        Built on first use per snapshot, then a dictionary lookup.
        """
        rules = self.engine.rules
        kept = {pair: [r for r in ids if rules[r].kind == "transfer"] for pair, ids in self.pairs.items()}
        return {pair: ids for pair, ids in kept.items() if ids}

    @cached_property
    def pairs(self) -> dict[tuple[str, str], list[str]]:
        """Rules of every kind by (institution of a node required, institution of a node granted), for the council's page.

        A "no credit" agreement grants nothing: it pairs with its receiving institution, ``granted_by``."""
        nodes = self.engine.nodes
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for rule_id in sorted(self.engine.rules):
            rule = self.engine.rules[rule_id]
            sources = {nodes[n].institution for n in rule.mentions() if n in nodes}
            targets = {nodes[g.node].institution for g in rule.grants if g.node in nodes} if rule.grants else {rule.granted_by}
            for a in sorted(s for s in sources if s is not None):
                for b in sorted(t for t in targets if t is not None):
                    out[(a, b)].append(rule_id)
        return dict(out)

    @cached_property
    def summaries(self) -> dict[str, dict[str, Any]]:
        """Every node's title, kind, credits, institution name and label, for shaped answers."""
        return node_summaries(self.engine)

    @property
    def answers_ready(self) -> bool:
        """Whether :attr:`summaries`, which every shaped answer reads, is built (it is built on first use)."""
        return "summaries" in self.__dict__

    @cached_property
    def index(self) -> NodeIndex:
        """The node search index of this snapshot."""
        return NodeIndex(self.engine)


    @cached_property
    def impact_index(self) -> ImpactIndex:
        """The reverse indexes ``POST /impact`` walks back through, built on first use per snapshot."""
        return ImpactIndex(self.engine)


class EngineCache:
    """Holds the current engine of ``store`` and refreshes it when the store's version moves."""

    def __init__(self, store: Store, *, check_interval: float = 0.25) -> None:
        self.store = store
        self.check_interval = check_interval
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._stale = True
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether an engine has been built (the app builds it at startup, before serving)."""
        return self._snapshot is not None

    def invalidate(self) -> None:
        """Mark the engine stale: called after every write this process makes."""
        self._stale = True

    def fresh(self) -> Snapshot | None:
        """What :meth:`current` would give when that needs no wait: the snapshot within
        ``check_interval`` of its last check, or the store's version read at once
        (:meth:`~pathways.store.base.Store.version_now`) and unchanged. ``None`` when the check
        would wait (a round trip, a write in progress) or the engine must be rebuilt."""
        snap = self._snapshot
        if snap is None or self._stale:
            return None
        now = time.monotonic()
        if now - self._checked_at < self.check_interval:
            return snap
        if self.store.version_now() != snap.version:
            return None
        self._checked_at = now
        return snap

    def current(self) -> Snapshot:
        """The engine for the graph as it is now (within ``check_interval`` for other writers)."""
        snap = self.fresh()
        if snap is not None:
            return snap
        with self._lock:
            snap = self._snapshot
            now = time.monotonic()
            if snap is not None and not self._stale and now - self._checked_at < self.check_interval:
                return snap
            self._stale = False
            version = self.store.version()
            self._checked_at = now
            if snap is None or snap.version != version:
                snap = Snapshot(version, load_engine(self.store))
                self._snapshot = snap
                settle_heap()  # after the swap, so that the engine replaced is let go first
            return snap
