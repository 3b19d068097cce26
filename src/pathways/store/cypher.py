"""The openCypher the Neo4j store speaks: schema, reads and batched writes, nothing else.

Only plain openCypher (no APOC, no procedures), so the same statements run on Neo4j 5 and
on ArcadeDB's Bolt endpoint (SPEC section 7). Each graph node has exactly one label (an
ArcadeDB label is a type, and a node is found by its first label only), and what varies
inside a label, such as a node's kind, is a property. Relationship type names differ
from every label for the same reason.

The graph::

    (:Institution {id, data})
    (:Node {id, kind, institution, search, data})
    (:Rule {id, kind, granted_by, status, data})-[:REQUIRES]->(:Node)   nodes named in the requirement
                                                -[:GRANTS]->(:Node)     nodes it grants
    (:GraphVersion {key: "graph", value, schema})                       bumped by every write
    (:AuditEntry {seq, at, actor, action, changes})                     one per write, seq = version

``data`` is the entity's ``pathways/1`` JSON: reads return it verbatim, so an export
reproduces exactly what was imported. The other properties exist for filters and indexes.

Example:
    >>> LABELS["node"], LABELS["rule"]
    ('Node', 'Rule')
    >>> SCHEMA[0]
    'CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (e:Institution) REQUIRE e.id IS UNIQUE'
"""

from __future__ import annotations

__all__ = [
    "APPEND_AUDIT",
    "AUDIT",
    "CREATE",
    "DELETE_TOUCHES",
    "EXISTING",
    "EXPORT",
    "GRAPH_VERSION",
    "INSTITUTIONS",
    "INIT_VERSION",
    "LABELS",
    "LOCK_VERSION",
    "SCHEMA",
    "SET_VERSION",
    "TOUCH",
    "UPDATE",
    "WRITE_AUDIT",
]

LABELS = {"institution": "Institution", "node": "Node", "rule": "Rule"}

SCHEMA = (
    "CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (e:Institution) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT node_id IF NOT EXISTS FOR (e:Node) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT rule_id IF NOT EXISTS FOR (e:Rule) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.seq IS UNIQUE",
    "CREATE CONSTRAINT graph_version_key IF NOT EXISTS FOR (e:GraphVersion) REQUIRE e.key IS UNIQUE",
    "CREATE INDEX node_kind IF NOT EXISTS FOR (e:Node) ON (e.kind)",
    "CREATE INDEX node_institution IF NOT EXISTS FOR (e:Node) ON (e.institution)",
    "CREATE INDEX rule_kind IF NOT EXISTS FOR (e:Rule) ON (e.kind)",
    "CREATE INDEX rule_granted_by IF NOT EXISTS FOR (e:Rule) ON (e.granted_by)",
    "CREATE INDEX rule_status IF NOT EXISTS FOR (e:Rule) ON (e.status)",
)

INIT_VERSION = (
    "MERGE (v:GraphVersion {key: 'graph'}) ON CREATE SET v.value = 0, v.schema = $schema RETURN v.schema AS schema"
)

GRAPH_VERSION = "MATCH (v:GraphVersion {key: 'graph'}) RETURN v.value AS value"

# Writing a property first takes Neo4j's write lock on the version node, so concurrent
# imports run one after the other and each reads what the previous one committed
# (ArcadeDB, optimistic, fails the later commit instead and the store retries it).
LOCK_VERSION = "MATCH (v:GraphVersion {key: 'graph'}) SET v.locked = true WITH v RETURN v.value AS value"

SET_VERSION = "MATCH (v:GraphVersion {key: 'graph'}) SET v.value = $value"

EXISTING = {
    entity: f"UNWIND $ids AS id MATCH (e:{label} {{id: id}}) RETURN e.id AS id, e.data AS data"
    for entity, label in LABELS.items()
}

_PROPERTIES = {
    "institution": "e.data = r.data",
    "node": "e.data = r.data, e.kind = r.kind, e.institution = r.institution, e.search = r.search",
    "rule": "e.data = r.data, e.kind = r.kind, e.granted_by = r.granted_by, e.status = r.status",
}

# New entities are created, not merged: the store has just seen they do not exist, and the
# uniqueness constraint turns any surprise (a duplicate id) into a failed transaction.
CREATE = {entity: f"UNWIND $rows AS r CREATE (e:{LABELS[entity]} {{id: r.id}}) SET {props}" for entity, props in _PROPERTIES.items()}

UPDATE = {entity: f"UNWIND $rows AS r MATCH (e:{LABELS[entity]} {{id: r.id}}) SET {props}" for entity, props in _PROPERTIES.items()}

DELETE_TOUCHES = "UNWIND $ids AS id MATCH (:Rule {id: id})-[t:REQUIRES|GRANTS]->() DELETE t"

TOUCH = {
    kind: f"UNWIND $pairs AS p MATCH (r:Rule {{id: p.rule}}) MATCH (n:Node {{id: p.node}}) CREATE (r)-[:{kind}]->(n) "
    "RETURN count(*) AS made"
    for kind in ("REQUIRES", "GRANTS")
}

WRITE_AUDIT = "CREATE (a:AuditEntry {seq: $seq, at: $at, actor: $actor, action: $action, changes: $changes})"

# A whole-graph import lists hundreds of thousands of changes: more than one Bolt message
# may carry (ArcadeDB refuses messages over 16 MiB), so the text is sent in pieces.
APPEND_AUDIT = "MATCH (a:AuditEntry {seq: $seq}) SET a.changes = a.changes + $more"

# Unordered: the store sorts by id itself, which ArcadeDB does in half the time it takes to sort.
EXPORT = {entity: f"MATCH (e:{label}) RETURN e.id AS id, e.data AS data" for entity, label in LABELS.items()}

INSTITUTIONS = "MATCH (e:Institution) RETURN e.data AS data ORDER BY e.id"

AUDIT = (
    "MATCH (a:AuditEntry) WHERE a.seq > $after AND ($actor IS NULL OR a.actor = $actor) "
    "AND ($since IS NULL OR a.at >= $since) AND ($needle IS NULL OR a.changes CONTAINS $needle) "
    "RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.action AS action, a.changes AS changes ORDER BY a.seq LIMIT $limit"
)
