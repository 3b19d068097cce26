"""The whole access matrix: every write (and export, audit) against every role.

Anonymous gets 401, a role outside its scope 403, and in both cases nothing is written
(the graph version and the audit log are unchanged); a role in scope succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pathways.store import Store

from .conftest import GRAPH, TOKENS, Client, bearer, gql

ROLES: tuple[str | None, ...] = (None, "registrar:UFV", "registrar:SFU", "council", "admin")


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    path: str
    body: Any
    allowed: frozenset[str]


def _node(id: str, institution: str | None, kind: str = "course") -> dict[str, Any]:
    return {"id": id, "kind": kind, "title": id} | ({"institution": institution} if institution else {})


UFV_DOC = {"format": "pathways/1", "nodes": [_node("UFV:NEW", "UFV")],
           "rules": [{"id": "UFV-NEW", "kind": "stack", "granted_by": "UFV", "requires": {"node": "UFV:PS-ESS"}, "grants": [{"node": "UFV:NEW"}]}]}

FOREIGN_GRANT = {"kind": "transfer", "granted_by": "SFU", "requires": {"node": "SFU:IAT1XX"},
                 "grants": [{"node": "UFV:GD157", "credits": 30}]}

WRITES = (
    Write("put institution", "PUT", "/institutions/UFV", {"name": "UFV renamed"}, frozenset({"admin"})),
    Write("put node of UFV", "PUT", "/nodes/UFV:NEW", _node("UFV:NEW", "UFV"), frozenset({"admin", "registrar:UFV"})),
    Write("put node of SFU", "PUT", "/nodes/SFU:NEW", _node("SFU:NEW", "SFU"), frozenset({"admin", "registrar:SFU"})),
    Write("move a UFV node to SFU", "PUT", "/nodes/UFV:GD157", _node("UFV:GD157", "SFU"), frozenset({"admin"})),
    Write("put competency", "PUT", "/nodes/CMP:NEW", _node("CMP:NEW", None, "competency"), frozenset({"admin"})),
    Write("put rule granted by UFV", "PUT", "/rules/UFV-NEW",
          {"kind": "stack", "granted_by": "UFV", "requires": {"node": "UFV:PS-ESS"}, "grants": [{"node": "UFV:GD157"}]},
          frozenset({"admin", "registrar:UFV"})),
    Write("regrant an SFU rule as UFV", "PUT", "/rules/UFV-SFU-GD157", GRAPH["rules"][1] | {"granted_by": "UFV"}, frozenset({"admin"})),
    Write("patch a UFV rule", "PATCH", "/rules/UFV-GD157-PLAR", {"note": "patched"}, frozenset({"admin", "registrar:UFV"})),
    Write("patch an SFU rule", "PATCH", "/rules/UFV-SFU-GD157", {"note": "patched"}, frozenset({"admin", "registrar:SFU"})),
    Write("patch an SFU rule to grant as UFV", "PATCH", "/rules/UFV-SFU-GD157", {"granted_by": "UFV"}, frozenset({"admin"})),
    Write("patch a UFV node", "PATCH", "/nodes/UFV:GD157", {"title": "Digital Imaging I"}, frozenset({"admin", "registrar:UFV"})),
    Write("patch an SFU node", "PATCH", "/nodes/SFU:BA", {"credits": 121}, frozenset({"admin", "registrar:SFU"})),
    Write("patch a UFV node over to SFU", "PATCH", "/nodes/UFV:GD157", {"institution": "SFU"}, frozenset({"admin"})),
    Write("patch a competency", "PATCH", "/nodes/CMP:IMAGE-EDITING", {"title": "Imaging"}, frozenset({"admin"})),
    Write("retire a UFV rule", "DELETE", "/rules/UFV-GD157-PLAR", None, frozenset({"admin", "registrar:UFV"})),
    Write("retire an SFU rule", "DELETE", "/rules/UFV-SFU-GD157", None, frozenset({"admin", "registrar:SFU"})),
    Write("import a UFV-only document", "POST", "/graph", UFV_DOC, frozenset({"admin", "registrar:UFV"})),
    Write("import an institution", "POST", "/graph",
          {"format": "pathways/1", "institutions": [{"id": "BCIT", "name": "BCIT"}]}, frozenset({"admin"})),
    Write("import UFV and SFU nodes", "POST", "/graph",
          {"format": "pathways/1", "nodes": [_node("UFV:NEW", "UFV"), _node("SFU:NEW", "SFU")]}, frozenset({"admin"})),
    # foreign grants: a registrar grants only their own institution's credit
    Write("put rule granted by SFU granting a UFV course", "PUT", "/rules/SFU-FAKE", FOREIGN_GRANT, frozenset({"admin"})),
    Write("put rule granted by UFV granting an SFU course", "PUT", "/rules/UFV-FAKE",
          {"kind": "transfer", "granted_by": "UFV", "requires": {"node": "UFV:GD157"}, "grants": [{"node": "SFU:IAT1XX"}]},
          frozenset({"admin"})),
    Write("import a rule granted by SFU granting a UFV course", "POST", "/graph",
          {"format": "pathways/1", "rules": [FOREIGN_GRANT | {"id": "SFU-FAKE"}]}, frozenset({"admin"})),
    Write("import an SFU node and a rule granting it", "POST", "/graph",
          {"format": "pathways/1", "nodes": [_node("SFU:NEW", "SFU")],
           "rules": [{"id": "SFU-NEW", "kind": "transfer", "granted_by": "SFU", "requires": {"node": "UFV:GD157"},
                      "grants": [{"node": "SFU:NEW"}]}]},
          frozenset({"admin", "registrar:SFU"})),
    Write("import a rule granting a node the same document moves to SFU", "POST", "/graph",
          {"format": "pathways/1", "nodes": [_node("UFV:GD157", "SFU")], "rules": [FOREIGN_GRANT | {"id": "SFU-FAKE"}]},
          frozenset({"admin"})),
    # foreign id prefixes: the id names the institution as much as the field does
    Write("put node UFV:FAKE of SFU", "PUT", "/nodes/UFV:FAKE", _node("UFV:FAKE", "SFU"), frozenset({"admin"})),
    Write("put node with no prefix", "PUT", "/nodes/FAKE-1", _node("FAKE-1", "SFU"), frozenset({"admin"})),
    Write("import node UFV:FAKE of SFU", "POST", "/graph",
          {"format": "pathways/1", "nodes": [_node("UFV:FAKE", "SFU")]}, frozenset({"admin"})),
)

READS = (
    ("export", "/graph"),
    ("audit", "/audit"),
)


def _case_id(value: object) -> str:
    return str(value) if not isinstance(value, Write) else value.name


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("write", WRITES, ids=_case_id)
def test_write_access(client: Client, service_store: Store, write: Write, role: str | None) -> None:
    version, audit = service_store.version(), len(service_store.audit(limit=1000))
    existed = write.method != "PUT" or client.get(write.path).status_code == 200
    kwargs = {"json": write.body} if write.body is not None else {}
    response = client.request(write.method, write.path, headers=bearer(role), **kwargs)
    if role is None:
        expected = 401
    elif role in write.allowed:
        expected = 200 if existed else 201
    else:
        expected = 403
    assert response.status_code == expected, response.text
    if expected in (401, 403):
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == expected
        assert service_store.version() == version, "a refused write changed the graph"
        assert len(service_store.audit(limit=1000)) == audit, "a refused write reached the audit log"
    else:
        assert service_store.version() == version + 1
        assert service_store.audit(limit=1000)[-1].actor == role


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(("name", "path"), READS, ids=[r[0] for r in READS])
def test_export_and_audit_are_for_admin_and_council(client: Client, name: str, path: str, role: str | None) -> None:
    response = client.get(path, headers=bearer(role))
    expected = 401 if role is None else 200 if role in ("admin", "council") else 403
    assert response.status_code == expected, response.text


def test_unknown_token_or_scheme_is_401_and_writes_nothing(client: Client, service_store: Store) -> None:
    version = service_store.version()
    for header in ("Bearer not-a-token", "Basic " + TOKENS["admin"], "Bearer"):
        response = client.put("/nodes/UFV:NEW", json=_node("UFV:NEW", "UFV"), headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert service_store.version() == version


def test_reads_evaluate_reach_and_plan_need_no_token(client: Client) -> None:
    for path in ("/health", "/institutions", "/nodes", "/rules", "/nodes/UFV:PS-ESS", "/rules/UFV-GD157-PLAR",
                 "/nodes/UFV:PS-ESS/counts-toward"):
        assert client.get(path).status_code == 200, path
    assert client.post("/evaluate", json={"holdings": []}).status_code == 200


def test_anonymous_with_a_bad_body_is_still_401(client: Client) -> None:
    response = client.put("/nodes/UFV:X", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 401


@pytest.mark.parametrize(("mutation", "variables"), [
    ("mutation($r: RuleInput!) { upsertRule(input: $r) { id } }",
     {"r": {"id": "SFU-FAKE", "kind": "transfer", "grantedBy": "SFU", "requires": {"node": "SFU:IAT1XX"},
            "grants": [{"node": "UFV:GD157", "credits": 30}]}}),
    ("mutation($n: NodeInput!) { upsertNode(input: $n) { id } }",
     {"n": {"id": "UFV:FAKE", "kind": "course", "institution": "SFU", "title": "fake"}}),
], ids=["foreign grant", "foreign id prefix"])
def test_graphql_mutations_refuse_foreign_grants_and_prefixes(client: Client, service_store: Store, mutation: str,
                                                              variables: dict[str, Any]) -> None:
    version = service_store.version()
    body = gql(client, mutation, variables, role="registrar:SFU")
    assert body["errors"][0]["extensions"]["status"] == 403, body
    assert service_store.version() == version
    assert gql(client, mutation, variables, role="admin").get("errors") is None
