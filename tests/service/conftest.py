"""Fixtures of the service tests: a small graph on a SQLite file, a tokens file, the real app."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
from fastapi import FastAPI

from pathways.model import parse_document
from pathways.service import create_app
from pathways.service.tokens import token_hash
from pathways.settings import Settings
from pathways.store import Store, open_store

TOKENS = {  # what clients send; the tokens file holds their hashes (tokens_json)
    "admin": "tok-admin-0001",
    "registrar:UFV": "tok-reg-ufv-0001",
    "registrar:SFU": "tok-reg-sfu-0001",
    "council": "tok-council-0001",
}

GRAPH: dict[str, Any] = {
    "format": "pathways/1",
    "institutions": [
        {"id": "UFV", "name": "University of the Fraser Valley", "jurisdiction": "BC", "type": "university"},
        {"id": "SFU", "name": "Simon Fraser University", "jurisdiction": "BC", "type": "university"},
    ],
    "nodes": [
        {"id": "CMP:IMAGE-EDITING", "kind": "competency", "title": "Image editing"},
        {"id": "UFV:PS-ESS", "kind": "course", "institution": "UFV", "title": "Photoshop Essentials", "credits": 1,
         "hours": 30, "cost": 350, "competencies": ["CMP:IMAGE-EDITING"],
         "identifiers": ["https://badges.example.org/achievements/ps-ess"]},
        {"id": "UFV:IL-GD", "kind": "course", "institution": "UFV", "title": "Illustrator for Graphic Design", "credits": 1, "hours": 30},
        {"id": "UFV:PS-GD", "kind": "course", "institution": "UFV", "title": "Photoshop for Graphic Design", "credits": 1, "hours": 30},
        {"id": "UFV:GD157", "kind": "course", "institution": "UFV", "title": "Digital Imaging", "credits": 3, "level": 1, "subject": "GD"},
        {"id": "SFU:IAT1XX", "kind": "course", "institution": "SFU", "title": "Interactive Arts (unassigned)", "credits": 3},
        {"id": "SFU:BA", "kind": "credential", "institution": "SFU", "title": "Bachelor of Arts", "credits": 120},
    ],
    "rules": [
        {"id": "UFV-GD157-PLAR", "kind": "plar", "granted_by": "UFV",
         "requires": {"all": [{"node": "UFV:PS-ESS"}, {"node": "UFV:IL-GD"}, {"node": "UFV:PS-GD"}]},
         "grants": [{"node": "UFV:GD157"}], "approved_by": "UFV Senate"},
        {"id": "UFV-SFU-GD157", "kind": "transfer", "granted_by": "SFU",
         "requires": {"node": "UFV:GD157", "min_grade": "C"}, "grants": [{"node": "SFU:IAT1XX"}]},
        {"id": "SFU-BA-PILOT", "kind": "ladder", "granted_by": "SFU", "status": "pilot",
         "requires": {"credits": 3, "where": {"institution": "SFU"}}, "grants": [{"node": "SFU:BA"}]},
    ],
}

THREE_MICRO_COURSES = [
    {"node": "UFV:PS-ESS", "grade": "P", "earned": "2025-04-30"},
    {"node": "UFV:IL-GD", "grade": "P", "earned": "2025-05-30"},
    {"node": "UFV:PS-GD", "grade": "P", "earned": "2025-06-30"},
]


def tokens_json() -> dict[str, str]:
    """The tokens file's content for :data:`TOKENS`: each token's hash mapped to its role."""
    return {token_hash(token): role for role, token in TOKENS.items()}


def bearer(role: str | None) -> dict[str, str]:
    """Headers for a request made as ``role`` (no header for ``None``: anonymous)."""
    return {"Authorization": f"Bearer {TOKENS[role]}"} if role else {}


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(tokens_json()), encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path, tokens_file: Path) -> Settings:
    return Settings(store_url=f"sqlite:///{tmp_path / 'pathways.db'}", tokens_file=str(tokens_file))


@pytest.fixture
def service_store(settings: Settings) -> Iterator[Store]:
    """A SQLite file store holding :data:`GRAPH`."""
    store = open_store(settings.store_url)
    store.import_document(parse_document(GRAPH), actor="fixture", action="load")
    yield store
    store.close()


class Client:
    """A synchronous HTTP client of an ASGI app: httpx's ASGI transport driven through an anyio portal.

    (Starlette's TestClient warns about httpx and the warning is an error here.) The app runs
    in the portal's event loop exactly as under uvicorn, sync routes in its thread pool.
    """

    def __init__(self, app: FastAPI, portal: anyio.from_thread.BlockingPortal) -> None:
        self.app = app
        self._portal = portal
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self._portal.call(lambda: self._client.request(method, url, **kwargs))
        return response

    def request_soon(self, method: str, url: str, **kwargs: Any) -> Future[httpx.Response]:
        """Start a request and return at once; the response is the future's result."""
        return self._portal.start_task_soon(functools.partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)


@pytest.fixture
def client(settings: Settings, service_store: Store) -> Iterator[Client]:
    """The real ASGI app on :func:`service_store`, driven through HTTP."""
    with anyio.from_thread.start_blocking_portal() as portal:
        c = Client(create_app(settings, store=service_store), portal)
        yield c
        c.close()


def gql(client: Client, query: str, variables: dict[str, Any] | None = None, role: str | None = None) -> dict[str, Any]:
    """Run a GraphQL operation over HTTP; returns the whole response body."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=bearer(role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
