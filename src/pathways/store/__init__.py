"""Stores behind one interface: ``open_store(url)`` picks the implementation by URL scheme.

Example:
    >>> store = open_store("sqlite:///:memory:")
    >>> store.kind
    'sqlite'
"""

from __future__ import annotations

from ..errors import InvalidInput
from .base import AuditEntry, AuditQuery, Change, FieldChange, ImportSummary, NodeQuery, RuleQuery, Store, parse_since

__all__ = [
    "DEFAULT_STORE_URL",
    "AuditEntry",
    "AuditQuery",
    "Change",
    "FieldChange",
    "ImportSummary",
    "NodeQuery",
    "RuleQuery",
    "Store",
    "open_store",
    "parse_since",
]

DEFAULT_STORE_URL = "sqlite:///./pathways.db"


def open_store(url: str = DEFAULT_STORE_URL) -> Store:
    """Open the store a ``PATHWAYS_STORE`` URL names: ``sqlite:///path`` or ``bolt://`` / ``neo4j://``."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore.open(url)
    if scheme in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
        from .neo4j import Neo4jStore

        return Neo4jStore.open(url)
    raise InvalidInput.one("PATHWAYS_STORE", f"unsupported store URL {url!r}: expected sqlite:///PATH, bolt://... or neo4j://...")
