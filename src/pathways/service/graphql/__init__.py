"""GraphQL over the same store and engine as REST: types, the schema, and the FastAPI router."""

from __future__ import annotations

from .schema import SCHEMA, graphql_router

__all__ = ["SCHEMA", "graphql_router"]
