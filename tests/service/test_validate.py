"""GET /validate and GraphQL validation(institution): the registrar checks over HTTP, open to anyone."""

from __future__ import annotations

from .conftest import Client, bearer


def _overlap(client: Client) -> None:
    """Give SFU a second rule on UFV:GD157, at B or better, granting another node: overlapping grade ranges."""
    rule = {"kind": "transfer", "granted_by": "SFU", "requires": {"node": "UFV:GD157", "min_grade": "B"},
            "grants": [{"node": "SFU:BA", "credits": 3}]}
    assert client.put("/rules/SFU-GD157-B", json=rule, headers=bearer("admin")).status_code == 201


def test_validate_lists_findings_with_severity_errors_first(client: Client) -> None:
    _overlap(client)
    body = client.get("/validate").json()
    assert body["findings"][0] == {
        "check": "overlapping", "severity": "error", "rules": ["SFU-GD157-B", "UFV-SFU-GD157"], "nodes": [],
        "message": "SFU grants SFU:BA for UFV:GD157 at B or better (SFU-GD157-B, with no start date, open-ended) and SFU:IAT1XX "
                   "at C or better (UFV-SFU-GD157, with no start date, open-ended): a grade of B or better earns both."}
    severities = [f["severity"] for f in body["findings"]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_validate_by_institution(client: Client) -> None:
    _overlap(client)
    ufv = client.get("/validate", params={"institution": "UFV"}).json()["findings"]
    assert all(f["check"] != "overlapping" for f in ufv)
    sfu = client.get("/validate", params={"institution": "SFU"}).json()["findings"]
    assert [f["check"] for f in sfu if f["severity"] == "error"] == ["overlapping"]


def test_a_pilot_older_than_the_review_cycle_is_overdue(client: Client) -> None:
    client.request("PATCH", "/rules/SFU-BA-PILOT", json={"valid_from": "2025-01-01"}, headers=bearer("admin"))
    checks = [f["check"] for f in client.get("/validate").json()["findings"]]
    assert "pilot_overdue" not in checks
    client.request("PATCH", "/rules/SFU-BA-PILOT", json={"valid_from": "2020-01-01"}, headers=bearer("admin"))
    overdue = [f for f in client.get("/validate").json()["findings"] if f["check"] == "pilot_overdue"]
    assert [f["rules"] for f in overdue] == [["SFU-BA-PILOT"]]
    assert "longer than the 2-year review cycle" in overdue[0]["message"]


def test_graphql_validation_matches_rest(client: Client) -> None:
    _overlap(client)
    query = "query($i: String) { validation(institution: $i) { check severity rules nodes message } }"
    for institution in (None, "SFU", "UFV"):
        response = client.post("/graphql", json={"query": query, "variables": {"i": institution}})
        rest = client.get("/validate", params={"institution": institution} if institution else {}).json()["findings"]
        assert response.json()["data"]["validation"] == rest
