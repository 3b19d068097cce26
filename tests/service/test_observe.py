"""Access logs (JSON lines, never the token) and Prometheus metrics per route template."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import TOKENS, Client, bearer


def _samples(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def test_access_log_is_one_json_line_per_request_with_route_template_and_role(client: Client,
                                                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pathways.access"):
        client.get("/nodes/UFV:PS-ESS")
        client.put("/nodes/UFV:NEW", json={"kind": "course", "institution": "UFV", "title": "New"}, headers=bearer("registrar:UFV"))
        client.put("/nodes/UFV:NEW2", json={"kind": "course"}, headers={"Authorization": "Bearer not-a-token-at-all"})
        client.get("/no/such/route")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pathways.access"]
    assert lines[0] == {"method": "GET", "route": "/nodes/{id:entity_id}", "status": 200, "role": "anonymous",
                        "duration_ms": lines[0]["duration_ms"]}
    assert isinstance(lines[0]["duration_ms"], float)
    assert (lines[1]["route"], lines[1]["status"], lines[1]["role"]) == ("/nodes/{id:entity_id}", 201, "registrar:UFV")
    assert (lines[2]["status"], lines[2]["role"]) == (401, "anonymous")
    assert (lines[3]["route"], lines[3]["status"]) == ("(unmatched)", 404)
    logged = caplog.text
    assert "not-a-token-at-all" not in logged and TOKENS["registrar:UFV"] not in logged


def test_metrics_count_requests_and_latency_per_route_template(client: Client) -> None:
    for node in ("UFV:PS-ESS", "UFV:GD157", "UFV:XX"):
        client.get(f"/nodes/{node}")
    client.post("/evaluate", json={"holdings": []})
    samples = _samples(client)
    route = (("method", "GET"), ("route", "/nodes/{id:entity_id}"))
    assert samples[("pathways_requests_total", (*route, ("status", "200")))] == 2
    assert samples[("pathways_requests_total", (*route, ("status", "404")))] == 1
    assert samples[("pathways_request_duration_seconds_count", route)] == 3
    assert samples[("pathways_request_duration_seconds_bucket", (("le", "+Inf"), *route))] == 3
    assert samples[("pathways_requests_total", (("method", "POST"), ("route", "/evaluate"), ("status", "200")))] == 1
    assert not any("UFV:PS-ESS" in str(labels) for _, labels in samples)
