"""GET /audit with diffs: every write's changed fields, before and after, and the filters
entity, actor and since."""

from __future__ import annotations

import datetime as dt

from .conftest import Client, bearer

ADMIN = bearer("admin")


def _entries(client: Client, **params: str) -> list[dict[str, object]]:
    response = client.get("/audit", params=params, headers=bearer("council"))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_a_patch_and_a_retirement_are_recorded_field_by_field(client: Client) -> None:
    client.request("PATCH", "/rules/UFV-GD157-PLAR", json={"note": "three = one", "approved_by": None}, headers=bearer("registrar:UFV"))
    client.delete("/rules/UFV-GD157-PLAR", params={"date": "2026-06-30"}, headers=bearer("registrar:UFV"))
    patched, retired = _entries(client, entity="UFV-GD157-PLAR")[-2:]
    assert patched["changes"] == [{"entity": "rule", "id": "UFV-GD157-PLAR", "op": "updated", "changes": [
        {"field": "approved_by", "before": "UFV Senate", "after": None},
        {"field": "note", "before": None, "after": "three = one"}]}]
    assert retired["changes"] == [{"entity": "rule", "id": "UFV-GD157-PLAR", "op": "updated", "changes": [
        {"field": "valid_to", "before": None, "after": "2026-06-30"}]}]


def test_an_import_records_each_entity_it_changed(client: Client) -> None:
    doc = {"format": "pathways/1", "nodes": [{"id": "UFV:GD157", "kind": "course", "institution": "UFV", "title": "Digital Imaging",
                                              "credits": 3, "level": 2, "subject": "GD"}]}
    assert client.post("/graph", json=doc, headers=ADMIN).status_code == 200
    (entry,) = _entries(client, entity="UFV:GD157", actor="admin")
    assert entry["action"] == "import graph"
    assert entry["changes"] == [{"entity": "node", "id": "UFV:GD157", "op": "updated", "changes": [
        {"field": "level", "before": 1, "after": 2}]}]


def test_filters_combine_and_page(client: Client) -> None:
    for title in ("A", "B", "C"):
        client.request("PATCH", "/nodes/UFV:IL-GD", json={"title": title}, headers=bearer("registrar:UFV"))
    client.request("PATCH", "/nodes/SFU:BA", json={"title": "BA"}, headers=bearer("registrar:SFU"))
    assert [e["actor"] for e in _entries(client, entity="UFV:IL-GD")] == ["fixture", "registrar:UFV", "registrar:UFV", "registrar:UFV"]
    assert [e["action"] for e in _entries(client, actor="registrar:SFU")] == ["patch node SFU:BA"]
    first = client.get("/audit", params={"entity": "UFV:IL-GD", "actor": "registrar:UFV", "limit": 2}, headers=ADMIN).json()
    assert [e["changes"][0]["changes"][0]["after"] for e in first["items"]] == ["A", "B"]
    rest = client.get("/audit", params={"entity": "UFV:IL-GD", "actor": "registrar:UFV", "cursor": first["next_cursor"]},
                      headers=ADMIN).json()
    assert [e["changes"][0]["changes"][0]["after"] for e in rest["items"]] == ["C"] and rest["next_cursor"] is None
    today = dt.datetime.now(dt.timezone.utc).date()
    assert len(_entries(client, since=today.isoformat())) == 5
    assert _entries(client, since=(today + dt.timedelta(days=1)).isoformat()) == []
    # an offset is honoured: an hour ago and an hour ahead, written at UTC-12 (whatever the hour of the day)
    west, now = dt.timezone(dt.timedelta(hours=-12)), dt.datetime.now(dt.timezone.utc)
    assert len(_entries(client, since=(now - dt.timedelta(hours=1)).astimezone(west).isoformat(timespec="seconds"))) == 5
    assert _entries(client, since=(now + dt.timedelta(hours=1)).astimezone(west).isoformat(timespec="seconds")) == []


def test_a_bad_since_is_422_naming_it(client: Client) -> None:
    response = client.get("/audit", params={"since": "last week"}, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "since"
