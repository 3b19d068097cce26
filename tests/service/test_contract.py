"""The published contract in api/ matches the code and the running app (`make api` regenerates it)."""

from __future__ import annotations

import json
from pathlib import Path

from graphql import build_client_schema, build_schema, get_introspection_query, lexicographic_sort_schema, print_schema

from pathways.service.contract import contract_files, main, stale_files

from .conftest import Client

API = Path(__file__).resolve().parents[2] / "api"


def test_api_files_are_not_stale() -> None:
    assert stale_files(API) == [], "api/ is stale: run `make api` (python -m pathways.service.contract api)"


def test_the_running_app_serves_the_published_openapi(client: Client) -> None:
    assert client.get("/openapi.json").json() == json.loads((API / "openapi.json").read_text(encoding="utf-8"))


def test_the_running_app_introspects_to_the_published_graphql_schema(client: Client) -> None:
    response = client.post("/graphql", json={"query": get_introspection_query(specified_by_url=True)})
    served = print_schema(lexicographic_sort_schema(build_client_schema(response.json()["data"])))
    published = print_schema(lexicographic_sort_schema(build_schema((API / "schema.graphql").read_text(encoding="utf-8"))))
    assert served == published


def test_the_graphql_schema_names_every_query_and_mutation_of_the_spec() -> None:
    schema = build_schema(contract_files()["schema.graphql"])
    query, mutation = schema.query_type, schema.mutation_type
    assert query is not None and mutation is not None
    assert {"institutions", "institution", "node", "nodes", "rules", "rule", "countToward", "reach", "plan", "agreements"} <= set(query.fields)
    assert set(mutation.fields) == {"upsertInstitution", "upsertNode", "upsertRule", "retireRule", "patchNode", "patchRule"}
    assert set(query.fields["agreements"].args) >= {"from", "to"}


def test_check_reports_a_stale_directory(tmp_path: Path) -> None:
    assert main(["--check", str(tmp_path)]) == 1
    assert main([str(tmp_path)]) == 0
    assert main(["--check", str(tmp_path)]) == 0
    (tmp_path / "schema.graphql").write_text("type Query { old: Int }\n", encoding="utf-8")
    assert stale_files(tmp_path) == ["schema.graphql"]
