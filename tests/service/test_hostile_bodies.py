"""Hostile JSON bodies on every route that reads one: a 422 problem naming the problem, nothing written.

Python's JSON parser raises a RecursionError on arrays nested some thousand deep and a
ValueError on integers of more than 4,300 digits; both used to escape as a plain-text 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from pathways.store import Store

from .conftest import Client, bearer

ADMIN = bearer("admin")

ROUTES = [
    ("POST", "/evaluate"),
    ("POST", "/plan"),
    ("POST", "/graph"),
    ("POST", "/graphql"),
    ("PUT", "/nodes/UFV:NEW"),
    ("PUT", "/rules/UFV-NEW"),
    ("PUT", "/institutions/NEW"),
    ("PATCH", "/nodes/UFV:GD157"),
    ("PATCH", "/rules/UFV-GD157-PLAR"),
    ("POST", "/impact"),
]

DIGITS = b"7" * 5000

BODIES = [
    pytest.param(b"[" * 100_000, "JSON nested deeper than 64 levels", id="nested-arrays"),
    pytest.param(b'{"a":' * 100_000, "JSON nested deeper than 64 levels", id="nested-objects"),
    pytest.param(b'{"holdings": ' + b"[" * 70 + b"]" * 70 + b"}", "JSON nested deeper than 64 levels", id="nested-70"),
    pytest.param(DIGITS, "an integer of more than 4300 digits", id="huge-integer"),
    pytest.param(b'{"holdings": [{"node": "UFV:PS-ESS", "grade": ' + DIGITS + b"}]}", "an integer of more than 4300 digits",
                 id="huge-integer-inside"),
    pytest.param(b'{"query": "{ institutions { id } }", "variables": {"x": ' + DIGITS + b"}}", "an integer of more than 4300 digits",
                 id="huge-integer-in-variables"),
    pytest.param(b'{"holdings": [], "as_of": NaN}', "NaN is not a JSON number", id="nan"),
    pytest.param(b'{"credits": 1e400}', "the number 1e400 is too large for a double", id="infinite-float"),
]


def _state(store: Store) -> tuple[Any, ...]:
    return store.version(), store.counts(), len(store.audit(limit=1000))


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(("body", "message"), BODIES)
def test_a_hostile_body_is_a_422_problem_and_writes_nothing(
    client: Client, service_store: Store, method: str, path: str, body: bytes, message: str
) -> None:
    before = _state(service_store)
    response = client.request(method, path, content=body, headers=ADMIN | {"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "invalid input"
    assert problem["errors"] == [{"path": "", "message": message}]
    assert _state(service_store) == before


def test_json_nested_64_deep_is_still_read(client: Client) -> None:
    # the limit refuses what no pathways input needs, not the deepest legitimate value
    details = {"d": 1}
    for _ in range(61):
        details = {"d": details}
    node = {"kind": "course", "institution": "UFV", "title": "Deep", "details": details}
    response = client.put("/nodes/UFV:DEEP", json=node, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert client.get("/nodes/UFV:DEEP").json()["details"] == details


def test_hostile_variables_over_graphql_get_are_a_problem_too(client: Client) -> None:
    response = client.get("/graphql", params={"query": "{ institutions { id } }", "variables": "[" * 10_000})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"path": "", "message": "JSON nested deeper than 64 levels"}]


def test_a_csv_cell_over_the_field_limit_is_a_422_problem(client: Client, service_store: Store) -> None:
    before = _state(service_store)
    table = b"sending_institution,sending_course,receiving_institution,transfer_credit\nUFV,UFV:A,SFU," + b"x" * 200_000 + b"\n"
    response = client.post("/graph", content=table, headers=ADMIN | {"content-type": "text/csv"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"path": "line 2", "message": "not a CSV row: field larger than field limit (131072)"}]
    assert _state(service_store) == before
