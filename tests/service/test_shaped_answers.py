"""Answers shaped for people, on the seed graph through the real app: titles beside ids, progress
ranked and cut, filters, grants by institution, destinations, search, "did you mean", and
unknown query parameters refused. GraphQL gives the same JSON as REST."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.from_thread
import pytest

from pathways.io.document import merge_documents, read_document
from pathways.service import create_app
from pathways.settings import Settings
from pathways.store import open_store
from tests.conftest import seed_files

from .conftest import Client, gql
from .test_evaluate import camel, node_ids

LEARNER = [
    {"node": "UFV:PS-ESS", "grade": "A", "earned": "2025-01-01"},
    {"node": "UFV:SEO", "grade": "A", "earned": "2025-01-01"},
    {"node": "CAMOSUN:HIST-110", "grade": "B", "earned": "2024-01-01"},
    {"node": "CAMOSUN:BIOL-150A", "grade": "B", "earned": "2024-01-01"},
    {"node": "CAMOSUN:ENGL-151", "grade": "B", "earned": "2024-01-01"},
]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The real app on a SQLite file holding the seed graph."""
    db = tmp_path_factory.mktemp("seed") / "seed.db"
    store = open_store(f"sqlite:///{db}")
    store.import_document(merge_documents([read_document(p) for p in seed_files()]), actor="fixture", action="load")
    with anyio.from_thread.start_blocking_portal() as portal:
        client = Client(create_app(Settings(store_url=f"sqlite:///{db}"), store=store), portal)
        yield client
        client.close()
    store.close()


def _evaluate(client: Client, **options: Any) -> dict[str, Any]:
    response = client.post("/evaluate", json={"holdings": LEARNER, "as_of": "2026-01-01", **options})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_node_in_an_answer_has_its_title_kind_credits_and_institution_name(seed: Client) -> None:
    answer = _evaluate(seed)
    mentioned = {g["node"] for g in answer["granted"]} | {p["target"] for p in answer["progress"]}
    mentioned |= {n for g in answer["granted"] for n in g["uses"] + g["lineage"]} | {n for p in answer["progress"] for n in p["uses"]}
    assert mentioned <= set(answer["nodes"])
    assert answer["nodes"]["UVIC:HIST-111"] == {
        "id": "UVIC:HIST-111", "title": "Canada to 1867", "kind": "course", "credits": 1.5, "institution": "UVIC",
        "institution_name": "University of Victoria", "status": "active", "label": "UVIC HIST 111 (1.5)"}
    # what is missing is named too: the learner reads "CAMOSUN BIOL 150B", not a bare id
    assert answer["nodes"]["CAMOSUN:BIOL-150B"]["title"] == "Introductory Biology I, part B"


def test_progress_is_ranked_by_fraction_then_credits_needed_and_cut_to_the_limit(seed: Client) -> None:
    full = _evaluate(seed, progress_limit=None)
    ranked = [(-p["fraction"], p["credits_needed"], p["rule"]) for p in full["progress"]]
    assert ranked == sorted(ranked) and len(ranked) == full["progress_total"] == 6
    # the learner's B average meets UVic's transfer admission, 7.5 of its 9 Camosun credits held
    assert full["progress"][0]["rule"] == "UVIC-CAMOSUN-TRANSFER-ADMISSION" and full["progress"][0]["credits_needed"] == 1.5
    cut = _evaluate(seed, progress_limit=2)
    assert cut["progress"] == full["progress"][:2] and cut["progress_total"] == 6
    assert _evaluate(seed)["progress"] == full["progress"]  # 6 <= the default of 20


def test_bad_shaping_options_are_422_naming_the_field(seed: Client) -> None:
    response = seed.post("/evaluate", json={"holdings": LEARNER, "progress_limit": -1, "targets": "UVIC:BA-Y2"})
    assert response.status_code == 422
    assert sorted(e["path"] for e in response.json()["errors"]) == ["progress_limit", "targets"]


def test_institutions_and_targets_keep_what_is_asked_about(seed: Client) -> None:
    uvic = _evaluate(seed, institutions=["UVIC"])
    assert [g["node"] for g in uvic["granted"]] == ["UVIC:ENGL-135", "UVIC:HIST-111"]
    assert [p["target"] for p in uvic["progress"]] == ["UVIC:TRANSFER-ENTRY", "UVIC:BIOL-184", "UVIC:BA-Y2"]
    targeted = _evaluate(seed, targets=["UFV:GD157"])
    assert [p["target"] for p in targeted["progress"]] == ["UFV:GD157"] and targeted["progress_total"] == 1
    assert len(targeted["granted"]) == 3  # grants are what the learner earns: kept whatever the targets


def test_grants_grouped_by_institution(seed: Client) -> None:
    answer = _evaluate(seed, group_grants=True)
    groups = [(g["institution"], g["name"], g["credits"], [x["node"] for x in g["granted"]]) for g in answer["by_institution"]]
    assert groups == [("OKANAGAN", "Okanagan College", 3, ["OKANAGAN:ENGL-100"]),
                      ("UVIC", "University of Victoria", 3, ["UVIC:ENGL-135", "UVIC:HIST-111"])]
    assert "by_institution" not in _evaluate(seed)


def test_count_toward_takes_the_same_options_and_gives_the_same_json(seed: Client) -> None:
    rest = _evaluate(seed, institutions=["UVIC", "UFV"], progress_limit=2, group_grants=True)
    query = """query($h: [HoldingInput!]!) { countToward(holdings: $h, asOf: "2026-01-01", institutions: ["UVIC", "UFV"],
      progressLimit: 2, groupGrants: true) {
        asOf granted { node { id } credits rule kind grantedBy earned grade uses lineage notApplied }
        noCredit { rule grantedBy uses } progress { rule target kind fraction uses missing creditsNeeded } progressTotal
        skipped { rule reason } unrecognized recognized { input node expired }
        byInstitution { institution name credits granted { node { id } credits rule kind grantedBy earned grade uses lineage notApplied } }
        nodes } }"""
    body = gql(seed, query, {"h": LEARNER})
    assert "errors" not in body, body
    assert node_ids(body["data"]["countToward"]) == camel(rest)


def test_a_granted_holding_resolves_to_its_node_with_the_institution(seed: Client) -> None:
    query = """query($h: [HoldingInput!]!) { countToward(holdings: $h, asOf: "2026-01-01") {
      granted { node { id title kind credits institution institutionName label } } } }"""
    granted = gql(seed, query, {"h": LEARNER})["data"]["countToward"]["granted"]
    assert granted[1]["node"] == {"id": "UVIC:ENGL-135", "title": "Academic Reading and Writing", "kind": "course", "credits": 1.5,
                                  "institution": "UVIC", "institutionName": "University of Victoria", "label": "UVIC ENGL 135 (1.5)"}


def test_destinations_rank_institutions_by_what_the_credits_are_worth_there(seed: Client) -> None:
    rest = seed.post("/destinations", json={"holdings": LEARNER, "as_of": "2026-01-01"}).json()
    rows = [(d["institution"], d["credits"], d["share"], d["granted"]) for d in rest["destinations"]]
    # UVIC takes ENGL 151 and HIST 110 (6 of the learner's 9.5 credits), Okanagan ENGL 151 (3 of 9.5)
    assert rows == [("UVIC", 3, 0.632, 2), ("OKANAGAN", 3, 0.316, 1), ("UFV", 0, 0.211, 0)]
    assert rest["destinations"][0]["closest"]["target"] == "UVIC:TRANSFER-ENTRY"
    assert rest["nodes"]["UVIC:TRANSFER-ENTRY"]["title"] == "Admission to UVic as a transfer student from Camosun"
    query = """query($h: [HoldingInput!]!) { destinations(holdings: $h, asOf: "2026-01-01") { asOf
      destinations { institution name credits share credentials granted closest { rule target kind fraction uses missing creditsNeeded } }
      nodes } }"""
    assert gql(seed, query, {"h": LEARNER})["data"]["destinations"] == camel(rest)


def test_destinations_count_credentials_reached(seed: Client) -> None:
    three = [{"node": n, "grade": "P", "earned": "2025-06-30"} for n in ("UFV:PS-ESS", "UFV:IL-GD", "UFV:PS-GD")]
    fassed = [{"node": f"SFU:FASS-FWD-10{i}", "earned": "2025-06-30"} for i in range(1, 5)]
    rest = seed.post("/destinations", json={"holdings": three + fassed, "as_of": "2026-01-01", "include_pilot": True}).json()
    sfu = next(d for d in rest["destinations"] if d["institution"] == "SFU")
    assert sfu["granted"] >= 1 and "SFU:FASS-1XX" not in sfu["credentials"]  # a course is not a credential
    ufv = next(d for d in rest["destinations"] if d["institution"] == "UFV")
    assert "UFV:GD157" not in ufv["credentials"] and ufv["credits"] == 3


@pytest.mark.parametrize(("q", "expected"), [
    ("gd157", ["UFV:GD157"]),
    ("uvic hist 111", ["UVIC:HIST-111"]),
    ("imaging DIGITAL", ["UFV:GD157"]),
    ("HTTPS://badges.example.org/achievements/PS-ESS", ["UFV:PS-ESS"]),
])
def test_search_by_code_title_words_and_badge_url(seed: Client, q: str, expected: list[str]) -> None:
    assert [n["id"] for n in seed.get("/nodes", params={"q": q}).json()["items"]] == expected
    body = gql(seed, "query($q: String!) { nodes(search: $q) { edges { node { id } } } }", {"q": q})
    assert [e["node"]["id"] for e in body["data"]["nodes"]["edges"]] == expected


def test_search_pages_and_filters(seed: Client) -> None:
    first = seed.get("/nodes", params={"q": "camosun", "kind": "course", "limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = seed.get("/nodes", params={"q": "camosun", "kind": "course", "limit": 100, "cursor": first["next_cursor"]}).json()
    ids = [n["id"] for n in first["items"] + rest["items"]]
    assert ids == sorted(ids) and all(i.startswith("CAMOSUN:") for i in ids) and "CAMOSUN:BSW-L2" not in ids


def test_an_unknown_node_gets_did_you_mean(seed: Client) -> None:
    response = seed.get("/nodes/UFV:GD-157")
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["suggestions"][0] == "UFV:GD157"
    assert "did you mean UFV:GD157" in response.json()["detail"]
    assert seed.get("/nodes/ufv:gd157/counts-toward").json()["suggestions"] == ["UFV:GD157"]
    assert "suggestions" not in seed.get("/nodes/ZZZ:QQQQQQ").json()


def test_unknown_query_parameters_are_refused(seed: Client) -> None:
    response = seed.get("/nodes", params={"q": "hist", "instituton": "UVIC"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.instituton"]
    assert "institution" in response.json()["errors"][0]["message"]
    assert seed.post("/evaluate?progress_limit=3", json=LEARNER).status_code == 422  # a body option, not a query one
    assert seed.get("/nodes/UFV:GD157/counts-toward", params={"depth": 2}).status_code == 200
    assert seed.get("/graphql", params={"query": "{ institutions { id } }"}).status_code == 200


def test_health_has_no_query_parameters(seed: Client) -> None:
    assert seed.get("/health", params={"verbose": "1"}).status_code == 422


def test_plans_and_reach_name_their_nodes_too(seed: Client) -> None:
    planned = seed.post("/plan", json={"target": "RRU:CAF", "objective": "cost", "as_of": "2026-01-01"}).json()
    assert set(planned["nodes"]) == {"RRU:CAF", "RRU:CAF-C1", "RRU:CAF-C2", "RRU:CAF-E3", "RRU:CAF-E8"}
    assert planned["nodes"]["RRU:CAF-E8"]["title"] == "Health Impacts of Climate Change"
    reached = seed.get("/nodes/UFV:PS-ESS/counts-toward", params={"depth": 2}).json()
    assert {"UFV:PS-ESS", "UFV:GD157", "SFU:IAT1XX", "UFV:IL-GD"} <= set(reached["nodes"])
    assert reached["nodes"]["SFU:IAT1XX"]["institution_name"] == "Simon Fraser University"
