"""Shared fixtures: stores of every kind, the seed graph, small documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pathways.io.document import merge_documents, read_document
from pathways.model import Document
from pathways.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "graph" / "seed"
SHARED = ROOT.parent / "shared"

STORE_KINDS = ("sqlite", "neo4j")


def seed_files() -> list[Path]:
    """The seed graph's files, in load order."""
    return sorted(SEED_DIR.glob("*.json"))


@pytest.fixture(scope="session")
def seed_document() -> Document:
    """The whole seed graph as one document."""
    return merge_documents([read_document(p) for p in seed_files()])


@pytest.fixture(scope="session")
def bolt_server() -> Iterator[str]:
    """A real ArcadeDB server with its Bolt plugin, started once per test session."""
    from tests.store.arcadedb import arcadedb_server

    with arcadedb_server() as url:
        yield url


def _open(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'pathways.db'}")
    from tests.store.arcadedb import fresh_database_url

    return open_store(fresh_database_url(request.getfixturevalue("bolt_server")))


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind (the store suite runs against every implementation)."""
    s = _open(request.param, request, tmp_path)
    yield s
    s.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a fresh SQLite store file."""
    return f"sqlite:///{tmp_path / 'pathways.db'}"


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` and return it."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
