"""The OpenAPI document: request bodies from the domain model, problem responses, bearer auth.

Write and input routes read their body as raw JSON (so that every problem gets a JSON path
from :func:`~pathways.model.parse_entity`), so their body schemas are attached here from the
pydantic models rather than inferred by FastAPI.

Example:
    >>> json_body_schema("Node")["requestBody"]["content"]["application/json"]["schema"]
    {'$ref': '#/components/schemas/Node'}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from ..model import Document, EvaluationRequest, Institution, Node, PlanRequest, Rule
from .errors import PROBLEM_JSON
from ..answers import ShapedEvaluationRequest

__all__ = ["DEADLINE_RESPONSES", "ENTITY_RESPONSES", "INPUT_RESPONSES", "PATCH_RESPONSES", "WRITE_RESPONSES", "build_openapi", "json_body_schema", "merge_patch_schema"]

_BODY_MODELS: tuple[type[BaseModel], ...] = (Institution, Node, Rule, Document, EvaluationRequest, ShapedEvaluationRequest, PlanRequest)

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


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


INPUT_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: _problem("request body over 10 MB"),
    422: _problem("invalid input: every problem with its JSON path"),
}
DEADLINE_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: _problem("the request's time limit (PATHWAYS_REQUEST_TIME_LIMIT) passed: the work stopped; see Retry-After"),
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("no or unknown bearer token"),
    403: _problem("the token's role does not cover this write; nothing written"),
    **INPUT_RESPONSES,
}
ENTITY_RESPONSES: dict[int | str, dict[str, Any]] = {404: _problem("unknown id"), **WRITE_RESPONSES}


PATCH_RESPONSES: dict[int | str, dict[str, Any]] = {415: _problem("a body neither merge-patch+json nor JSON"), **ENTITY_RESPONSES}


def merge_patch_schema(model: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON Merge Patch body (RFC 7396) of some fields of ``model``.

    >>> sorted(merge_patch_schema("Rule")["requestBody"]["content"])
    ['application/json', 'application/merge-patch+json']
    """
    schema = {"type": "object", "description": f"a JSON Merge Patch (RFC 7396) of a {model}: the fields to change, null to remove one"}
    return {"requestBody": {"required": True, "content": {t: {"schema": schema} for t in ("application/merge-patch+json", "application/json")}}}


def json_body_schema(model: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of component schema ``model``."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the body models and ``Problem`` among its components."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in _BODY_MODELS:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = model_schema
        components["Problem"] = _PROBLEM_SCHEMA
        app.openapi_schema = schema
    return app.openapi_schema
