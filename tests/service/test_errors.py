"""Bad requests: malformed JSON, wrong types, oversized bodies, wrong query parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pathways.service.errors import MAX_BODY_BYTES
from pathways.store import Store

from .conftest import Client, bearer

ADMIN = bearer("admin")


def _problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code") == status, getattr(response, "text")
    assert getattr(response, "headers")["content-type"] == "application/problem+json"
    body: dict[str, object] = getattr(response, "json")()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    return body


@pytest.mark.parametrize(("method", "path"), [("POST", "/evaluate"), ("PUT", "/nodes/UFV:X"), ("POST", "/graph"), ("POST", "/plan")])
def test_malformed_json_is_a_422_naming_the_problem(client: Client, method: str, path: str) -> None:
    response = client.request(method, path, content=b'{"holdings": [', headers=ADMIN | {"content-type": "application/json"})
    body = _problem(response, 422)
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["path"] == ""
    assert errors[0]["message"].startswith("malformed JSON: ")


def test_an_empty_body_is_a_422(client: Client) -> None:
    body = _problem(client.post("/evaluate", content=b""), 422)
    assert "empty" in str(body["detail"])


def test_wrong_types_name_every_field(client: Client) -> None:
    body = {"holdings": [{"node": 7, "grade": "Z"}, {"node": "UFV:PS-ESS", "earned": "yesterday"}], "include_pilot": "perhaps"}
    problem = _problem(client.post("/evaluate", json=body), 422)
    paths = {e["path"] for e in problem["errors"]}  # type: ignore[union-attr]
    assert {"holdings[0].node", "holdings[0].grade", "holdings[1].earned", "include_pilot"} <= paths


def test_wrong_types_in_an_entity(client: Client) -> None:
    node = {"kind": "course", "institution": "UFV", "title": "x", "credits": "three", "level": 12, "identifiers": "one"}
    problem = _problem(client.put("/nodes/UFV:X", json=node, headers=ADMIN), 422)
    paths = sorted(e["path"] for e in problem["errors"])  # type: ignore[union-attr]
    assert paths == ["credits", "identifiers", "level"]


def test_a_body_that_is_not_an_object(client: Client) -> None:
    problem = _problem(client.put("/rules/R", json=[1, 2], headers=ADMIN), 422)
    assert problem["errors"] == [{"path": "", "message": "must be a JSON object"}]
    problem = _problem(client.post("/graph", json="text", headers=ADMIN), 422)
    assert problem["title"] == "invalid graph document"


def test_a_holding_after_as_of_is_a_422(client: Client) -> None:
    body = {"holdings": [{"node": "UFV:PS-ESS", "earned": "2026-02-01"}], "as_of": "2026-01-01"}
    problem = _problem(client.post("/evaluate", json=body), 422)
    assert problem["errors"] == [{"path": "holdings[0].earned", "message": "2026-02-01 is after as_of 2026-01-01"}]


@pytest.mark.parametrize(("path", "param"), [("/nodes?limit=0", "query.limit"), ("/nodes?limit=1001", "query.limit"),
                                             ("/rules?limit=many", "query.limit"), ("/nodes?kind=badge", "query.kind"),
                                             ("/nodes/UFV:PS-ESS/counts-toward?depth=x", "query.depth")])
def test_bad_query_parameters_are_422_naming_the_parameter(client: Client, path: str, param: str) -> None:
    problem = _problem(client.get(path), 422)
    assert [e["path"] for e in problem["errors"]] == [param]  # type: ignore[union-attr]


def test_a_forged_cursor_is_a_422(client: Client) -> None:
    problem = _problem(client.get("/nodes", params={"cursor": "%%%"}), 422)
    assert problem["errors"] == [{"path": "cursor", "message": "not a cursor this service issued"}]


def test_a_declared_oversized_body_is_413_before_it_is_read(client: Client, service_store: Store) -> None:
    version = service_store.version()
    payload = b'{"format": "pathways/1", "nodes": [' + b" " * MAX_BODY_BYTES + b"]}"
    _problem(client.post("/graph", content=payload, headers=ADMIN | {"content-type": "application/json"}), 413)
    assert service_store.version() == version


def test_a_streamed_oversized_body_is_413(client: Client, service_store: Store) -> None:
    version = service_store.version()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"format": "pathways/1", "nodes": ['
        for _ in range(11):
            yield b" " * (1024 * 1024)
        yield b"]}"

    response = client.post("/graph", content=chunks(), headers=ADMIN | {"content-type": "application/json"})
    _problem(response, 413)
    assert service_store.version() == version


def test_a_body_just_under_the_limit_is_read(client: Client) -> None:
    payload = b'{"holdings": []' + b" " * (MAX_BODY_BYTES - 100) + b"}"
    assert client.post("/evaluate", content=payload, headers={"content-type": "application/json"}).status_code == 200


def test_unknown_routes_and_methods_are_problems_too(client: Client) -> None:
    _problem(client.get("/nope"), 404)
    _problem(client.post("/health"), 405)
