"""POST /graph with Content-Type text/csv: a transfer-guide table imported whole, through the real app."""

from __future__ import annotations

from tests.service.conftest import Client, bearer

CSV = {"Content-Type": "text/csv; charset=utf-8"}
TABLE = (
    "sending_institution,sending_course,sending_title,receiving_institution,transfer_credit,effective\n"
    "UFV,GD 157,Digital Imaging,SFU,SFU IAT 1XX (3) B-Hum,Sep/21 - present\n"
    "UFV,CMNS 251,Social Media,SFU,SFU CMNS 2XX (3),\n"
    "UFV,PE 100,Fitness,SFU,No credit,\n"
)


def test_an_admin_imports_a_table_and_gets_rows_and_changes(client: Client) -> None:
    response = client.post("/graph?layout=bctg", content=TABLE, headers={**CSV, **bearer("admin")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == 3
    assert body["counts"] == {"nodes created": 5, "rules created": 3}  # the "No credit" row is a rule granting nothing
    rule = client.get("/rules/TG:UFV:GD-157:SFU:202109").json()
    assert rule["grants"] == [{"node": "SFU:IAT-1XX", "credits": 3}] and rule["granted_by"] == "SFU"
    assert client.get("/nodes/SFU:IAT-1XX").json()["details"] == {"unassigned": True, "repeatable": True}
    audit = client.get("/audit", headers=bearer("admin")).json()
    assert audit["items"][-1]["action"] == "import bctg table"


def test_bad_rows_are_a_422_naming_line_and_column_and_nothing_is_written(client: Client) -> None:
    bad = TABLE.replace("SFU CMNS 2XX (3)", "SFU CMNS 2XX (three)")
    response = client.post("/graph", content=bad, headers={**CSV, **bearer("admin")})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [{"path": "line 3, column 5 (transfer_credit)",
                                          "message": "character 15: expected a number of credits such as 3 or 1.5 in 'SFU CMNS 2XX (three)'"}]
    assert client.get("/nodes/UFV:GD-157").status_code == 404


def test_a_registrar_may_import_only_their_own_agreements(client: Client) -> None:
    existing = TABLE.splitlines()[0] + "\nUFV,GD 157,Digital Imaging,SFU,SFU IAT 1XX (3),\n"
    response = client.post("/graph", content=existing, headers={**CSV, **bearer("registrar:UFV")})
    assert response.status_code == 403
    assert client.get("/rules/TG:UFV:GD-157:SFU").status_code == 404
    assert client.post("/graph", content=existing, headers=CSV).status_code == 401


def test_an_unknown_layout_or_a_non_utf8_body_is_a_422(client: Client) -> None:
    response = client.post("/graph?layout=tes", content=TABLE, headers={**CSV, **bearer("admin")})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "query.layout"
    response = client.post("/graph", content=b"\xff\xfe\x00", headers={**CSV, **bearer("admin")})
    assert response.status_code == 422 and "not UTF-8" in response.json()["detail"]
