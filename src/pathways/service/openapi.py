"""The OpenAPI document: request bodies from the domain model, problem responses, bearer auth.

Write and input routes read their body as raw JSON (so that every problem gets a JSON path
from :func:`~pathways.model.parse_entity`), so their body schemas are attached here from the
pydantic models rather than inferred by FastAPI.

Example:
    >>> json_body_schema("Node")["requestBody"]["content"]["application/json"]["schema"]
    {'$ref': '#/components/schemas/Node'}
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from ..model import Document, EvaluationRequest, Institution, Node, PlanRequest, Rule
from ..model.ids import ID_JSON_SCHEMA
from .errors import PROBLEM_JSON
from .query_params import EXEMPT as QUERY_EXEMPT
from ..answers import ShapedEvaluationRequest

__all__ = [
    "InstitutionId",
    "NodeId",
    "RuleId",
    "answered",
    "answers",
    "build_openapi",
    "created_or_replaced",
    "json_body_schema",
    "merge_patch_schema",
]

_BODY_MODELS: tuple[type[BaseModel], ...] = (Institution, Node, Rule, Document, EvaluationRequest, ShapedEvaluationRequest, PlanRequest)
_PUT_MODELS: tuple[type[BaseModel], ...] = (Institution, Node, Rule)

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` lists every validation problem with its JSON path.",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "suggestions": {"type": "array", "items": {"type": "string"}, "description": "ids an unknown id may have meant"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


_ANSWERS: dict[int, str] = {
    400: "not a GraphQL request: no query, a body that is not JSON, or a mutation over GET",
    401: "no or unknown bearer token",
    403: "the token's role does not cover this; nothing written",
    404: "unknown id",
    413: "request body over 10 MB",
    415: "a body neither merge-patch+json nor JSON",
    422: "invalid input: every problem with its JSON path",
    503: "the store failed or cannot be reached",
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def answers(*statuses: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route: each error status it can answer, as a problem+json response.

    A status alone takes the usual description; ``(status, description)`` says more.

    >>> sorted(answers(404, (503, "no plan proven")))
    [404, 503]
    """
    out: dict[int | str, dict[str, Any]] = {}
    for entry in statuses:
        status, description = entry if isinstance(entry, tuple) else (entry, _ANSWERS[entry])
        out[status] = _problem(description)
    return out


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


def answered(model: str, description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 whose body is the component schema ``model`` (an entity, a whole document)."""
    return {200: {"description": description, "content": _json(model)}}


def created_or_replaced(model: str) -> dict[int | str, dict[str, Any]]:
    """The two successes of a ``PUT``: 201 when the id was new, 200 when it replaced an entity."""
    return {200: {"description": "replaced: the entity as stored", "content": _json(model)},
            201: {"description": "created: the entity as stored", "content": _json(model)}}


def _id_in_path(entity: str, example: str) -> Any:
    # the id's rule is documented, not checked here: a GET of a malformed id is a 404 like any
    # unknown id, a PUT of one a 422 from the entity's own validation
    return Path(description=f"the {entity}'s id", json_schema_extra=ID_JSON_SCHEMA,
                openapi_examples={example: {"summary": f"a {entity} of the seed graph", "value": example}})


NodeId = Annotated[str, _id_in_path("node", "UFV:GD157")]
RuleId = Annotated[str, _id_in_path("rule", "UFV-GD157-PLAR")]
InstitutionId = Annotated[str, _id_in_path("institution", "UFV")]


def json_body_schema(model: str, *, or_list_of: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of component schema ``model``
    (or a JSON array of ``or_list_of``, when the route takes a bare list too)."""
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{model}"}
    if or_list_of is not None:
        schema = {"anyOf": [schema, {"type": "array", "items": {"$ref": f"#/components/schemas/{or_list_of}"}}]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def merge_patch_schema(model: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON Merge Patch body (RFC 7396) of some fields of ``model``.

    >>> sorted(merge_patch_schema("Rule")["requestBody"]["content"])
    ['application/json', 'application/merge-patch+json']
    """
    schema = {"type": "object", "description": f"a JSON Merge Patch (RFC 7396) of a {model}: the fields to change, null to remove one"}
    return {"requestBody": {"required": True, "content": {t: {"schema": schema} for t in ("application/merge-patch+json", "application/json")}}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the body models and ``Problem`` among its components.

    Each entity also gets a ``{Name}Body`` schema, the body of its ``PUT``: the same object
    with ``id`` optional (taken from the URL; one that differs from the URL is a 422). FastAPI's
    own 422 (its ``HTTPValidationError``) is dropped: routes list the problems they answer.
    """
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in _BODY_MODELS:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = model_schema
        for model in _PUT_MODELS:
            components[f"{model.__name__}Body"] = _put_body(components[model.__name__])
        components["Problem"] = _PROBLEM_SCHEMA
        _drop_fastapi_validation_errors(schema)
        _unknown_query_parameters(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _put_body(entity: dict[str, Any]) -> dict[str, Any]:
    body = {**entity, "required": [f for f in entity.get("required", []) if f != "id"]}
    body["title"] = f"{entity.get('title', '')} (PUT body)"
    body["properties"] = {**entity["properties"], "id": {**entity["properties"]["id"],
                          "description": "optional; when present it must equal the id in the URL (else 422 naming id)"}}
    return body


def _unknown_query_parameters(schema: dict[str, Any]) -> None:
    """Every route but GraphQL's refuses an unknown query parameter with a 422
    (:mod:`~pathways.service.query_params`): say so where a route lists no 422 of its own."""
    for path, operations in schema.get("paths", {}).items():
        if path.startswith(QUERY_EXEMPT):
            continue
        for operation in operations.values():
            operation["responses"].setdefault("422", _problem("an unknown query parameter, named in errors"))


def _drop_fastapi_validation_errors(schema: dict[str, Any]) -> None:
    fastapi_422 = {"$ref": "#/components/schemas/HTTPValidationError"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            content = responses.get("422", {}).get("content", {})
            if content.get("application/json", {}).get("schema") == fastapi_422:
                del responses["422"]
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
