"""The Store protocol: the one interface both stores (SQLite, Neo4j) implement.

Every write is one import of a ``pathways/1`` :class:`~pathways.model.Document`: the store
resolves its references against the document plus what it holds, and writes all of it in
one transaction or nothing. Each write bumps the graph's ``version`` and appends an audit
entry (who, when, what changed). Readers page with an opaque ``after`` cursor: the last id
of the previous page. Each change in the audit log carries the before and after of every
top-level field it changed (:func:`field_changes`, one implementation for both stores).

Example:
    >>> from pathways.store import open_store
    >>> store = open_store("sqlite:///:memory:")
    >>> store.counts()
    {'institutions': 0, 'nodes': 0, 'rules': 0}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidInput
from ..model import Document, Institution, KnownIds, Node, Rule

__all__ = [
    "AuditEntry",
    "AuditQuery",
    "Change",
    "FieldChange",
    "ImportSummary",
    "NodeQuery",
    "RuleQuery",
    "Store",
    "collect_audit",
    "field_changes",
    "parse_since",
]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One top-level field of an entity's ``pathways/1`` JSON as it was and as it became
    (``None``: absent, which is also how a null field is stored)."""

    field: str
    before: Any
    after: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


def field_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[FieldChange, ...]:
    """The fields whose value differs between two JSON forms of one entity, by field name.

    ``before`` is ``None`` for a created entity: every field it has is a change from nothing.

    >>> [c.as_json() for c in field_changes({"id": "R", "status": "approved", "note": "x"}, {"id": "R", "status": "retired"})]
    [{'field': 'note', 'before': 'x', 'after': None}, {'field': 'status', 'before': 'approved', 'after': 'retired'}]
    """
    old = before or {}
    return tuple(
        FieldChange(name, old.get(name), after.get(name))
        for name in sorted(old.keys() | after.keys())
        if old.get(name) != after.get(name)
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One entity an import touched: ``op`` is ``created`` or ``updated``, ``fields`` what changed."""

    entity: str
    id: str
    op: str
    fields: tuple[FieldChange, ...] = ()

    def summary_json(self) -> dict[str, str]:
        """``{"entity", "id", "op"}``: what an import's answer lists (the audit log keeps the fields)."""
        return {"entity": self.entity, "id": self.id, "op": self.op}

    def as_json(self) -> dict[str, Any]:
        """``{"entity", "id", "op", "changes": [{"field", "before", "after"}]}``."""
        return {"entity": self.entity, "id": self.id, "op": self.op, "changes": [f.as_json() for f in self.fields]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        """The inverse of :meth:`as_json` (an entry written before diffs were kept has no ``changes``)."""
        fields = tuple(FieldChange(f["field"], f["before"], f["after"]) for f in data.get("changes", ()))
        return cls(data["entity"], data["id"], data["op"], fields)


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

    def touches(self, entity: str) -> bool:
        """Whether the write changed the institution, node or rule with id ``entity``."""
        return any(c.id == entity for c in self.changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "changes": [c.as_json() for c in self.changes],
        }


def parse_since(value: str | None, where: str = "since") -> dt.datetime | None:
    """An ISO date (midnight UTC) or date-time (UTC when it names no offset), or 422 naming ``where``.

    >>> parse_since("2026-01-31")
    datetime.datetime(2026, 1, 31, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput.one(where, f"{value!r} is not an ISO date or date-time (2026-01-31, 2026-01-31T08:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of ``GET /audit``: the entity id a write changed, the actor, writes at or after ``since``."""

    entity: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    limit: int = 100
    after: int | None = None

    @property
    def since_text(self) -> str | None:
        """``since`` as the audit log stores times (UTC ISO 8601 with microseconds), which sort as text."""
        if self.since is None:
            return None
        when = self.since if self.since.tzinfo else self.since.replace(tzinfo=dt.timezone.utc)
        return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")

    @property
    def needle(self) -> str | None:
        """Text every stored entry that changed ``entity`` contains: a cheap test run by the
        database before the exact one (:meth:`AuditEntry.touches`)."""
        return None if self.entity is None else '"id": ' + json.dumps(self.entity)

    def matches(self, entry: AuditEntry) -> bool:
        return (self.actor is None or entry.actor == self.actor) and (self.entity is None or entry.touches(self.entity))


def collect_audit(fetch: Callable[[int, int], list[AuditEntry]], query: AuditQuery) -> list[AuditEntry]:
    """Up to ``query.limit`` entries after ``query.after`` that match ``query`` exactly.

    ``fetch(after, limit)`` returns entries in write order that the database preselected
    (every match among them, perhaps a few more); batches are read until enough match.
    """
    out: list[AuditEntry] = []
    after = query.after or 0
    while len(out) < query.limit:
        batch = fetch(after, query.limit)
        out.extend(e for e in batch if query.matches(e))
        if len(batch) < query.limit:
            break
        after = batch[-1].seq
    return out[: query.limit]


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

    def version_now(self) -> int | None:
        """:meth:`version` if it can be read at once, without a network round trip or waiting
        for a write in progress; ``None`` otherwise (the service then checks off its event loop)."""
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

    def audit(self, query: AuditQuery | None = None, *, limit: int = 100, after: int | None = None) -> list[AuditEntry]:
        """Audit entries in write order matching ``query`` (or, without one, after sequence
        number ``after``, at most ``limit``)."""
        ...

    def close(self) -> None: ...
