"""The service answers what api/openapi.json says, checked by schemathesis against the real app.

Every operation of the published contract gets generated requests, valid ones and ones that
break the schema, anonymous and as admin, sent through HTTP to the app on a seeded SQLite
file. Each answer must pass schemathesis's checks: no 5xx, a documented status code and
content type, a body matching the documented schema, and a request that breaks the schema
refused with a 4xx. The examples are derandomized (the same requests on every run) and
bounded: ``FUZZ_EXAMPLES`` per operation and mode (6 here; ``make fuzz`` runs more).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from pathways.service import create_app
from pathways.settings import Settings
from pathways.store import Store

from .conftest import TOKENS

API = Path(__file__).resolve().parents[2] / "api" / "openapi.json"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass
class Run:
    """What one fuzzing run did: cases sent, and each failing operation with schemathesis's report."""

    cases: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def fuzz(schema: OpenApiSchema, app: FastAPI, role: str | None, examples: int) -> Run:
    """Send ``examples`` generated requests per operation and mode to ``app``; check each answer."""
    run = Run()
    auth = {"Authorization": f"Bearer {TOKENS[role]}"} if role else None
    with anyio.from_thread.start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                   base_url="http://testserver")

        def send(case: Case) -> None:
            headers = _token(case, auth)
            request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            request.pop("cookies", None)
            if isinstance(request.get("data"), (bytes, str)):  # a raw body, in requests' spelling
                request["content"] = request.pop("data")
            response: httpx.Response = portal.call(lambda: client.request(**request))
            run.cases += 1
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                test = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                                suppress_health_check=list(HealthCheck))(given(case=operation.as_strategy(generation_mode=mode))(send))
                try:
                    test()
                except Unsatisfiable:
                    # nothing of the operation can break its schema (no parameters, or only strings in the path)
                    assert mode is GenerationMode.NEGATIVE, operation.label
                except (AssertionError, BaseExceptionGroup) as err:  # schemathesis's report: what failed, how to replay it
                    run.failures.append(f"{operation.label} ({mode.value}, {role or 'anonymous'}): {err}")
        portal.call(client.aclose)
    return run


def _token(case: Case, auth: dict[str, str] | None) -> dict[str, str] | None:
    """The admin token for ``case``, unless the case may be about the token an operation requires.

    A negative case of such an operation can leave the ``Authorization`` header out or garble
    it to test the 401: sending the token instead would make schemathesis expect a refusal of
    a valid request. Those cases go as generated.
    """
    if auth is None or case.meta is None or not case.meta.generation.mode.is_negative:
        return auth
    required = case.operation.definition.raw.get("security") == [{"HTTPBearer": []}]
    return None if required else auth


@pytest.fixture
def app(settings: Settings, service_store: Store) -> Iterator[FastAPI]:
    yield create_app(settings, store=service_store)


@pytest.mark.parametrize("role", [None, "admin"])
def test_every_answer_conforms_to_the_published_contract(app: FastAPI, role: str | None) -> None:
    started = time.perf_counter()
    run = fuzz(schemathesis.openapi.from_path(API), app, role, EXAMPLES)
    elapsed = time.perf_counter() - started
    print(f"\nschemathesis {role or 'anonymous'}: {run.cases} cases, {len(run.failures)} failing operations, "
          f"{elapsed:.1f} s, statuses {dict(sorted(run.statuses.items()))}")
    assert run.failures == [], "\n\n".join(run.failures)
    # the run reached past the door: writes created entities and reads answered 200
    assert run.statuses.get(200, 0) > 0
    assert (run.statuses.get(201, 0) > 0) == (role == "admin")


def test_an_answer_the_contract_does_not_list_fails_the_run(app: FastAPI) -> None:
    contract: dict[str, Any] = json.loads(API.read_text(encoding="utf-8"))
    # GET /nodes/{id} of an unknown id answers 404: a contract without it must be caught
    del contract["paths"]["/nodes/{id}"]["get"]["responses"]["404"]
    schema = schemathesis.openapi.from_dict(contract).include(path="/nodes/{id}", method="GET")
    run = fuzz(schema, app, None, 5)
    assert run.failures  # valid ids and ids that break the pattern alike are unknown: 404
    assert all("Undocumented status code" in f and "Received: 404" in f for f in run.failures)
