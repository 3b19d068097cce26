"""POST /impact over HTTP: the shape the web app codes against, open to anyone, writes nothing."""

from __future__ import annotations

import datetime as dt

from pathways.store import Store

from .conftest import Client


def test_ending_the_plar_rule_loses_what_it_carried_and_writes_nothing(client: Client, service_store: Store) -> None:
    version = service_store.version()
    response = client.post("/impact", json={"end": "UFV-GD157-PLAR", "date": "2026-09-01"})
    assert response.status_code == 200, response.text
    lost = [(p["source"], p["target"]) for p in response.json()["reach"]["lost"]]
    assert lost == [(s, t) for s in ("UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD") for t in ("SFU:IAT1XX", "UFV:GD157")]
    assert response.json()["change"] == {"end": "UFV-GD157-PLAR", "date": "2026-09-01"}
    assert response.json()["evaluations"] == {"stored": 0, "changed": 0}
    assert service_store.version() == version


def test_the_date_defaults_to_today(client: Client) -> None:
    body = client.post("/impact", json={"end": "UFV-SFU-GD157"}).json()
    assert body["change"] == {"end": "UFV-SFU-GD157", "date": dt.date.today().isoformat()}
    assert body["reach"]["lost"] == [{"source": s, "target": "SFU:IAT1XX"} for s in ("UFV:GD157", "UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD")]


def test_a_proposed_rule_to_a_credential_gains_a_route(client: Client) -> None:
    rule = {"id": "SFU-BA-LADDER", "kind": "ladder", "granted_by": "SFU", "requires": {"node": "SFU:IAT1XX"}, "grants": [{"node": "SFU:BA"}]}
    body = client.post("/impact", json={"rule": rule}).json()
    assert body["change"] == {"rule": "SFU-BA-LADDER"}
    assert {"credential": "SFU:BA", "rule": "SFU-BA-LADDER", "source": "UFV:PS-ESS"} in body["routes"]["gained"]
    assert {(r["source"]) for r in body["routes"]["gained"]} == {"SFU:IAT1XX", "UFV:GD157", "UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"}
    assert body["routes"]["lost"] == [] and body["reach"]["lost"] == []


def test_unknown_rule_is_404_and_bad_bodies_422_naming_the_field(client: Client) -> None:
    missing = client.post("/impact", json={"end": "NO-SUCH"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    for body, path in (({"end": "UFV-SFU-GD157", "date": "soon"}, "date"),
                       ({"rule": {"id": "R", "kind": "stack", "granted_by": "SFU", "requires": {"node": "SFU:NOPE"},
                                  "grants": [{"node": "SFU:BA"}]}}, "rule.requires.node"),
                       ({"rule": {"id": "R"}}, "rule.kind")):
        response = client.post("/impact", json=body)
        assert response.status_code == 422, body
        assert path in [e["path"] for e in response.json()["errors"]]
