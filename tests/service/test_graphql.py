"""GraphQL at /graphql: every query and mutation, connections, agreements, errors and access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pathways.store import Store

from .conftest import GRAPH, Client, gql

NODE_FIELDS = "id kind institution title credits level subject hours cost competencies prerequisites identifiers status details limits { maxRecognizedCredits minResidencyCredits }"
RULE_FIELDS = "id kind grantedBy requires grants { node credits } validFrom validTo maxAgeYears status approvedBy note source"


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def test_institutions_and_institution(client: Client) -> None:
    data = _data(gql(client, '{ institutions { id name jurisdiction type } institution(id: "UFV") { name } missing: institution(id: "X") { id } }'))
    assert [i["id"] for i in data["institutions"]] == ["SFU", "UFV"]
    assert data["institutions"][1]["type"] == "university"
    assert data["institution"] == {"name": "University of the Fraser Valley"}
    assert data["missing"] is None


def test_node_mirrors_the_rest_entity(client: Client) -> None:
    node = _data(gql(client, f'{{ node(id: "UFV:PS-ESS") {{ {NODE_FIELDS} }} }}'))["node"]
    rest = client.get("/nodes/UFV:PS-ESS").json()
    assert node["competencies"] == rest["competencies"] and node["identifiers"] == rest["identifiers"]
    assert (node["hours"], node["cost"], node["credits"], node["status"]) == (30, 350, 1, "active")
    assert node["details"] == {} and node["limits"] is None and node["prerequisites"] is None
    assert _data(gql(client, '{ node(id: "NOPE") { id } }'))["node"] is None


def test_rule_carries_its_requirement_as_json(client: Client) -> None:
    rule = _data(gql(client, f'{{ rule(id: "UFV-SFU-GD157") {{ {RULE_FIELDS} }} }}'))["rule"]
    assert rule["requires"] == {"node": "UFV:GD157", "min_grade": "C"}
    assert rule["grantedBy"] == "SFU" and rule["grants"] == [{"node": "SFU:IAT1XX", "credits": None}]


def test_nodes_connection_pages_with_cursors(client: Client) -> None:
    query = "query($after: String) { nodes(first: 3, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
    seen, after, pages = [], None, 0
    while True:
        conn = _data(gql(client, query, {"after": after}))["nodes"]
        seen += [e["node"]["id"] for e in conn["edges"]]
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == sorted(n["id"] for n in GRAPH["nodes"]) and pages == 3
    filtered = _data(gql(client, '{ nodes(kind: "course", institution: "UFV", search: "photoshop") { edges { node { id } } } }'))
    assert [e["node"]["id"] for e in filtered["nodes"]["edges"]] == ["UFV:PS-ESS", "UFV:PS-GD"]


def test_rules_connection_filters(client: Client) -> None:
    data = _data(gql(client, '{ rules(grantedBy: "SFU", first: 1) { edges { node { id } } pageInfo { hasNextPage } } '
                             'touching: rules(touches: "UFV:GD157", status: "approved", kind: "transfer") { edges { node { id } } } }'))
    assert [e["node"]["id"] for e in data["rules"]["edges"]] == ["SFU-BA-PILOT"]
    assert data["rules"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in data["touching"]["edges"]] == ["UFV-SFU-GD157"]


def test_agreements_lists_transfer_rules_from_one_institution_to_another(client: Client) -> None:
    query = 'query($f: String!, $t: String!) { agreements(from: $f, to: $t) { edges { node { id kind } } pageInfo { hasNextPage } } }'
    forward = _data(gql(client, query, {"f": "UFV", "t": "SFU"}))["agreements"]
    assert forward["edges"] == [{"node": {"id": "UFV-SFU-GD157", "kind": "transfer"}}]
    assert _data(gql(client, query, {"f": "SFU", "t": "UFV"}))["agreements"]["edges"] == []


def test_agreements_see_a_new_transfer_rule(client: Client) -> None:
    rule = {"kind": "transfer", "granted_by": "UFV", "requires": {"node": "SFU:IAT1XX"}, "grants": [{"node": "UFV:GD157"}]}
    assert client.put("/rules/SFU-UFV-IAT", json=rule, headers={"Authorization": "Bearer tok-reg-ufv-0001"}).status_code == 201
    query = '{ agreements(from: "SFU", to: "UFV") { edges { node { id } } } }'
    assert _data(gql(client, query))["agreements"]["edges"] == [{"node": {"id": "SFU-UFV-IAT"}}]


def test_every_mutation_as_admin(client: Client, service_store: Store) -> None:
    inst = _data(gql(client, 'mutation { upsertInstitution(input: {id: "BCIT", name: "BCIT", type: "institute"}) { id name type } }',
                     role="admin"))["upsertInstitution"]
    assert inst == {"id": "BCIT", "name": "BCIT", "type": "institute"}
    node = _data(gql(client, 'mutation($n: NodeInput!) { upsertNode(input: $n) { id credits prerequisites details } }',
                     {"n": {"id": "BCIT:MT1", "kind": "micro_credential", "title": "Mass timber", "institution": "BCIT",
                            "credits": 2.5, "prerequisites": {"node": "UFV:PS-ESS"}, "details": {"delivery_mode": "online"}}},
                     role="admin"))["upsertNode"]
    assert node == {"id": "BCIT:MT1", "credits": 2.5, "prerequisites": {"node": "UFV:PS-ESS"}, "details": {"delivery_mode": "online"}}
    rule = _data(gql(client, 'mutation($r: RuleInput!) { upsertRule(input: $r) { id requires validFrom status } }',
                     {"r": {"id": "BCIT-R", "kind": "ladder", "grantedBy": "BCIT", "requires": {"node": "BCIT:MT1"},
                            "grants": [{"node": "UFV:GD157", "credits": 2.5}], "validFrom": "2024-09-01"}},
                     role="admin"))["upsertRule"]
    assert rule == {"id": "BCIT-R", "requires": {"node": "BCIT:MT1"}, "validFrom": "2024-09-01", "status": "approved"}
    ended = _data(gql(client, 'mutation { retireRule(id: "BCIT-R", date: "2026-06-30") { id status validTo } }',
                      role="admin"))["retireRule"]
    assert ended == {"id": "BCIT-R", "status": "approved", "validTo": "2026-06-30"}
    assert service_store.get_rule("BCIT-R").valid_to == dt.date(2026, 6, 30)  # type: ignore[union-attr]
    withdrawn = _data(gql(client, 'mutation { retireRule(id: "BCIT-R", date: "2024-01-01") { id status } }', role="admin"))
    assert withdrawn["retireRule"] == {"id": "BCIT-R", "status": "retired"}
    assert [e.actor for e in service_store.audit(limit=10)][-5:] == ["admin"] * 5


UPSERT_UFV_NODE = 'mutation { upsertNode(input: {id: "UFV:N", kind: "course", title: "N", institution: "UFV"}) { id } }'
RETIRE_SFU_RULE = 'mutation { retireRule(id: "UFV-SFU-GD157") { id } }'
UPSERT_INSTITUTION = 'mutation { upsertInstitution(input: {id: "X", name: "X"}) { id } }'
UPSERT_SFU_RULE = ('mutation { upsertRule(input: {id: "R", kind: "stack", grantedBy: "SFU", requires: {node: "SFU:IAT1XX"}, '
                   'grants: [{node: "SFU:BA"}]}) { id } }')


@pytest.mark.parametrize(
    ("mutation", "role", "status"),
    [
        (UPSERT_UFV_NODE, None, 401), (UPSERT_UFV_NODE, "registrar:SFU", 403), (UPSERT_UFV_NODE, "council", 403),
        (UPSERT_UFV_NODE, "registrar:UFV", None),
        (RETIRE_SFU_RULE, None, 401), (RETIRE_SFU_RULE, "registrar:UFV", 403), (RETIRE_SFU_RULE, "registrar:SFU", None),
        (UPSERT_INSTITUTION, "registrar:UFV", 403), (UPSERT_INSTITUTION, "council", 403), (UPSERT_INSTITUTION, "admin", None),
        (UPSERT_SFU_RULE, "registrar:UFV", 403), (UPSERT_SFU_RULE, "registrar:SFU", None),
    ],
)
def test_mutation_access(client: Client, service_store: Store, mutation: str, role: str | None, status: int | None) -> None:
    version = service_store.version()
    body = gql(client, mutation, role=role)
    if status is None:
        _data(body)
        assert service_store.version() == version + 1
        return
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["status"] == status
    assert error["extensions"]["title"] in ("authentication required", "forbidden")
    assert service_store.version() == version


def test_invalid_mutation_input_carries_problems_with_paths(client: Client) -> None:
    body = gql(client, 'mutation { upsertRule(input: {id: "R", kind: "stack", grantedBy: "UFV", requires: {at_least: 5, of: []}, '
                       'grants: [{node: "UFV:NOPE"}]}) { id } }', role="admin")
    [error] = body["errors"]
    assert error["extensions"]["status"] == 422
    assert all(e["path"].startswith("input.requires") for e in error["extensions"]["errors"])
    body = gql(client, 'mutation { upsertRule(input: {id: "R", kind: "stack", grantedBy: "UFV", requires: {node: "UFV:NOPE"}, '
                       'grants: [{node: "UFV:GD157"}]}) { id } }', role="admin")
    assert body["errors"][0]["extensions"]["errors"] == [{"path": "input.requires.node", "message": 'unknown node "UFV:NOPE"'}]


def test_query_errors_carry_the_problem(client: Client) -> None:
    body = gql(client, '{ reach(node: "NOPE") { node } }')
    assert body["errors"][0]["extensions"]["status"] == 404
    body = gql(client, '{ countToward(holdings: [{node: "UFV:PS-ESS", earned: "2027-01-01"}], asOf: "2026-01-01") { asOf } }')
    assert body["errors"][0]["extensions"]["errors"] == [{"path": "holdings[0].earned", "message": "2027-01-01 is after as_of 2026-01-01"}]
    body = gql(client, '{ nodes(first: 5000) { edges { cursor } } }')
    assert body["errors"][0]["extensions"]["errors"][0]["path"] == "first"


def test_graphql_type_errors_are_reported_by_graphql(client: Client) -> None:
    response = client.post("/graphql", json={"query": '{ reach(node: 5) { node } }'})
    assert response.status_code == 200
    assert "String" in response.json()["errors"][0]["message"]


def test_graphiql_is_served_to_a_browser(client: Client) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_a_document_that_does_not_validate_is_answered_not_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    # the caller's mistake: logging it would let any client fill the server's log (and, with
    # the log on a pipe nobody reads, block the server)
    with caplog.at_level("DEBUG"):
        body = gql(client, '{ countToward(holdings: [{node: "UFV:PS-ESS"}]) { granted { node } } }')
    assert "must have a selection of subfields" in body["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= 40], [r.getMessage() for r in caplog.records]
