"""PATCH /rules/{id} and PATCH /nodes/{id} (JSON Merge Patch, RFC 7396), and the GraphQL
mutations patchRule / patchNode: only the named fields change, the merged whole is validated
as a PUT would be, and a refused patch writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pathways.store import Store

from .conftest import Client, bearer

ADMIN = bearer("admin")
MERGE = {**ADMIN, "content-type": "application/merge-patch+json"}


def _patch(client: Client, path: str, body: Any, headers: dict[str, str] = MERGE) -> Any:
    return client.request("PATCH", path, content=json.dumps(body).encode(), headers=headers)


def test_patch_adds_a_field_and_keeps_every_other(client: Client) -> None:
    before = client.get("/rules/UFV-SFU-GD157").json()
    client.put("/rules/UFV-SFU-GD157", json=before | {"note": "assigned", "source": "BCTG", "approved_by": "SFU"}, headers=ADMIN)
    response = _patch(client, "/rules/UFV-SFU-GD157", {"requires": {"node": "UFV:GD157", "min_grade": "B"}})
    assert response.status_code == 200, response.text
    after = client.get("/rules/UFV-SFU-GD157").json()
    assert after == before | {"note": "assigned", "source": "BCTG", "approved_by": "SFU",
                              "requires": {"node": "UFV:GD157", "min_grade": "B"}}
    assert response.json() == after


def test_null_removes_a_field_and_nested_objects_merge(client: Client) -> None:
    _patch(client, "/nodes/UFV:GD157", {"details": {"delivery_mode": "online", "review_cycle": "5 years"}})
    response = _patch(client, "/nodes/UFV:GD157", {"subject": None, "details": {"review_cycle": None, "level": "1"}})
    assert response.status_code == 200, response.text
    node = client.get("/nodes/UFV:GD157").json()
    assert "subject" not in node
    assert node["details"] == {"delivery_mode": "online", "level": "1"}
    assert node["credits"] == 3 and node["title"] == "Digital Imaging"


def test_plain_json_is_accepted_and_json_patch_is_415(client: Client, service_store: Store) -> None:
    assert _patch(client, "/nodes/UFV:GD157", {"credits": 4}, {**ADMIN, "content-type": "application/json"}).status_code == 200
    version = service_store.version()
    response = _patch(client, "/nodes/UFV:GD157", [{"op": "replace", "path": "/credits", "value": 5}],
                      {**ADMIN, "content-type": "application/json-patch+json"})
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert service_store.version() == version


def test_unknown_id_is_404(client: Client) -> None:
    for path in ("/rules/NO-SUCH-RULE", "/nodes/UFV:NOPE"):
        response = _patch(client, path, {"note": "x"})
        assert response.status_code == 404, path
        assert response.json()["status"] == 404


@pytest.mark.parametrize(("path", "patch", "field"), [
    ("/rules/UFV-SFU-GD157", {"status": "maybe"}, "status"),
    ("/rules/UFV-GD157-PLAR", {"grants": []}, "grants"),  # only a transfer rule may grant nothing (no credit)
    ("/rules/UFV-SFU-GD157", {"valid_from": "2030-01-01", "valid_to": "2020-01-01"}, ""),
    ("/rules/UFV-SFU-GD157", {"requires": {"node": "UFV:NOPE"}}, "requires.node"),
    ("/rules/UFV-SFU-GD157", {"id": "OTHER"}, "id"),
    ("/rules/UFV-SFU-GD157", {"kind": None}, "kind"),
    ("/nodes/UFV:GD157", {"credits": -1}, "credits"),
    ("/nodes/UFV:GD157", {"limits": {"max_recognized_credits": 3}}, ""),
])
def test_the_merged_whole_is_validated_and_nothing_written(
    client: Client, service_store: Store, path: str, patch: dict[str, Any], field: str
) -> None:
    version, before = service_store.version(), client.get(path).json()
    response = _patch(client, path, patch)
    assert response.status_code == 422, response.text
    paths = [e["path"] for e in response.json()["errors"]]
    assert field in paths, paths
    assert service_store.version() == version and client.get(path).json() == before


def test_a_patch_that_is_not_an_object_is_422(client: Client) -> None:
    response = _patch(client, "/rules/UFV-SFU-GD157", ["status"])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "", "message": "a merge patch must be a JSON object"}]


def test_an_unchanged_patch_writes_nothing(client: Client, service_store: Store) -> None:
    version = service_store.version()
    assert _patch(client, "/rules/UFV-GD157-PLAR", {"kind": "plar"}).status_code == 200
    assert service_store.version() == version


def test_the_audit_names_the_patch(client: Client) -> None:
    _patch(client, "/rules/UFV-GD157-PLAR", {"note": "three = one"}, {**bearer("registrar:UFV"), "content-type": "application/merge-patch+json"})
    last = client.get("/audit?limit=500", headers=ADMIN).json()["items"][-1]
    assert (last["actor"], last["action"]) == ("registrar:UFV", "patch rule UFV-GD157-PLAR")


def _graphql(client: Client, query: str, role: str | None = "admin", **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=bearer(role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


PATCH_RULE = "mutation($id: String!, $patch: JSON!) { patchRule(id: $id, patch: $patch) { id note status approvedBy requires } }"
PATCH_NODE = "mutation($id: String!, $patch: JSON!) { patchNode(id: $id, patch: $patch) { id title credits } }"


def test_graphql_patch_rule_updates_only_the_given_fields(client: Client) -> None:
    body = _graphql(client, PATCH_RULE, id="UFV-GD157-PLAR", patch={"note": "three = one", "status": "pilot"})
    assert body["data"]["patchRule"] == {"id": "UFV-GD157-PLAR", "note": "three = one", "status": "pilot",
                                         "approvedBy": "UFV Senate",
                                         "requires": {"all": [{"node": "UFV:PS-ESS"}, {"node": "UFV:IL-GD"}, {"node": "UFV:PS-GD"}]}}
    body = _graphql(client, PATCH_NODE, id="UFV:GD157", patch={"title": "Digital Imaging I"})
    assert body["data"]["patchNode"] == {"id": "UFV:GD157", "title": "Digital Imaging I", "credits": 3}


def test_graphql_patch_errors_carry_the_problem(client: Client, service_store: Store) -> None:
    version = service_store.version()
    bad = _graphql(client, PATCH_RULE, id="UFV-GD157-PLAR", patch={"status": "maybe"})
    assert bad["errors"][0]["extensions"]["status"] == 422
    assert [e["path"] for e in bad["errors"][0]["extensions"]["errors"]] == ["patch.status"]
    out_of_scope = _graphql(client, PATCH_RULE, "registrar:SFU", id="UFV-GD157-PLAR", patch={"note": "x"})
    assert out_of_scope["errors"][0]["extensions"]["status"] == 403
    unknown = _graphql(client, PATCH_NODE, id="UFV:NOPE", patch={"title": "x"})
    assert unknown["errors"][0]["extensions"]["status"] == 404
    assert service_store.version() == version
