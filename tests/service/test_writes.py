"""Writes over REST: PUT, DELETE (retire), POST /graph, export, audit, and an evaluation that sees them."""

from __future__ import annotations

from typing import Any

from .conftest import GRAPH, THREE_MICRO_COURSES, Client, bearer

ADMIN = bearer("admin")


def _evaluate(client: Client, holdings: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/evaluate", json={"holdings": holdings, "as_of": "2026-01-15"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_put_node_creates_then_replaces(client: Client) -> None:
    node = {"id": "UFV:SEO", "kind": "micro_credential", "institution": "UFV", "title": "SEO", "credits": 1}
    created = client.put("/nodes/UFV:SEO", json=node, headers=ADMIN)
    assert created.status_code == 201
    assert created.json() == node | {"status": "active"}
    updated = client.put("/nodes/UFV:SEO", json=node | {"title": "Search engine optimization"}, headers=ADMIN)
    assert updated.status_code == 200
    assert client.get("/nodes/UFV:SEO").json()["title"] == "Search engine optimization"


def test_put_fills_a_missing_id_from_the_url_and_rejects_a_different_one(client: Client) -> None:
    body = {"kind": "course", "institution": "UFV", "title": "Web"}
    assert client.put("/nodes/UFV:WEB", json=body, headers=ADMIN).status_code == 201
    assert client.get("/nodes/UFV:WEB").json()["id"] == "UFV:WEB"
    mismatch = client.put("/nodes/UFV:WEB", json=body | {"id": "UFV:OTHER"}, headers=ADMIN)
    assert mismatch.status_code == 422
    assert mismatch.json()["errors"] == [{"path": "id", "message": "'UFV:OTHER' does not match the id in the URL, 'UFV:WEB'"}]
    assert client.get("/nodes/UFV:OTHER").status_code == 404


def test_invalid_rule_lists_every_problem_with_its_path(client: Client) -> None:
    rule = {"kind": "plar", "granted_by": "UFV", "grants": [],
            "requires": {"all": [{"node": "UFV:PS-ESS"}, {"at_least": 3, "of": [{"node": "UFV:IL-GD"}]}]}}
    response = client.put("/rules/BAD", json=rule, headers=ADMIN)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    paths = {e["path"] for e in response.json()["errors"]}
    assert "requires.all[1].at_least" in paths
    assert "grants" in paths
    assert client.get("/rules/BAD").status_code == 404


def test_unresolved_references_are_422_and_nothing_is_written(client: Client) -> None:
    rule = {"kind": "transfer", "granted_by": "SFU", "requires": {"node": "UFV:NOPE"}, "grants": [{"node": "SFU:NOPE"}]}
    response = client.put("/rules/R-X", json=rule, headers=ADMIN)
    assert response.status_code == 422
    messages = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert messages == {"requires.node": 'unknown node "UFV:NOPE"', "grants[0].node": 'unknown node "SFU:NOPE"'}
    assert client.get("/rules/R-X").status_code == 404


def test_delete_ends_the_agreement_and_keeps_the_rule(client: Client) -> None:
    response = client.delete("/rules/UFV-GD157-PLAR", params={"date": "2025-12-31"}, headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["valid_to"] == "2025-12-31"
    assert client.get("/rules/UFV-GD157-PLAR").json()["valid_to"] == "2025-12-31"
    assert client.delete("/rules/NOPE", headers=ADMIN).status_code == 404


def test_learning_completed_before_a_rule_is_retired_still_counts(client: Client) -> None:
    graded = [h | {"grade": "B"} for h in THREE_MICRO_COURSES]
    assert [g["node"] for g in _evaluate(client, graded)["granted"]] == ["UFV:GD157", "SFU:IAT1XX"]
    assert client.delete("/rules/UFV-SFU-GD157", params={"date": "2025-12-31"}, headers=ADMIN).status_code == 200
    assert [g["node"] for g in _evaluate(client, graded)["granted"]] == ["UFV:GD157", "SFU:IAT1XX"]
    late = [h | {"earned": "2026-01-10"} for h in graded]
    after = _evaluate(client, late)
    assert [g["node"] for g in after["granted"]] == ["UFV:GD157"]
    assert after["skipped"] == [{"rule": "UFV-SFU-GD157", "reason": "outside_window"}]


def test_retiring_never_lengthens_an_agreement_and_before_its_start_withdraws_it(client: Client) -> None:
    rule = GRAPH["rules"][1] | {"valid_from": "2024-09-01", "valid_to": "2025-08-31"}
    assert client.put("/rules/UFV-SFU-GD157", json=rule, headers=ADMIN).status_code == 200
    kept = client.delete("/rules/UFV-SFU-GD157", params={"date": "2026-06-30"}, headers=ADMIN).json()
    assert kept["valid_to"] == "2025-08-31" and kept["status"] == "approved"
    withdrawn = client.delete("/rules/UFV-SFU-GD157", params={"date": "2024-01-01"}, headers=ADMIN).json()
    assert withdrawn["status"] == "retired" and withdrawn["valid_to"] == "2025-08-31"


def test_retiring_with_a_bad_date_is_422_naming_it(client: Client) -> None:
    response = client.delete("/rules/UFV-GD157-PLAR", params={"date": "next week"}, headers=ADMIN)
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.date"]
    assert "valid_to" not in client.get("/rules/UFV-GD157-PLAR").json()


def test_put_institution(client: Client) -> None:
    response = client.put("/institutions/BCIT", json={"name": "British Columbia Institute of Technology"}, headers=ADMIN)
    assert response.status_code == 201
    assert [i["id"] for i in client.get("/institutions").json()["items"]] == ["BCIT", "SFU", "UFV"]


def test_post_graph_imports_and_reports_changes(client: Client) -> None:
    doc = {"format": "pathways/1",
           "nodes": [{"id": "UFV:SMM", "kind": "course", "institution": "UFV", "title": "Social media marketing"}],
           "rules": [GRAPH["rules"][0] | {"note": "three micro-courses = GD 157"}]}
    response = client.post("/graph", json=doc, headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"nodes created": 1, "rules updated": 1}
    assert {"entity": "node", "id": "UFV:SMM", "op": "created"} in body["changes"]
    assert body["version"] == 2


def test_post_graph_rejects_an_invalid_document_whole(client: Client) -> None:
    doc = {"format": "pathways/1",
           "nodes": [{"id": "UFV:OK", "kind": "course", "institution": "UFV", "title": "fine"},
                     {"id": "UFV:BAD", "kind": "course", "title": "no institution", "credits": -1}],
           "rules": [{"id": "R", "kind": "sideways", "granted_by": "UFV", "requires": {"node": "UFV:OK"}, "grants": [{"node": "UFV:OK"}]}]}
    response = client.post("/graph", json=doc, headers=ADMIN)
    assert response.status_code == 422
    paths = [e["path"] for e in response.json()["errors"]]
    assert "nodes[1].credits" in paths and "rules[0].kind" in paths
    assert client.get("/nodes/UFV:OK").status_code == 404


def test_get_graph_exports_the_whole_graph(client: Client) -> None:
    doc = client.get("/graph", headers=bearer("council")).json()
    assert doc["format"] == "pathways/1"
    assert [n["id"] for n in doc["nodes"]] == sorted(n["id"] for n in GRAPH["nodes"])
    assert len(doc["rules"]) == len(GRAPH["rules"])


def test_audit_lists_who_when_and_what(client: Client) -> None:
    client.put("/nodes/UFV:SEO", json={"kind": "course", "institution": "UFV", "title": "SEO"}, headers=bearer("registrar:UFV"))
    client.delete("/rules/UFV-SFU-GD157", params={"date": "2026-01-31"}, headers=bearer("registrar:SFU"))
    body = client.get("/audit", headers=bearer("council")).json()
    entries = body["items"]
    assert [e["actor"] for e in entries] == ["fixture", "registrar:UFV", "registrar:SFU"]
    assert entries[1]["changes"] == [{"entity": "node", "id": "UFV:SEO", "op": "created", "changes": [
        {"field": f, "before": None, "after": v}
        for f, v in (("credits", 0), ("id", "UFV:SEO"), ("institution", "UFV"), ("kind", "course"), ("status", "active"), ("title", "SEO"))]}]
    assert entries[2]["action"] == "retire rule UFV-SFU-GD157 on 2026-01-31"
    assert entries[2]["at"] >= entries[1]["at"]
    first = client.get("/audit", params={"limit": 2}, headers=ADMIN).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get("/audit", params={"cursor": first["next_cursor"]}, headers=ADMIN).json()
    assert [e["seq"] for e in rest["items"]] == [entries[2]["seq"]]
    only = client.get("/audit", params={"actor": "registrar:SFU"}, headers=ADMIN).json()
    assert [e["actor"] for e in only["items"]] == ["registrar:SFU"]


def test_the_next_evaluation_sees_a_write(client: Client) -> None:
    before = _evaluate(client, THREE_MICRO_COURSES)
    assert [g["node"] for g in before["granted"]] == ["UFV:GD157"]
    rule = {"kind": "ladder", "granted_by": "SFU", "requires": {"node": "UFV:GD157"}, "grants": [{"node": "SFU:BA", "credits": 3}]}
    assert client.put("/rules/SFU-BA-LADDER", json=rule, headers=bearer("registrar:SFU")).status_code == 201
    after = _evaluate(client, THREE_MICRO_COURSES)
    assert [g["node"] for g in after["granted"]] == ["UFV:GD157", "SFU:BA"]
    retire = client.delete("/rules/UFV-GD157-PLAR", params={"date": "2025-01-31"}, headers=bearer("registrar:UFV"))
    assert retire.status_code == 200
    assert _evaluate(client, THREE_MICRO_COURSES)["granted"] == []


def test_a_write_by_another_process_is_seen_by_the_next_evaluation(client: Client, settings: Any) -> None:
    from pathways.model import parse_document
    from pathways.store import open_store

    assert [g["node"] for g in _evaluate(client, THREE_MICRO_COURSES)["granted"]] == ["UFV:GD157"]
    other = open_store(settings.store_url)  # a second connection: another worker or replica
    try:
        retired = GRAPH["rules"][0] | {"status": "retired"}
        other.import_document(parse_document({"format": "pathways/1", "rules": [retired]}), actor="admin", action="put rule")
    finally:
        other.close()
    assert _evaluate(client, THREE_MICRO_COURSES)["granted"] == []
