"""The embedded default store: one SQLite file, WAL, foreign keys, one transaction per write.

Entities are kept as their ``pathways/1`` JSON beside the columns that filters use; a
``rule_touches`` table indexes the nodes each rule mentions or grants (``GET /rules?touches=``).
``meta`` holds the schema version and the graph version that every write bumps.

Example:
    >>> from pathways.model import Document, Institution
    >>> store = SQLiteStore.open("sqlite:///:memory:")
    >>> summary = store.import_document(Document(institutions=[Institution(id="UFV", name="UFV")]), actor="admin")
    >>> [c.op for c in summary.changes], store.version()
    (['created'], 1)
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote

from pydantic import BaseModel

from ..errors import InvalidInput, StoreError, StoreUnavailable
from ..heap import gc_paused
from ..model import Document, Institution, KnownIds, Node, Rule, check_references
from .base import AuditEntry, AuditQuery, Change, ImportSummary, NodeQuery, RuleQuery, collect_audit, field_changes

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS institutions (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    institution TEXT REFERENCES institutions(id),
    search TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind, id);
CREATE INDEX IF NOT EXISTS nodes_institution ON nodes(institution, id);
CREATE TABLE IF NOT EXISTS rules (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    granted_by TEXT NOT NULL REFERENCES institutions(id),
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rules_granted_by ON rules(granted_by, id);
CREATE TABLE IF NOT EXISTS rule_touches (
    node TEXT NOT NULL,
    rule TEXT NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    PRIMARY KEY (node, rule)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rule_touches_rule ON rule_touches(rule);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
"""


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _dumps(data: dict[str, Any]) -> str:
    """The stored text of an entity: canonical, so that equal entities compare equal as text."""
    return _ENCODER.encode(data)


M = TypeVar("M", Institution, Node, Rule)


def _parse_rows(cls: type[M], rows: Iterable[tuple[str]], shared: dict[frozenset[str], set[str]]) -> list[M]:
    """Parse stored JSON into ``cls`` entities whose records of explicitly set fields are shared.

    Pydantic gives every instance its own ``__pydantic_fields_set__``: about 700 bytes for a
    rule, a third of what a parsed rule takes, repeated 1.5 million times in a CUNY-size
    snapshot, though a graph has only a handful of distinct ones. Equal ones are shared
    (the rule's grants and a node's limits too), as each row is parsed so that the copies
    never pile up. Sharing is safe because entities are frozen, so pydantic never adds to
    the set in place (``model_copy`` copies it first); ``model_fields_set`` and equality are
    unchanged.

    >>> a, b = _parse_rows(Institution, [('{"id":"A","name":"A"}',), ('{"id":"B","name":"B"}',)], {})
    >>> a.model_fields_set is b.model_fields_set, sorted(b.model_fields_set)
    (True, ['id', 'name'])
    """
    set_slot = object.__setattr__
    parse = cls.model_validate_json
    out: list[M] = []
    for (text,) in rows:
        entity = parse(text)
        parts: Iterable[BaseModel] = (
            entity.grants if isinstance(entity, Rule) else (entity.limits,) if isinstance(entity, Node) and entity.limits else ()
        )
        for model in (entity, *parts):
            fields = model.__pydantic_fields_set__
            set_slot(model, "__pydantic_fields_set__", shared.setdefault(frozenset(fields), fields))
        out.append(entity)
    return out


class SQLiteStore:
    """A :class:`~pathways.store.base.Store` in one SQLite file (``sqlite:///path.db``)."""

    kind = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._lock = threading.RLock()
            self._migrate()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"cannot open SQLite store {path!r}: {err}") from None

    @classmethod
    def open(cls, url: str) -> SQLiteStore:
        """Open ``sqlite:///relative/or/absolute.db`` (``sqlite:////abs`` also works) or ``sqlite:///:memory:``."""
        rest = url.split("://", 1)[1] if "://" in url else ""
        path = unquote(rest[1:] if rest.startswith("/") else rest)
        if not path:
            raise InvalidInput.one("PATHWAYS_STORE", f"no file in SQLite URL {url!r}: expected sqlite:///path/to/file.db")
        return cls(path)

    def _migrate(self) -> None:
        with self._tx():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema_version', ?), ('graph_version', '0')", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreUnavailable(f"store {self.path!r} has schema version {row[0]}; this pathways knows up to {SCHEMA_VERSION}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as err:
                raise StoreError(f"SQLite read failed: {err}") from None

    # writes

    def import_document(self, doc: Document, *, actor: str, action: str = "import") -> ImportSummary:
        """Merge ``doc`` by id in one transaction (see :class:`~pathways.store.base.Store`).

        Bulk work, done in batches of :attr:`_BATCH` entities: one query reads the rows held
        for a batch's ids, one ``executemany`` writes those that changed, two more replace
        their ``rule_touches``; the cyclic garbage collector is paused meanwhile. Each batch
        sees the ones before it, so the result is that of writing entity by entity.
        """
        try:
            with gc_paused(), self._tx() as db, self._bulk_page_cache(len(doc.nodes) + len(doc.rules)):
                check_references(doc, self.known_ids())
                changes: list[Change] = []
                for start in range(0, len(doc.institutions), self._BATCH):
                    insts = doc.institutions[start : start + self._BATCH]
                    self._upsert_batch(db, changes, "institution", "institutions", [(i.id, i.to_json(), ()) for i in insts])
                for start in range(0, len(doc.nodes), self._BATCH):
                    nodes = doc.nodes[start : start + self._BATCH]
                    rows = [(n.id, n.to_json(), (n.kind, n.institution, f"{n.id}\n{n.title}".lower())) for n in nodes]
                    self._upsert_batch(db, changes, "node", "nodes", rows)
                for start in range(0, len(doc.rules), self._BATCH):
                    self._upsert_rules(db, changes, doc.rules[start : start + self._BATCH])
                version = self._bump(db, actor, action, changes) if changes else self._version(db)
        except sqlite3.Error as err:
            raise StoreError(f"SQLite write failed, nothing written: {err}") from None
        return ImportSummary(tuple(changes), version)

    _BULK_CACHE_KIB = 65536

    @contextmanager
    def _bulk_page_cache(self, entities: int) -> Iterator[None]:
        """SQLite's page cache raised to 64 MiB (from 2 MiB) for an import of more than one batch.

        Rows land all over the id-ordered tables and indexes; with the default cache the same
        pages are spilled and read back again and again (a 300,000-rule import takes about a
        quarter longer). The setting is put back afterwards, which shrinks the cache again.
        """
        if entities <= self._BATCH:
            yield
            return
        (before,) = self._db.execute("PRAGMA cache_size").fetchone()
        self._db.execute(f"PRAGMA cache_size=-{self._BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA cache_size={int(before)}")

    _COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "institutions": ("id", "data"),
        "nodes": ("id", "data", "kind", "institution", "search"),
        "rules": ("id", "data", "kind", "granted_by", "status"),
    }

    _BATCH = 500
    """Entities per batch: its ids fit one ``SELECT ... WHERE id IN (...)`` (SQLite allows 999 parameters)."""

    def _upsert_rules(self, db: sqlite3.Connection, changes: list[Change], rules: list[Rule]) -> None:
        """Write one batch of rules, then replace the ``rule_touches`` of those written."""
        rows = [(r.id, r.to_json(), (r.kind, r.granted_by, r.status)) for r in rules]
        written, held = self._upsert_batch(db, changes, "rule", "rules", rows)
        last = {r.id: r for r in rules}
        db.executemany("DELETE FROM rule_touches WHERE rule=?", [(id,) for id in written if id in held])
        db.executemany("INSERT INTO rule_touches VALUES (?, ?)", [
            (node, id) for id in written for node in sorted(last[id].mentions() | {g.node for g in last[id].grants})
        ])  # fmt: skip

    def _upsert_batch(
        self,
        db: sqlite3.Connection,
        changes: list[Change],
        entity: str,
        table: str,
        rows: list[tuple[str, dict[str, Any], tuple[Any, ...]]],
    ) -> tuple[dict[str, None], set[str]]:
        """Write the rows of ``table`` whose JSON differs from what it holds, appending a
        :class:`Change` per written row, in order.

        Returns the ids written (in order, each once) and those of them the table held before.
        A row repeated in ``rows`` is compared with the repetition before it, as a write of
        each in turn would.
        """
        texts = [(id, _dumps(data), extra, data) for id, data, extra in rows]
        ids = list(dict.fromkeys(id for id, _, _, _ in texts))
        marks = ", ".join("?" * len(ids))
        held: dict[str, str] = dict(db.execute(f"SELECT id, data FROM {table} WHERE id IN ({marks})", ids).fetchall())
        current = dict(held)
        written: dict[str, None] = {}
        params: list[tuple[Any, ...]] = []
        for id, text, extra, data in texts:
            before = current.get(id)
            if before == text:
                continue
            current[id] = text
            written[id] = None
            params.append((id, text, *extra))
            fields = field_changes(None if before is None else json.loads(before), data)
            changes.append(Change(entity, id, "created" if before is None else "updated", fields))
        names = self._COLUMNS[table]
        updates = ", ".join(f"{n}=excluded.{n}" for n in names[1:])
        db.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) ON CONFLICT(id) DO UPDATE SET {updates}",
            params,
        )
        return written, set(held)

    def _version(self, db: sqlite3.Connection) -> int:
        return int(db.execute("SELECT value FROM meta WHERE key='graph_version'").fetchone()[0])

    def _bump(self, db: sqlite3.Connection, actor: str, action: str, changes: list[Change]) -> int:
        version = self._version(db) + 1
        db.execute("UPDATE meta SET value=? WHERE key='graph_version'", (str(version),))
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        # json.dumps of the list, written change by change: a whole-graph import lists every
        # field of every entity, and the dicts of all of them at once held gigabytes
        db.execute(
            "INSERT INTO audit (at, actor, action, changes) VALUES (?, ?, ?, ?)",
            (at, actor, action, "[" + ", ".join(json.dumps(c.as_json()) for c in changes) + "]"),
        )
        return version

    # reads

    def export(self) -> Document:
        """The whole graph as one document (see :class:`~pathways.store.base.Store`).

        One read transaction; rows are parsed one by one with the cyclic garbage collector
        paused, since every object made is kept (with it on, export takes about 3x as long).
        Entities with the same fields set share one record of them (:func:`_parse_rows`).
        """
        with gc_paused(), self._lock:
            self._db.execute("BEGIN")
            try:
                shared: dict[frozenset[str], set[str]] = {}
                insts = _parse_rows(Institution, self._db.execute("SELECT data FROM institutions ORDER BY id"), shared)
                nodes = _parse_rows(Node, self._db.execute("SELECT data FROM nodes ORDER BY id"), shared)
                rules = _parse_rows(Rule, self._db.execute("SELECT data FROM rules ORDER BY id"), shared)
            finally:
                self._db.execute("COMMIT")
            return Document(institutions=insts, nodes=nodes, rules=rules)

    def known_ids(self) -> KnownIds:
        """Institution ids and node kinds, for reference checks."""
        return KnownIds(
            institutions={r[0] for r in self._read("SELECT id FROM institutions")},
            nodes={r[0]: r[1] for r in self._read("SELECT id, kind FROM nodes")},
        )

    def version(self) -> int:
        """The graph version: 0 for an empty store, +1 per write that changed something."""
        return int(self._read("SELECT value FROM meta WHERE key='graph_version'")[0][0])

    def version_now(self) -> int | None:
        """:meth:`version`, unless this process is writing (then ``None`` rather than wait for it)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self.version()
        finally:
            self._lock.release()

    def counts(self) -> dict[str, int]:
        """Number of institutions, nodes and rules."""
        return {t: int(self._read(f"SELECT count(*) FROM {t}")[0][0]) for t in ("institutions", "nodes", "rules")}

    def get_institution(self, id: str) -> Institution | None:
        rows = self._read("SELECT data FROM institutions WHERE id=?", (id,))
        return Institution.model_validate_json(rows[0][0]) if rows else None

    def get_node(self, id: str) -> Node | None:
        rows = self._read("SELECT data FROM nodes WHERE id=?", (id,))
        return Node.model_validate_json(rows[0][0]) if rows else None

    def get_rule(self, id: str) -> Rule | None:
        rows = self._read("SELECT data FROM rules WHERE id=?", (id,))
        return Rule.model_validate_json(rows[0][0]) if rows else None

    def list_institutions(self) -> list[Institution]:
        return [Institution.model_validate_json(r[0]) for r in self._read("SELECT data FROM institutions ORDER BY id")]

    def list_nodes(self, query: NodeQuery) -> list[Node]:
        where, params = ["1=1"], []
        for column, value in (("kind", query.kind), ("institution", query.institution)):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        if query.q:
            where.append("instr(search, ?) > 0")
            params.append(query.q.lower())
        if query.after is not None:
            where.append("id > ?")
            params.append(query.after)
        sql = f"SELECT data FROM nodes WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
        return [Node.model_validate_json(r[0]) for r in self._read(sql, (*params, query.limit))]

    def list_rules(self, query: RuleQuery) -> list[Rule]:
        where, params = ["1=1"], []
        for column, value in (("kind", query.kind), ("granted_by", query.granted_by), ("status", query.status)):
            if value is not None:
                where.append(f"r.{column}=?")
                params.append(value)
        if query.touches is not None:
            where.append("r.id IN (SELECT rule FROM rule_touches WHERE node=?)")
            params.append(query.touches)
        if query.after is not None:
            where.append("r.id > ?")
            params.append(query.after)
        sql = f"SELECT r.data FROM rules r WHERE {' AND '.join(where)} ORDER BY r.id LIMIT ?"
        return [Rule.model_validate_json(r[0]) for r in self._read(sql, (*params, query.limit))]

    def audit(self, query: AuditQuery | None = None, *, limit: int = 100, after: int | None = None) -> list[AuditEntry]:
        """Audit entries in write order (see :class:`~pathways.store.base.Store`); the filters
        run in SQL, the entity's as a text search that :func:`collect_audit` makes exact."""
        query = query or AuditQuery(limit=limit, after=after)
        where, params = ["seq > ?"], []
        for condition, value in (("actor = ?", query.actor), ("at >= ?", query.since_text), ("instr(changes, ?) > 0", query.needle)):
            if value is not None:
                where.append(condition)
                params.append(value)

        def fetch(after: int, limit: int) -> list[AuditEntry]:
            rows = self._read(
                f"SELECT seq, at, actor, action, changes FROM audit WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
                (after, *params, limit),
            )
            return [
                AuditEntry(seq, dt.datetime.fromisoformat(at), actor, action, tuple(Change.from_json(c) for c in json.loads(changes)))
                for seq, at, actor, action, changes in rows
            ]

        return collect_audit(fetch, query)

    def close(self) -> None:
        with self._lock:
            self._db.close()
