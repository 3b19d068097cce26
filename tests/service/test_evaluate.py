"""POST /evaluate and POST /plan through the real app, and GraphQL's answers field for field."""

from __future__ import annotations

import re
from typing import Any

from .conftest import THREE_MICRO_COURSES, Client, gql

EVALUATION_FIELDS = """
  asOf
  granted { node { id } credits rule kind grantedBy earned grade uses lineage notApplied }
  noCredit { rule grantedBy uses }
  progress { rule target kind fraction uses missing creditsNeeded }
  progressTotal
  skipped { rule reason }
  unrecognized
  recognized { input node expired }
  nodes
"""


_JSON_SCALARS = {"missing", "also_needs"}


def camel(data: Any) -> Any:
    """REST JSON with every key in camelCase: what GraphQL returns for the same answer.

    Keys of ``nodes`` (node ids) and everything inside it (a JSON scalar) stay as they are.
    """
    if isinstance(data, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): v if k == "nodes" or k in _JSON_SCALARS else camel(v) for k, v in data.items()}
    if isinstance(data, list):
        return [camel(v) for v in data]
    return data


def node_ids(data: Any) -> Any:
    """GraphQL JSON with each granted ``node { id }`` object put back to its id, as REST has it."""
    if isinstance(data, dict):
        return {k: v["id"] if k == "node" and isinstance(v, dict) else node_ids(v) for k, v in data.items()}
    if isinstance(data, list):
        return [node_ids(v) for v in data]
    return data


def test_evaluate_grants_chains_and_reports_progress_and_skips(client: Client) -> None:
    body = {"holdings": THREE_MICRO_COURSES + [{"node": "XYZ:UNKNOWN"}], "as_of": "2026-11-22"}
    result = client.post("/evaluate", json=body).json()
    assert result["as_of"] == "2026-11-22"
    assert result["granted"][0] == {
        "node": "UFV:GD157", "credits": 3, "rule": "UFV-GD157-PLAR", "kind": "plar", "granted_by": "UFV",
        "earned": "2025-06-30", "grade": "P", "uses": ["UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"],
        "lineage": ["UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"], "not_applied": 0,
    }
    # a P grade does not meet min_grade C: the transfer does not fire
    assert [g["node"] for g in result["granted"]] == ["UFV:GD157"]
    assert result["unrecognized"] == ["XYZ:UNKNOWN"]


def test_a_bare_list_is_taken_as_holdings(client: Client) -> None:
    graded = [h | {"grade": "B"} for h in THREE_MICRO_COURSES]
    result = client.post("/evaluate", json=graded).json()
    assert [g["node"] for g in result["granted"]] == ["UFV:GD157", "SFU:IAT1XX"]


def test_pilot_rules_are_skipped_unless_included(client: Client) -> None:
    holdings = [{"node": "SFU:IAT1XX", "grade": "A", "earned": "2025-01-01"}]
    plain = client.post("/evaluate", json={"holdings": holdings, "as_of": "2026-01-01"}).json()
    assert plain["skipped"] == [{"rule": "SFU-BA-PILOT", "reason": "pilot"}]
    piloted = client.post("/evaluate", json={"holdings": holdings, "as_of": "2026-01-01", "include_pilot": True}).json()
    assert [g["node"] for g in piloted["granted"]] == ["SFU:BA"]


def test_count_toward_over_graphql_is_the_rest_json_field_for_field(client: Client) -> None:
    holdings = [h | {"grade": "B"} for h in THREE_MICRO_COURSES[:2]] + [{"node": "SFU:IAT1XX", "earned": "2025-01-01"}, {"node": "X:Y"}]
    rest = client.post("/evaluate", json={"holdings": holdings, "as_of": "2026-01-01"}).json()
    assert rest["progress"] and rest["skipped"] and rest["unrecognized"]
    query = f"query($h: [HoldingInput!]!) {{ countToward(holdings: $h, asOf: \"2026-01-01\") {{ {EVALUATION_FIELDS} }} }}"
    body = gql(client, query, {"h": holdings})
    assert "errors" not in body, body
    assert node_ids(body["data"]["countToward"]) == camel(rest)

    full = [h | {"grade": "B"} for h in THREE_MICRO_COURSES]
    rest = client.post("/evaluate", json={"holdings": full, "as_of": "2026-01-01", "include_pilot": True}).json()
    assert len(rest["granted"]) == 3
    query = f"query($h: [HoldingInput!]!) {{ countToward(holdings: $h, asOf: \"2026-01-01\", includePilot: true) {{ {EVALUATION_FIELDS} }} }}"
    assert node_ids(gql(client, query, {"h": full})["data"]["countToward"]) == camel(rest)


def test_reach_over_graphql_is_the_rest_json_field_for_field(client: Client) -> None:
    rest = client.get("/nodes/UFV:PS-ESS/counts-toward", params={"depth": 2}).json()
    query = "{ reach(node: \"UFV:PS-ESS\", depth: 2) { node depth targets { node distance paths { rule grants alsoNeeds } } noCredit { rule grantedBy } " \
            "poolTargets { node rule share alsoNeeds } poolTargetsTotal nodes } }"
    assert gql(client, query)["data"]["reach"] == camel(rest)


def test_reach_lists_credit_pool_targets_the_same_over_rest_and_graphql(client: Client) -> None:
    from .conftest import bearer

    pool = {"kind": "stack", "granted_by": "SFU", "requires": {"credits": 120, "where": {"institution": "SFU"}}, "grants": [{"node": "SFU:BA"}]}
    assert client.put("/rules/SFU-BA-POOL", json=pool, headers=bearer("registrar:SFU")).status_code == 201
    rest = client.get("/nodes/SFU:IAT1XX/counts-toward").json()
    assert rest["pool_targets"] == [{"node": "SFU:BA", "rule": "SFU-BA-POOL", "share": 0.025,
                                     "also_needs": {"credits": 117, "where": {"institution": "SFU"}}}]
    assert rest["pool_targets_total"] == 1 and "SFU:BA" in rest["nodes"]
    query = "{ reach(node: \"SFU:IAT1XX\") { node depth targets { node distance paths { rule grants alsoNeeds } } " \
            "noCredit { rule grantedBy } poolTargets { node rule share alsoNeeds } poolTargetsTotal nodes } }"
    assert gql(client, query)["data"]["reach"] == camel(rest)


def test_plan_finds_the_cheapest_route_and_matches_graphql(client: Client) -> None:
    body = {"holdings": [THREE_MICRO_COURSES[0]], "target": "UFV:GD157", "as_of": "2026-01-01"}
    rest = client.post("/plan", json=body).json()
    assert rest["feasible"] is True
    assert rest["plans"][0]["items"] == ["UFV:IL-GD", "UFV:PS-GD"]
    assert rest["plans"][0]["total"] == 60
    query = """query($i: PlanInput!) { plan(input: $i) { target objective feasible reason nodes
      plans { items total sequence retakes
              granted { node { id } credits rule kind grantedBy earned grade uses lineage notApplied } } } }"""
    answer = gql(client, query, {"i": {"holdings": [THREE_MICRO_COURSES[0]], "target": "UFV:GD157", "asOf": "2026-01-01"}})
    assert node_ids(answer["data"]["plan"]) == camel(rest)


def test_a_plan_s_retakes_are_the_same_over_rest_and_graphql(client: Client) -> None:
    # Illustrator for GD was failed: taking it again is a retake
    holdings = [THREE_MICRO_COURSES[0], {"node": "UFV:IL-GD", "grade": "F", "earned": "2025-04-30"}]
    rest = client.post("/plan", json={"holdings": holdings, "target": "UFV:GD157", "as_of": "2026-01-01"}).json()
    assert [(p["items"], p["retakes"]) for p in rest["plans"]] == [(["UFV:IL-GD", "UFV:PS-GD"], ["UFV:IL-GD"])]
    query = """query($i: PlanInput!) { plan(input: $i) { plans { items retakes } } }"""
    answer = gql(client, query, {"i": {"holdings": holdings, "target": "UFV:GD157", "asOf": "2026-01-01"}})
    assert answer["data"]["plan"]["plans"] == [{"items": ["UFV:IL-GD", "UFV:PS-GD"], "retakes": ["UFV:IL-GD"]}]


def test_plan_for_an_unknown_target_is_404_and_bad_objective_422(client: Client) -> None:
    assert client.post("/plan", json={"target": "UFV:NOPE"}).status_code == 404
    response = client.post("/plan", json={"target": "UFV:GD157", "objective": "fun"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["objective"]


def test_no_credit_and_excluded_rules_are_the_same_over_rest_and_graphql(client: Client) -> None:
    from .conftest import bearer

    no_credit = {"kind": "transfer", "granted_by": "SFU", "requires": {"node": "UFV:PS-ESS"}, "grants": []}
    assert client.put("/rules/UFV-SFU-ILGD-NONE", json=no_credit, headers=bearer("registrar:SFU")).status_code == 201
    excluded = {"kind": "transfer", "granted_by": "SFU", "requires": {"node": "UFV:PS-GD"}, "grants": [{"node": "SFU:IAT1XX"}],
                "unless": {"node": "UFV:PS-ESS"}}
    assert client.put("/rules/UFV-SFU-PSGD", json=excluded, headers=bearer("registrar:SFU")).status_code == 201
    holdings = [h | {"grade": "B"} for h in (THREE_MICRO_COURSES[0], THREE_MICRO_COURSES[2])]
    rest = client.post("/evaluate", json={"holdings": holdings, "as_of": "2026-01-01"}).json()
    assert rest["no_credit"] == [{"rule": "UFV-SFU-ILGD-NONE", "granted_by": "SFU", "uses": ["UFV:PS-ESS"]}]
    assert {"rule": "UFV-SFU-PSGD", "reason": "excluded"} in rest["skipped"]
    query = f"query($h: [HoldingInput!]!) {{ countToward(holdings: $h, asOf: \"2026-01-01\") {{ {EVALUATION_FIELDS} }} }}"
    body = gql(client, query, {"h": holdings})
    assert "errors" not in body, body
    assert body["data"]["countToward"] == camel(rest)
    reach = client.get("/nodes/UFV:PS-ESS/counts-toward").json()
    assert reach["no_credit"] == [{"rule": "UFV-SFU-ILGD-NONE", "granted_by": "SFU"}]
