"""The Neo4j store: the Store protocol over Bolt with the official ``neo4j`` driver.

For deployments that outgrow one machine (SPEC section 7): several API replicas share one
graph server; each asks :meth:`Neo4jStore.version` (one small query) and rebuilds its
in-memory engine when the number moved. The statements are plain openCypher
(:mod:`pathways.store.cypher`), so the store runs unchanged on Neo4j 5 and on ArcadeDB's
Bolt endpoint, which is what the tests talk to.

An import is one explicit transaction: it locks the graph version, resolves the document's
references against what the graph holds, reads which entities exist and how, then writes
the changed ones as batched ``UNWIND`` statements, bumps the version and appends the audit
entry, and commits. A failure anywhere (a row the database refuses, a dropped connection)
rolls all of it back. Transient failures (a deadlock, an optimistic-concurrency conflict,
a lost connection) are retried from the start within ``retry_time`` seconds.

Example (needs a server, so not a doctest)::

    store = Neo4jStore.open("bolt://neo4j:secret@localhost:7687/neo4j")
    store.import_document(doc, actor="admin")
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import neo4j
from neo4j.exceptions import AuthError, ConstraintError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from ..errors import InvalidInput, PathwaysError, StoreError, StoreUnavailable
from ..model import Document, Institution, KnownIds, Node, Rule, check_references, walk
from ..model.requirements import CreditsWhere
from . import cypher
from .base import AuditEntry, AuditQuery, Change, ImportSummary, NodeQuery, RuleQuery, collect_audit, field_changes

__all__ = ["SCHEMA_VERSION", "Neo4jStore", "parse_url"]

SCHEMA_VERSION = 1

T = TypeVar("T")

_PIECE = 1 << 20
"""Characters of audit text per statement: at most 4 MiB of UTF-8, well under a Bolt message's 16 MiB."""

_BATCH_BYTES = 4 << 20
"""Rows of ``data`` text per ``UNWIND`` at most, whatever ``batch_size`` says (large ``details`` objects)."""


class _WriteConflict(StoreError):
    """Another write committed while this one ran: retry it from the start.

    Neo4j makes concurrent imports wait on the version node's lock. ArcadeDB's transactions
    are optimistic instead: two imports both read version n, and the later commit fails on
    a uniqueness constraint (the audit entry ``seq``, or an id both created). A constraint
    failure while the version moved is that race; with the version unmoved it is a bad row.
    """


def parse_url(url: str) -> tuple[str, tuple[str, str] | None, str | None]:
    """Split a ``PATHWAYS_STORE`` URL into the driver's URI, the credentials and the database.

    >>> parse_url("bolt://neo4j:s%40cret@db.example.org:7687/pathways")
    ('bolt://db.example.org:7687', ('neo4j', 's@cret'), 'pathways')
    >>> parse_url("neo4j://localhost")
    ('neo4j://localhost', None, None)
    """
    parts = urlsplit(url)
    if not parts.hostname:
        raise InvalidInput.one("PATHWAYS_STORE", f"no host in Neo4j URL {_redact(url)!r}: expected bolt://user:password@host:port/database")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput.one("PATHWAYS_STORE", f"bad port in Neo4j URL {_redact(url)!r}") from None
    uri = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username is not None else None
    database = unquote(parts.path.strip("/")) or None
    return uri, auth, database


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _dumps(data: dict[str, Any]) -> str:
    # The same canonical text as the SQLite store: an unchanged entity compares equal.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Neo4jStore:
    """A :class:`~pathways.store.base.Store` on a Bolt server (``bolt://`` or ``neo4j://`` URL).

    ``batch_size`` rows go into each ``UNWIND``; ``retry_time`` bounds how long a write is
    retried after transient failures; ``connect_timeout`` how long reaching the server may take.
    """

    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None,
        database: str | None,
        *,
        batch_size: int = 5000,
        retry_time: float = 15.0,
        connect_timeout: float = 10.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.retry_time = retry_time
        where = f"{uri}/{database}" if database else uri
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=connect_timeout,
                connection_acquisition_timeout=connect_timeout * 2,
                max_transaction_retry_time=retry_time,
                user_agent="pathways",
            )
        except (DriverError, ValueError) as err:
            raise StoreUnavailable(f"cannot use Neo4j store {where}: {err}") from None
        try:
            self._driver.verify_connectivity()
            self._migrate()
        except AuthError:
            self._driver.close()
            user = auth[0] if auth else "(none)"
            raise StoreUnavailable(f"Neo4j store {where} refused the credentials of user {user!r}") from None
        except (ServiceUnavailable, SessionExpired, OSError) as err:
            self._driver.close()
            raise StoreUnavailable(f"cannot reach Neo4j store {where}: {_first_line(err)}") from None
        except (Neo4jError, DriverError) as err:
            self._driver.close()
            raise StoreUnavailable(f"cannot open Neo4j store {where}: {_first_line(err)}") from None
        except PathwaysError:
            self._driver.close()
            raise

    @classmethod
    def open(cls, url: str, **options: Any) -> Neo4jStore:
        """Open ``bolt://user:password@host:port/database`` (or ``neo4j://...``); see :func:`parse_url`."""
        uri, auth, database = parse_url(url)
        return cls(uri, auth, database, **options)

    def _migrate(self) -> None:
        with self._session() as session:
            for statement in cypher.SCHEMA:
                session.run(statement).consume()
            schema = self._retrying(lambda: session.execute_write(_single, cypher.INIT_VERSION, schema=SCHEMA_VERSION))
        if schema is not None and int(schema) > SCHEMA_VERSION:
            raise StoreUnavailable(f"Neo4j store {self.uri} has schema version {schema}; this pathways knows up to {SCHEMA_VERSION}")

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self.database)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn driver errors into the store's own: unreachable server, or a failed statement."""
        try:
            yield
        except (ServiceUnavailable, SessionExpired, AuthError) as err:
            raise StoreUnavailable(f"Neo4j store {self.uri} unavailable while {doing}: {_first_line(err)}") from None
        except (Neo4jError, DriverError) as err:
            raise StoreError(f"Neo4j store failed while {doing}: {_first_line(err)}") from None

    def _retrying(self, work: Callable[[], T]) -> T:
        """Run ``work``, again after a transient failure, until ``retry_time`` has passed."""
        deadline = time.monotonic() + self.retry_time
        delay = 0.05
        while True:
            try:
                return work()
            except (Neo4jError, DriverError, _WriteConflict) as err:
                retryable = isinstance(err, _WriteConflict) or err.is_retryable()
                if not retryable or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _read(self, statement: str, **params: Any) -> list[neo4j.Record]:
        with self._errors("reading"):
            records, _, _ = self._driver.execute_query(
                statement, params, database_=self.database, routing_=neo4j.RoutingControl.READ
            )
            return records

    # writes

    def import_document(self, doc: Document, *, actor: str, action: str = "import") -> ImportSummary:
        """Merge ``doc`` by id in one transaction (see :class:`~pathways.store.base.Store`)."""
        with self._errors("importing, nothing written"):
            return self._retrying(lambda: self._import_once(doc, actor, action))

    def _import_once(self, doc: Document, actor: str, action: str) -> ImportSummary:
        started_at: list[int] = []
        try:
            return self._import_in_transaction(doc, actor, action, started_at)
        except ConstraintError as err:
            if started_at and self.version() != started_at[0]:
                raise _WriteConflict(f"concurrent writes kept conflicting, nothing written: {_first_line(err)}") from None
            raise

    def _import_in_transaction(self, doc: Document, actor: str, action: str, started_at: list[int]) -> ImportSummary:
        with self._session() as session, session.begin_transaction() as tx:
            version = int(_single(tx, cypher.LOCK_VERSION))
            started_at.append(version)
            check_references(doc, self._known_for(tx, doc))
            changes: list[Change] = []
            rows = {
                "institution": self._changed(tx, changes, "institution", [(i.id, i.to_json(), {}) for i in doc.institutions]),
                "node": self._changed(tx, changes, "node", [(n.id, n.to_json(), _node_properties(n)) for n in doc.nodes]),
                "rule": self._changed(tx, changes, "rule", [(r.id, r.to_json(), _rule_properties(r)) for r in doc.rules]),
            }
            if not changes:
                tx.rollback()
                return ImportSummary((), version)
            for entity in ("institution", "node", "rule"):
                created, updated = rows[entity]
                self._batched(tx, cypher.CREATE[entity], "rows", created)
                self._batched(tx, cypher.UPDATE[entity], "rows", updated)
            self._write_touches(tx, doc, rows["rule"])
            version += 1
            tx.run(cypher.SET_VERSION, value=version).consume()
            at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
            text = json.dumps([c.as_json() for c in changes])
            pieces = [text[i : i + _PIECE] for i in range(0, len(text), _PIECE)]
            tx.run(cypher.WRITE_AUDIT, seq=version, at=at, actor=actor, action=action, changes=pieces[0]).consume()
            for more in pieces[1:]:
                tx.run(cypher.APPEND_AUDIT, seq=version, more=more).consume()
            tx.commit()
        return ImportSummary(tuple(changes), version)

    def _known_for(self, tx: neo4j.Transaction, doc: Document) -> KnownIds:
        """The ids ``doc`` refers to that the graph holds: all a reference check of ``doc`` needs."""
        institutions: set[str] = set()
        nodes: set[str] = set()
        for node in doc.nodes:
            if node.institution is not None:
                institutions.add(node.institution)
            nodes.update(node.competencies)
            nodes.update(node.excludes)
            if node.prerequisites is not None:
                _requirement_refs(node.prerequisites, institutions, nodes)
        for rule in doc.rules:
            institutions.add(rule.granted_by)
            nodes.update(g.node for g in rule.grants)
            _requirement_refs(rule.requires, institutions, nodes)
        institutions -= {i.id for i in doc.institutions}
        nodes -= {n.id for n in doc.nodes}
        known = KnownIds()
        for chunk in _chunks(sorted(institutions), self.batch_size):
            result = tx.run("UNWIND $ids AS id MATCH (e:Institution {id: id}) RETURN e.id AS id", ids=chunk)
            known.institutions.update(r["id"] for r in result)
        for chunk in _chunks(sorted(nodes), self.batch_size):
            result = tx.run("UNWIND $ids AS id MATCH (e:Node {id: id}) RETURN e.id AS id, e.kind AS kind", ids=chunk)
            known.nodes.update((r["id"], r["kind"]) for r in result)
        return known

    def _changed(
        self,
        tx: neo4j.Transaction,
        changes: list[Change],
        entity: str,
        items: list[tuple[str, dict[str, Any], dict[str, Any]]],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Rows to create and rows to update; entities whose JSON is unchanged are left out."""
        stored: dict[str, str] = {}
        for chunk in _chunks([id for id, _, _ in items], self.batch_size):
            stored.update((r["id"], r["data"]) for r in tx.run(cypher.EXISTING[entity], ids=chunk))
        created: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        for id, data, properties in items:
            text = _dumps(data)
            old = stored.get(id)
            if old == text:
                continue
            (created if old is None else updated).append({"id": id, "data": text, **properties})
            fields = field_changes(None if old is None else json.loads(old), data)
            changes.append(Change(entity, id, "created" if old is None else "updated", fields))
        return created, updated

    def _batched(self, tx: neo4j.Transaction, statement: str, name: str, rows: Sequence[Any]) -> None:
        for chunk in _chunks(rows, self.batch_size):
            for part in _by_size(chunk):
                tx.run(statement, {name: part}).consume()

    def _write_touches(self, tx: neo4j.Transaction, doc: Document, rows: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        """Point each written rule at the nodes it requires and grants (``GET /rules?touches=``)."""
        created, updated = rows
        self._batched(tx, cypher.DELETE_TOUCHES, "ids", [r["id"] for r in updated])
        written = {r["id"] for r in created} | {r["id"] for r in updated}
        pairs: dict[str, list[dict[str, str]]] = {"REQUIRES": [], "GRANTS": []}
        for rule in doc.rules:
            if rule.id in written:
                pairs["REQUIRES"].extend({"rule": rule.id, "node": n} for n in sorted(rule.mentions()))
                pairs["GRANTS"].extend({"rule": rule.id, "node": n} for n in sorted({g.node for g in rule.grants}))
        for kind, kind_pairs in pairs.items():
            for chunk in _chunks(kind_pairs, self.batch_size):
                made = int(_single(tx, cypher.TOUCH[kind], pairs=chunk))
                if made != len(chunk):
                    # Every reference was resolved above; a missing end means the graph changed under us.
                    raise StoreError(f"{len(chunk) - made} {kind} relationships found no node; nothing written")

    # reads

    def export(self) -> Document:
        """The whole graph as one document, read in one transaction."""

        def read(tx: neo4j.ManagedTransaction) -> dict[str, list[str]]:
            return {
                entity: [data for _, data in sorted((r["id"], r["data"]) for r in tx.run(statement))]
                for entity, statement in cypher.EXPORT.items()
            }

        with self._errors("exporting"), self._session() as session:
            texts = session.execute_read(read)
        return Document(
            institutions=[Institution.model_validate_json(t) for t in texts["institution"]],
            nodes=[Node.model_validate_json(t) for t in texts["node"]],
            rules=[Rule.model_validate_json(t) for t in texts["rule"]],
        )

    def known_ids(self) -> KnownIds:
        """Institution ids and node kinds, for reference checks."""
        return KnownIds(
            institutions={r["id"] for r in self._read("MATCH (e:Institution) RETURN e.id AS id")},
            nodes={r["id"]: r["kind"] for r in self._read("MATCH (e:Node) RETURN e.id AS id, e.kind AS kind")},
        )

    def version(self) -> int:
        """The graph version: 0 for an empty store, +1 per write that changed something. One small query."""
        records = self._read(cypher.GRAPH_VERSION)
        return int(records[0]["value"]) if records else 0

    def version_now(self) -> None:
        """Never at once: reading the version is a round trip to the server."""
        return None

    def counts(self) -> dict[str, int]:
        """Number of institutions, nodes and rules."""
        return {
            f"{entity}s": int(self._read(f"MATCH (e:{label}) RETURN count(e) AS n")[0]["n"])
            for entity, label in cypher.LABELS.items()
        }

    def get_institution(self, id: str) -> Institution | None:
        records = self._read("MATCH (e:Institution {id: $id}) RETURN e.data AS data", id=id)
        return Institution.model_validate_json(records[0]["data"]) if records else None

    def get_node(self, id: str) -> Node | None:
        records = self._read("MATCH (e:Node {id: $id}) RETURN e.data AS data", id=id)
        return Node.model_validate_json(records[0]["data"]) if records else None

    def get_rule(self, id: str) -> Rule | None:
        records = self._read("MATCH (e:Rule {id: $id}) RETURN e.data AS data", id=id)
        return Rule.model_validate_json(records[0]["data"]) if records else None

    def list_institutions(self) -> list[Institution]:
        return [Institution.model_validate_json(r["data"]) for r in self._read(cypher.INSTITUTIONS)]

    def list_nodes(self, query: NodeQuery) -> list[Node]:
        where, params = _filters({"kind": query.kind, "institution": query.institution}, query.after)
        if query.q:
            where.append("e.search CONTAINS $q")
            params["q"] = query.q.lower()
        statement = f"MATCH (e:Node) {_where(where)} RETURN e.data AS data ORDER BY e.id LIMIT $limit"
        return [Node.model_validate_json(r["data"]) for r in self._read(statement, limit=query.limit, **params)]

    def list_rules(self, query: RuleQuery) -> list[Rule]:
        where, params = _filters({"kind": query.kind, "granted_by": query.granted_by, "status": query.status}, query.after)
        if query.touches is None:
            match = "MATCH (e:Rule)"
        else:
            # A rule may both require and grant a node: one row per rule.
            match = "MATCH (:Node {id: $touches})<-[:REQUIRES|GRANTS]-(t:Rule) WITH DISTINCT t AS e"
            params["touches"] = query.touches
        statement = f"{match} {_where(where)} RETURN e.data AS data ORDER BY e.id LIMIT $limit"
        return [Rule.model_validate_json(r["data"]) for r in self._read(statement, limit=query.limit, **params)]

    def audit(self, query: AuditQuery | None = None, *, limit: int = 100, after: int | None = None) -> list[AuditEntry]:
        """Audit entries in write order (see :class:`~pathways.store.base.Store`); the filters
        run in Cypher, the entity's as a text search that :func:`collect_audit` makes exact."""
        query = query or AuditQuery(limit=limit, after=after)

        def fetch(after: int, limit: int) -> list[AuditEntry]:
            records = self._read(cypher.AUDIT, after=after, limit=limit, actor=query.actor, since=query.since_text, needle=query.needle)
            return [
                AuditEntry(
                    int(r["seq"]),
                    dt.datetime.fromisoformat(r["at"]),
                    r["actor"],
                    r["action"],
                    tuple(Change.from_json(c) for c in json.loads(r["changes"])),
                )
                for r in records
            ]

        return collect_audit(fetch, query)

    def close(self) -> None:
        self._driver.close()


def _single(tx: neo4j.Transaction | neo4j.ManagedTransaction, statement: str, /, **params: Any) -> Any:
    """The first value of the one record ``statement`` returns."""
    record = tx.run(statement, params).single(strict=True)
    return record[0]


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _by_size(rows: list[Any]) -> Iterator[list[Any]]:
    """Split ``rows`` so that the ``data`` texts of each part add up to at most :data:`_BATCH_BYTES`."""
    part: list[Any] = []
    size = 0
    for row in rows:
        weight = len(row["data"]) * 2 + 200 if isinstance(row, dict) and "data" in row else 200
        if part and size + weight > _BATCH_BYTES:
            yield part
            part, size = [], 0
        part.append(row)
        size += weight
    if part:
        yield part


def _requirement_refs(req: Any, institutions: set[str], nodes: set[str]) -> None:
    for part in walk(req):
        ident = getattr(part, "node", None) or getattr(part, "competency", None)
        if ident:
            nodes.add(ident)
        elif isinstance(part, CreditsWhere) and part.where.institution is not None:
            institutions.add(part.where.institution)


def _node_properties(node: Node) -> dict[str, Any]:
    return {"kind": node.kind, "institution": node.institution, "search": f"{node.id}\n{node.title}".lower()}


def _rule_properties(rule: Rule) -> dict[str, Any]:
    return {"kind": rule.kind, "granted_by": rule.granted_by, "status": rule.status}


def _filters(equal: dict[str, str | None], after: str | None) -> tuple[list[str], dict[str, Any]]:
    where = [f"e.{name} = ${name}" for name, value in equal.items() if value is not None]
    params: dict[str, Any] = {name: value for name, value in equal.items() if value is not None}
    if after is not None:
        where.append("e.id > $after")
        params["after"] = after
    return where, params


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def _first_line(err: BaseException) -> str:
    """The driver's message on one line (it spreads the reason over several)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 400 else text[:397] + "..."
