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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import InvalidInput, StoreError, StoreUnavailable
from ..model import Document, Institution, KnownIds, Node, Rule, check_references
from .base import AuditEntry, Change, ImportSummary, NodeQuery, RuleQuery

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


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
        """Merge ``doc`` by id in one transaction (see :class:`~pathways.store.base.Store`)."""
        try:
            with self._tx() as db:
                check_references(doc, self.known_ids())
                changes: list[Change] = []
                for inst in doc.institutions:
                    self._upsert(db, changes, "institution", "institutions", inst.id, inst.to_json(), ())
                for node in doc.nodes:
                    data = node.to_json()
                    search = f"{node.id}\n{node.title}".lower()
                    self._upsert(db, changes, "node", "nodes", node.id, data, (node.kind, node.institution, search))
                for rule in doc.rules:
                    created_or_updated = self._upsert(
                        db, changes, "rule", "rules", rule.id, rule.to_json(), (rule.kind, rule.granted_by, rule.status)
                    )
                    if created_or_updated:
                        db.execute("DELETE FROM rule_touches WHERE rule=?", (rule.id,))
                        touched = rule.mentions() | {g.node for g in rule.grants}
                        db.executemany("INSERT INTO rule_touches VALUES (?, ?)", [(n, rule.id) for n in sorted(touched)])
                version = self._bump(db, actor, action, changes) if changes else self._version(db)
        except sqlite3.Error as err:
            raise StoreError(f"SQLite write failed, nothing written: {err}") from None
        return ImportSummary(tuple(changes), version)

    _COLUMNS = {
        "institutions": "",
        "nodes": ", kind, institution, search",
        "rules": ", kind, granted_by, status",
    }

    def _upsert(
        self,
        db: sqlite3.Connection,
        changes: list[Change],
        entity: str,
        table: str,
        id: str,
        data: dict[str, Any],
        extra: tuple[Any, ...],
    ) -> bool:
        text = _dumps(data)
        row = db.execute(f"SELECT data FROM {table} WHERE id=?", (id,)).fetchone()
        if row is not None and row[0] == text:
            return False
        cols = self._COLUMNS[table]
        names = ["id", "data", *[c.strip() for c in cols.split(",") if c.strip()]]
        marks = ", ".join("?" for _ in names)
        updates = ", ".join(f"{n}=excluded.{n}" for n in names[1:])
        db.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
            (id, text, *extra),
        )
        changes.append(Change(entity, id, "created" if row is None else "updated"))
        return True

    def _version(self, db: sqlite3.Connection) -> int:
        return int(db.execute("SELECT value FROM meta WHERE key='graph_version'").fetchone()[0])

    def _bump(self, db: sqlite3.Connection, actor: str, action: str, changes: list[Change]) -> int:
        version = self._version(db) + 1
        db.execute("UPDATE meta SET value=? WHERE key='graph_version'", (str(version),))
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        db.execute(
            "INSERT INTO audit (at, actor, action, changes) VALUES (?, ?, ?, ?)",
            (at, actor, action, json.dumps([c.as_json() for c in changes])),
        )
        return version

    # reads

    def export(self) -> Document:
        """The whole graph as one document (see :class:`~pathways.store.base.Store`)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                insts = [Institution.model_validate_json(r[0]) for r in self._db.execute("SELECT data FROM institutions ORDER BY id")]
                nodes = [Node.model_validate_json(r[0]) for r in self._db.execute("SELECT data FROM nodes ORDER BY id")]
                rules = [Rule.model_validate_json(r[0]) for r in self._db.execute("SELECT data FROM rules ORDER BY id")]
            finally:
                self._db.execute("COMMIT")
        return Document(institutions=insts, nodes=nodes, rules=rules)

    def known_ids(self) -> KnownIds:
        """Institution ids and node kinds, for reference checks."""
        return KnownIds(
            institutions={r[0] for r in self._read("SELECT id FROM institutions")},
            nodes=dict(self._read("SELECT id, kind FROM nodes")),  # type: ignore[arg-type]
        )

    def version(self) -> int:
        """The graph version: 0 for an empty store, +1 per write that changed something."""
        return int(self._read("SELECT value FROM meta WHERE key='graph_version'")[0][0])

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

    def audit(self, *, limit: int = 100, after: int | None = None) -> list[AuditEntry]:
        rows = self._read(
            "SELECT seq, at, actor, action, changes FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
            (after or 0, limit),
        )
        return [
            AuditEntry(seq, dt.datetime.fromisoformat(at), actor, action, tuple(Change(**c) for c in json.loads(changes)))
            for seq, at, actor, action, changes in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()
