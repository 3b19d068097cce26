"""Open reads over REST: health, institutions, nodes, rules, paging, 404s, counts-toward."""

from __future__ import annotations

from .conftest import GRAPH, Client


def test_health_reports_the_store_and_its_counts(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "sqlite", "nodes": len(GRAPH["nodes"]), "rules": len(GRAPH["rules"])}


def test_institutions_lists_every_institution_by_id(client: Client) -> None:
    body = client.get("/institutions").json()
    assert [i["id"] for i in body["items"]] == ["SFU", "UFV"]
    assert body["next_cursor"] is None
    assert client.get("/institutions/UFV").json()["name"] == "University of the Fraser Valley"


def test_node_by_id_is_its_document_json(client: Client) -> None:
    node = client.get("/nodes/UFV:PS-ESS").json()
    assert node == GRAPH["nodes"][1] | {"status": "active"}


def test_nodes_filter_by_kind_institution_and_text(client: Client) -> None:
    assert [n["id"] for n in client.get("/nodes", params={"kind": "credential"}).json()["items"]] == ["SFU:BA"]
    assert [n["id"] for n in client.get("/nodes", params={"institution": "SFU"}).json()["items"]] == ["SFU:BA", "SFU:IAT1XX"]
    assert [n["id"] for n in client.get("/nodes", params={"q": "photoshop"}).json()["items"]] == ["UFV:PS-ESS", "UFV:PS-GD"]


def test_nodes_page_with_an_opaque_cursor_until_exhausted(client: Client) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/nodes", params=params).json()
        assert len(body["items"]) <= 3
        seen += [n["id"] for n in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(n["id"] for n in GRAPH["nodes"])
    assert pages == 3


def test_rules_filter_by_granted_by_kind_status_and_touches(client: Client) -> None:
    def ids(**params: str) -> list[str]:
        return [r["id"] for r in client.get("/rules", params=params).json()["items"]]

    assert ids(granted_by="SFU") == ["SFU-BA-PILOT", "UFV-SFU-GD157"]
    assert ids(kind="plar") == ["UFV-GD157-PLAR"]
    assert ids(status="pilot") == ["SFU-BA-PILOT"]
    assert ids(touches="UFV:GD157") == ["UFV-GD157-PLAR", "UFV-SFU-GD157"]
    page = client.get("/rules", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get("/rules", params={"limit": 5, "cursor": page["next_cursor"]}).json()
    assert [r["id"] for r in rest["items"]] == ["UFV-GD157-PLAR", "UFV-SFU-GD157"]


def test_rule_by_id_carries_its_requirement_as_json(client: Client) -> None:
    rule = client.get("/rules/UFV-SFU-GD157").json()
    assert rule["requires"] == {"node": "UFV:GD157", "min_grade": "C"}
    assert rule["status"] == "approved"


def test_unknown_ids_are_404_problems(client: Client) -> None:
    for path in ("/nodes/UFV:NOPE", "/rules/NOPE", "/institutions/NOPE", "/nodes/UFV:NOPE/counts-toward"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 404 and body["title"] == "not found" and "NOPE" in body["detail"]


def test_counts_toward_follows_rules_upward_to_the_depth(client: Client) -> None:
    body = client.get("/nodes/UFV:PS-ESS/counts-toward").json()
    assert body["node"] == "UFV:PS-ESS" and body["depth"] == 3
    targets = {t["node"]: t for t in body["targets"]}
    assert targets["UFV:GD157"]["distance"] == 1
    assert targets["SFU:IAT1XX"]["distance"] == 2
    step = targets["UFV:GD157"]["paths"][0][0]
    assert step["rule"] == "UFV-GD157-PLAR"
    assert step["also_needs"] == {"all": [{"node": "UFV:IL-GD"}, {"node": "UFV:PS-GD"}]}
    shallow = client.get("/nodes/UFV:PS-ESS/counts-toward", params={"depth": 1}).json()
    assert [t["node"] for t in shallow["targets"]] == ["UFV:GD157"]


def test_openapi_and_docs_are_served(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/nodes/{id}", "/rules/{id}", "/evaluate", "/plan", "/graph", "/audit", "/health"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 200
