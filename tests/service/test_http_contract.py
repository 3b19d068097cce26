"""What api/openapi.json promises, route by route, and the app keeping each promise.

The document lists every status a route answers (201 on a PUT that creates, 404 and 503 on
``/plan``), every error as ``application/problem+json``, ``format`` required on documents and
``id`` optional in PUT bodies; the app refuses what the schemas refuse (a 0 for a boolean),
answers ``HEAD`` and ``OPTIONS`` as HTTP says, and writes nothing when it refuses a body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from pathways.engine import plan_model
from pathways.service import create_app
from pathways.settings import Settings
from pathways.store import Store

from .conftest import THREE_MICRO_COURSES, Client, bearer

ADMIN = bearer("admin")
API: dict[str, Any] = json.loads((Path(__file__).resolve().parents[2] / "api" / "openapi.json").read_text(encoding="utf-8"))

ENTITIES = [
    ("/nodes/UFV:NEW", "/nodes/{id}", {"kind": "course", "institution": "UFV", "title": "New"}),
    ("/rules/UFV-NEW", "/rules/{id}", {"kind": "plar", "granted_by": "UFV", "requires": {"node": "UFV:PS-ESS"},
                                       "grants": [{"node": "UFV:GD157"}]}),
    ("/institutions/NEW", "/institutions/{id}", {"name": "New College"}),
]


def _state(store: Store) -> tuple[Any, ...]:
    return store.version(), store.counts(), store.export().to_json()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(("url", "template", "body"), ENTITIES)
def test_put_answers_201_when_it_creates_and_200_when_it_replaces_as_documented(
    client: Client, url: str, template: str, body: dict[str, Any]
) -> None:
    assert {"200", "201"} <= set(API["paths"][template]["put"]["responses"])
    assert client.put(url, json=body, headers=ADMIN).status_code == 201
    assert client.put(url, json=body, headers=ADMIN).status_code == 200


@pytest.mark.parametrize(("url", "template", "body"), ENTITIES)
def test_a_put_body_may_leave_out_its_id_but_not_contradict_the_url(
    client: Client, service_store: Store, url: str, template: str, body: dict[str, Any]
) -> None:
    schema = API["paths"][template]["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "id" not in API["components"]["schemas"][schema].get("required", [])
    before = _state(service_store)
    problem = _problem(client.put(url, json=body | {"id": "OTHER:ID"}, headers=ADMIN), 422)
    assert [e["path"] for e in problem["errors"]] == ["id"]
    assert _state(service_store) == before


@pytest.mark.parametrize("value", [0, 1, "true", None])
def test_include_pilot_is_a_strict_boolean(client: Client, value: Any) -> None:
    problem = _problem(client.post("/evaluate", json={"holdings": [], "include_pilot": value}), 422)
    assert [e["path"] for e in problem["errors"]] == ["include_pilot"]
    assert API["components"]["schemas"]["EvaluationRequest"]["properties"]["include_pilot"]["type"] == "boolean"


@pytest.mark.parametrize(("field", "value"), [("level", True), ("level", "3"), ("level", 2.0), ("credits", "3"), ("credits", True)])
def test_numbers_of_a_node_are_json_numbers_only(client: Client, service_store: Store, field: str, value: Any) -> None:
    before = _state(service_store)
    node = {"kind": "course", "institution": "UFV", "title": "Strict", field: value}
    problem = _problem(client.put("/nodes/UFV:STRICT", json=node, headers=ADMIN), 422)
    assert [e["path"] for e in problem["errors"]] == [field]
    assert _state(service_store) == before


def test_alternatives_is_a_strict_integer(client: Client) -> None:
    problem = _problem(client.post("/plan", json={"target": "UFV:GD157", "alternatives": True}), 422)
    assert [e["path"] for e in problem["errors"]] == ["alternatives"]


def test_a_document_needs_its_format(client: Client, service_store: Store) -> None:
    assert "format" in API["components"]["schemas"]["Document"]["required"]
    before = _state(service_store)
    problem = _problem(client.post("/graph", json={"institutions": [{"id": "NEW", "name": "New"}]}, headers=ADMIN), 422)
    assert [e["path"] for e in problem["errors"]] == ["format"]
    assert _state(service_store) == before


def test_plan_answers_404_for_an_unknown_target_and_503_when_unproven_as_documented(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {"200", "404", "413", "422", "503"} == set(API["paths"]["/plan"]["post"]["responses"])
    assert _problem(client.post("/plan", json={"target": "UFV:NOPE"}), 404)["type"].endswith("/not-found")
    # the planner's deadline passed before it proved anything (as on a question too large for it)
    monkeypatch.setattr(plan_model, "TIME_LIMIT", 0.0)
    problem = _problem(client.post("/plan", json={"target": "SFU:IAT1XX", "holdings": THREE_MICRO_COURSES}), 503)
    assert problem["type"].endswith("/plan-unproven")


def test_every_error_the_contract_lists_is_problem_json() -> None:
    for path, operations in API["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or (path, method, status) == ("/graphql", "get", "503"):  # GraphiQL's install page
                    continue
                assert set(response["content"]) == {"application/problem+json"}, (method, path, status)


def test_head_answers_like_get_without_a_body(client: Client) -> None:
    for url in ("/health", "/nodes/UFV:GD157", "/nodes?limit=2", "/nodes/UFV:NOPE"):
        get, head = client.get(url), client.request("HEAD", url)
        assert head.status_code == get.status_code
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == str(len(get.content))
        assert head.content == b""


@pytest.mark.parametrize(("url", "allow"), [
    ("/nodes/UFV:GD157", "GET, HEAD, OPTIONS, PATCH, PUT"),
    ("/rules/UFV-GD157-PLAR", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
    ("/evaluate", "OPTIONS, POST"),
    ("/graph", "GET, HEAD, OPTIONS, POST"),
    ("/graphql", "GET, HEAD, OPTIONS, POST"),
])
def test_options_and_405_name_every_method_of_the_path(client: Client, url: str, allow: str) -> None:
    options = client.request("OPTIONS", url)
    assert options.status_code == 204 and options.headers["allow"] == allow and options.content == b""
    refused = client.request("TRACE", url)
    _problem(refused, 405)
    assert refused.headers["allow"] == allow


def test_options_on_an_unknown_path_is_404(client: Client) -> None:
    _problem(client.request("OPTIONS", "/nope"), 404)


def test_an_id_with_a_newline_reaches_its_route(client: Client, service_store: Store) -> None:
    # Starlette's path convertor stops at a newline: such a URL used to match no route at all
    before = _state(service_store)
    problem = _problem(client.put("/nodes/UFV:A%0AB", json={"kind": "course", "institution": "UFV", "title": "t"}, headers=ADMIN), 422)
    assert problem["errors"] == [{"path": "id", "message": "an id must not contain whitespace or control characters"}]
    assert _state(service_store) == before
    assert _problem(client.get("/nodes/UFV:A%0AB"), 404)["detail"].startswith('unknown node "UFV:A\nB"')
    assert _problem(client.get("/rules/R%0A"), 404)["detail"] == 'unknown rule "R\n"'


def test_an_unexpected_error_is_a_500_problem_without_internals(settings: Settings, service_store: Store) -> None:
    app = create_app(settings, store=service_store)

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/broken", broken)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get("/broken")

    response = anyio.run(get)
    problem = _problem(response, 500)
    assert problem["title"] == "Internal Server Error" and "secret" not in response.text


@pytest.mark.parametrize(("body", "field"), [({"holdings": [], "as_of": 0.0}, "as_of"),
                                             ([{"node": "UFV:PS-ESS", "earned": 1700000000}], "holdings[0].earned")])
def test_dates_are_text_not_timestamps(client: Client, body: Any, field: str) -> None:
    problem = _problem(client.post("/evaluate", json=body), 422)
    assert [e["path"] for e in problem["errors"]] == [field]
    assert "a date is text" in problem["errors"][0]["message"]
