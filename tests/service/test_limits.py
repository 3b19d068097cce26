"""Cost limits and deadlines over HTTP, through the real ASGI app with limits set low."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import anyio.from_thread
import pytest

from pathways.service import create_app
from pathways.service.limits import Limits
from pathways.settings import SETTINGS, Settings
from pathways.store import Store

from .conftest import THREE_MICRO_COURSES, Client, gql


@pytest.fixture
def limited(settings: Settings, service_store: Store, request: pytest.FixtureRequest) -> Iterator[Client]:
    """The app with the settings overridden by the test's parameter."""
    overrides = request.param
    with anyio.from_thread.start_blocking_portal() as portal:
        c = Client(create_app(dataclasses.replace(settings, **overrides), store=service_store), portal)
        yield c
        c.close()


def _problem(response: object) -> dict[str, object]:
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    return body


@pytest.mark.parametrize("limited", [dict(max_holdings=3)], indirect=True)
def test_holdings_over_the_limit_are_a_422_naming_it(limited: Client) -> None:
    four = [*THREE_MICRO_COURSES, {"node": "UFV:GD157"}]
    assert limited.post("/evaluate", json={"holdings": THREE_MICRO_COURSES}).status_code == 200
    for path, body in (("/evaluate", {"holdings": four}), ("/evaluate", four),
                       ("/plan", {"holdings": four, "target": "SFU:IAT1XX"})):
        response = limited.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        problem = _problem(response)
        assert problem["errors"] == [{"path": "holdings", "message": "4 holdings and credentials: more than the limit of 3 "
                                                                   "(PATHWAYS_MAX_HOLDINGS)"}]
    body = gql(limited, '{ countToward(holdings: [{node: "A:1"}, {node: "A:2"}, {node: "A:3"}, {node: "A:4"}]) { asOf } }')
    assert body["errors"][0]["extensions"]["status"] == 422
    assert "PATHWAYS_MAX_HOLDINGS" in body["errors"][0]["message"]


@pytest.mark.parametrize("limited", [dict(max_reach_depth=2, max_reach_paths=1)], indirect=True)
def test_reach_depth_and_answer_size_limits(limited: Client) -> None:
    response = limited.get("/nodes/UFV:PS-ESS/counts-toward?depth=3")
    assert response.status_code == 422
    assert _problem(response)["errors"][0]["path"] == "depth"  # type: ignore[index]
    response = limited.get("/nodes/UFV:PS-ESS/counts-toward?depth=2")  # two paths: over the limit of one
    assert response.status_code == 422
    assert "more than 1 paths" in response.json()["detail"]
    response = limited.get("/nodes/UFV:PS-ESS/counts-toward?depth=1")
    assert response.status_code == 200 and len(response.json()["targets"]) == 1
    body = gql(limited, '{ reach(node: "UFV:PS-ESS", depth: 3) { node } }')
    assert body["errors"][0]["extensions"]["errors"][0]["path"] == "depth"


@pytest.mark.parametrize("limited", [dict(request_time_limit=1e-9)], indirect=True)
def test_past_the_request_time_limit_the_answer_is_503_with_retry_after(limited: Client) -> None:
    for response in (limited.post("/evaluate", json={"holdings": THREE_MICRO_COURSES}),
                     limited.get("/nodes/UFV:PS-ESS/counts-toward"),
                     limited.post("/plan", json={"holdings": THREE_MICRO_COURSES, "target": "SFU:IAT1XX"}),
                     limited.post("/impact", json={"end": "UFV-GD157-PLAR", "date": "2026-09-01"}),
                     limited.get("/validate")):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert _problem(response)["title"] == "time limit reached"
    for query in ('{ countToward(holdings: [{node: "UFV:PS-ESS"}]) { asOf } }', "{ validation { check } }"):
        body = gql(limited, query)
        assert body["errors"][0]["extensions"]["status"] == 503, query
    assert limited.get("/health").status_code == 200


@pytest.mark.parametrize("limited", [dict(graphql_max_cost=100, graphql_max_depth=3)], indirect=True)
def test_graphql_cost_counts_aliases_and_depth_is_limited(limited: Client) -> None:
    # reach at depth 3 weighs 3 ** 3 = 27 units, plus one for its `node`: three fit in 100, four do not
    three = " ".join(f'a{i}: reach(node: "UFV:PS-ESS", depth: 3) {{ node }}' for i in range(3))
    assert "errors" not in gql(limited, f"{{ {three} }}")
    four = " ".join(f'a{i}: reach(node: "UFV:PS-ESS", depth: 3) {{ node }}' for i in range(4))
    body = gql(limited, f"{{ {four} }}")
    assert body["data"] is None
    problem = body["errors"][0]["extensions"]
    assert problem["status"] == 422 and "PATHWAYS_GRAPHQL_MAX_COST" in problem["detail"]
    body = gql(limited, "{ nodes(first: 60) { edges { cursor } } }")  # 1 + 60 x 2 units
    assert "PATHWAYS_GRAPHQL_MAX_COST" in body["errors"][0]["message"]
    deep = '{ reach(node: "UFV:PS-ESS") { targets { paths { rule } } } }'
    assert "errors" not in gql(limited, deep.replace("{ paths { rule } }", "{ node }"))
    body = gql(limited, deep)
    assert "PATHWAYS_GRAPHQL_MAX_DEPTH" in body["errors"][0]["message"]


@pytest.mark.parametrize("limited", [dict(impact_max_listed=2)], indirect=True)
def test_an_impact_lists_at_most_the_limit_beside_exact_totals(limited: Client) -> None:
    body = limited.post("/impact", json={"end": "UFV-GD157-PLAR", "date": "2026-09-01"}).json()
    assert body["reach"] == {"gained": [], "gained_total": 0, "lost_total": 6,
                             "lost": [{"source": "UFV:IL-GD", "target": "SFU:IAT1XX"}, {"source": "UFV:IL-GD", "target": "UFV:GD157"}]}
    rule = {"id": "SFU-BA-LADDER", "kind": "ladder", "granted_by": "SFU", "requires": {"node": "SFU:IAT1XX"}, "grants": [{"node": "SFU:BA"}]}
    routes = limited.post("/impact", json={"rule": rule}).json()["routes"]
    assert routes["gained_total"] == 5 and [r["source"] for r in routes["gained"]] == ["SFU:IAT1XX", "UFV:GD157"]


@pytest.mark.parametrize("limited", [dict(validate_max_listed=1)], indirect=True)
def test_a_validation_lists_at_most_the_limit_errors_first_beside_the_exact_total(limited: Client, client: Client) -> None:
    every = client.get("/validate").json()
    assert every["findings_total"] == len(every["findings"]) > 1
    body = limited.get("/validate").json()
    assert body == {"findings": every["findings"][:1], "findings_total": every["findings_total"]}
    listed = gql(limited, "{ validation { check rules } }")["data"]["validation"]
    assert listed == [{"check": f["check"], "rules": f["rules"]} for f in every["findings"][:1]]


def test_graphql_validation_is_weighed_as_a_walk_of_the_whole_graph(client: Client) -> None:
    assert "errors" not in gql(client, "{ validation { check } }")
    body = gql(client, "{ a: validation { check } b: validation { check } }")
    assert body["data"] is None and "PATHWAYS_GRAPHQL_MAX_COST" in body["errors"][0]["message"]


def test_every_limit_setting_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text(encoding="utf-8")
    defaults = Settings()
    limits = {f.name for f in dataclasses.fields(Limits)}
    for s in (s for s in SETTINGS if s.name in limits):
        assert f"| `{s.env}` | {s.default} |" in docs, s.env
        assert str(getattr(defaults, s.name)).removesuffix(".0") == s.default, s.env
