"""The Store protocol: the one interface both stores (SQLite, Neo4j) implement.

Every write is one import of a ``pathways/1`` :class:`~pathways.model.Document`: the store
resolves its references against the document plus what it holds, and writes all of it in
one transaction or nothing. Each write bumps the graph's ``version`` and appends an audit
entry (who, when, what changed). Readers page with an opaque ``after`` cursor: the last id
of the previous page.

Example:
    >>> from pathways.store import open_store
    >>> store = open_store("sqlite:///:memory:")
    >>> store.counts()
    {'institutions': 0, 'nodes': 0, 'rules': 0}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..model import Document, Institution, KnownIds, Node, Rule

__all__ = ["AuditEntry", "Change", "ImportSummary", "NodeQuery", "RuleQuery", "Store"]


@dataclass(frozen=True, slots=True)
class Change:
    """One entity an import touched: ``op`` is ``created`` or ``updated``."""

    entity: str
    id: str
    op: str

    def as_json(self) -> dict[str, str]:
        return {"entity": self.entity, "id": self.id, "op": self.op}


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did: the changes, and the graph version after it."""

    changes: tuple[Change, ...]
    version: int

    def counts(self) -> dict[str, int]:
        """Number of created and updated entities, by ``"<entity> <op>"``."""
        out: dict[str, int] = {}
        for c in self.changes:
            key = f"{c.entity}s {c.op}"
            out[key] = out.get(key, 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One write: a sequence number, who (the token's role), when, the action and what changed."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    changes: tuple[Change, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "changes": [c.as_json() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class NodeQuery:
    """Filters of ``GET /nodes``; ``q`` matches id or title, case-insensitively."""

    kind: str | None = None
    institution: str | None = None
    q: str | None = None
    limit: int = 100
    after: str | None = None


@dataclass(frozen=True, slots=True)
class RuleQuery:
    """Filters of ``GET /rules``; ``touches`` is a node id mentioned in the requirement or granted."""

    granted_by: str | None = None
    kind: str | None = None
    status: str | None = None
    touches: str | None = None
    limit: int = 100
    after: str | None = None


@runtime_checkable
class Store(Protocol):
    """A graph store. Implementations: :mod:`pathways.store.sqlite`, :mod:`pathways.store.neo4j`."""

    kind: str
    """``"sqlite"`` or ``"neo4j"``: what ``GET /health`` reports."""

    def import_document(self, doc: Document, *, actor: str, action: str = "import") -> ImportSummary:
        """Merge ``doc`` by id in one transaction; raise ``InvalidDocument`` and write nothing
        when a reference resolves neither in ``doc`` nor in the store."""
        ...

    def export(self) -> Document:
        """The whole graph; ``import_document(export())`` into an empty store reproduces it."""
        ...

    def known_ids(self) -> KnownIds:
        """Institution ids and node ids with their kind, for reference checks."""
        ...

    def version(self) -> int:
        """A number that every write increases: replicas refresh their engine when it changes."""
        ...

    def counts(self) -> dict[str, int]:
        """Number of institutions, nodes and rules."""
        ...

    def get_institution(self, id: str) -> Institution | None: ...

    def get_node(self, id: str) -> Node | None: ...

    def get_rule(self, id: str) -> Rule | None: ...

    def list_institutions(self) -> list[Institution]:
        """Every institution, by id."""
        ...

    def list_nodes(self, query: NodeQuery) -> list[Node]:
        """Nodes matching ``query``, by id, after ``query.after``, at most ``query.limit``."""
        ...

    def list_rules(self, query: RuleQuery) -> list[Rule]:
        """Rules matching ``query``, by id, after ``query.after``, at most ``query.limit``."""
        ...

    def audit(self, *, limit: int = 100, after: int | None = None) -> list[AuditEntry]:
        """Audit entries in write order, after sequence number ``after``."""
        ...

    def close(self) -> None: ...
