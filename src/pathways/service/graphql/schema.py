# mypy: disable-error-code="untyped-decorator"
# (strawberry's field decorators are untyped without its mypy plugin, which pyproject does not load)
"""The GraphQL schema (SPEC section 6) and its FastAPI router at ``/graphql``.

Every operation is parsed, validated and executed in its request's worker thread
(:mod:`~pathways.service.work`), off the event loop, under one deadline, once the cost walk
of :mod:`.cost` has let it through. Queries read the store (entities, cursor connections) or
the cache's current engine (``countToward``, ``reach``, ``plan``, ``agreements``); mutations go through the same
:mod:`~pathways.service.writes` functions as REST, with the same access rules. A
:class:`~pathways.errors.PathwaysError` becomes a GraphQL error whose ``extensions`` hold the
REST problem object (``status``, ``title``, ``errors`` with paths), rendered by
:func:`~pathways.service.errors.problem_json`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

import strawberry
from cross_web import HTTPException as StrawberryHTTPException
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from graphql import GraphQLError
from starlette.exceptions import HTTPException as StarletteHTTPException
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.scalars import JSON
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from ...errors import InvalidInput, PathwaysError
from ...settings import Settings
from ...store import NodeQuery, RuleQuery, Store
from ..auth import Role, require_role
from ..dependencies import caller, request_work
from ..engine_cache import EngineCache
from ..errors import parse_json_body, problem_json
from ..limits import Limits
from ..openapi import answers
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from ...answers import DEFAULT_PROGRESS_LIMIT
from ..queries import destinations_json, evaluation_json, plan_json, reach_json, search_nodes, validation_json
from ..work import Work
from ..writes import patch_node, patch_rule, put_institution, put_node, put_rule, retire_rule
from .cost import CostLimit
from .types import (
    Destinations,
    Evaluation,
    HoldingInput,
    Institution,
    InstitutionInput,
    Node,
    NodeConnection,
    NodeEdge,
    NodeInput,
    PageInfo,
    Plan,
    PlanInput,
    Reach,
    Rule,
    RuleConnection,
    RuleEdge,
    RuleInput,
    ValidationFinding,
    input_json,
)

__all__ = ["MAX_TOKENS", "SCHEMA", "Context", "Mutation", "Query", "graphql_router"]



class Context(BaseContext):
    """Per request: the app's store, engine cache, settings and limits, the caller's role (``None``
    anonymous), and the request's engine work (off the loop, one deadline for the operation)."""

    def __init__(self, store: Store, cache: EngineCache, role: Role | None, settings: Settings, limits: Limits,
                 work: Work) -> None:
        super().__init__()
        self.store = store
        self.cache = cache
        self.role = role
        self.settings = settings
        self.limits = limits
        self.work = work


Info = strawberry.Info[Context, None]


def _first(first: int) -> int:
    if not 1 <= first <= MAX_LIMIT:
        raise InvalidInput.one("first", f"must be between 1 and {MAX_LIMIT}, got {first}")
    return first


def _connection_page(items: list[Any], first: int) -> tuple[list[Any], PageInfo]:
    shown = items[:first]
    more = len(items) > first
    return shown, PageInfo(has_next_page=more, end_cursor=encode_cursor(shown[-1].id) if shown else None)


def _node_connection(nodes: list[Any], first: int) -> NodeConnection:
    shown, info = _connection_page(nodes, first)
    return NodeConnection(edges=[NodeEdge(node=Node.from_model(n), cursor=encode_cursor(n.id)) for n in shown], page_info=info)


def _rule_connection(rules: list[Any], first: int) -> RuleConnection:
    shown, info = _connection_page(rules, first)
    return RuleConnection(edges=[RuleEdge(node=Rule.from_model(r), cursor=encode_cursor(r.id)) for r in shown], page_info=info)


def _evaluation_body(holdings: list[HoldingInput], as_of: dt.date | None, include_pilot: bool,
                     credentials: list[JSON] | None) -> dict[str, Any]:
    """The REST body of an evaluation from GraphQL arguments."""
    return {"holdings": input_json(holdings), "as_of": as_of.isoformat() if as_of else None,
            "include_pilot": include_pilot, "credentials": credentials or []}


@strawberry.type
class Query:
    @strawberry.field(description="Every institution, by id.")
    def institutions(self, info: Info) -> list[Institution]:
        return [Institution.from_model(i) for i in info.context.store.list_institutions()]

    @strawberry.field(description="One institution, or null.")
    def institution(self, info: Info, id: str) -> Institution | None:
        inst = info.context.store.get_institution(id)
        return Institution.from_model(inst) if inst else None

    @strawberry.field(description="One node, or null.")
    def node(self, info: Info, id: str) -> Node | None:
        node = info.context.store.get_node(id)
        return Node.from_model(node) if node else None

    @strawberry.field(description="Nodes by id, filtered; `search` finds every word in the id, title or an identifier "
                                  "(a badge URL), or the code without spaces, case-insensitively (as GET /nodes?q=).")
    def nodes(
        self,
        info: Info,
        kind: str | None = None,
        institution: str | None = None,
        search: str | None = None,
        first: int = DEFAULT_LIMIT,
        after: str | None = None,
    ) -> NodeConnection:
        last = decode_cursor(after, "after")
        if search:
            return _node_connection(search_nodes(info.context.cache.current(), search, kind, institution, last, _first(first) + 1), first)
        query = NodeQuery(kind=kind, institution=institution, limit=_first(first) + 1, after=last)
        return _node_connection(info.context.store.list_nodes(query), first)

    @strawberry.field(description="One rule, or null.")
    def rule(self, info: Info, id: str) -> Rule | None:
        rule = info.context.store.get_rule(id)
        return Rule.from_model(rule) if rule else None

    @strawberry.field(description="Rules by id, filtered; `touches` is a node the rule requires or grants.")
    def rules(
        self,
        info: Info,
        granted_by: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        touches: str | None = None,
        first: int = DEFAULT_LIMIT,
        after: str | None = None,
    ) -> RuleConnection:
        query = RuleQuery(granted_by=granted_by, kind=kind, status=status, touches=touches,
                          limit=_first(first) + 1, after=decode_cursor(after, "after"))
        return _rule_connection(info.context.store.list_rules(query), first)

    @strawberry.field(description="What these holdings count toward: POST /evaluate, field for field.")
    def count_toward(
        self,
        info: Info,
        holdings: list[HoldingInput],
        as_of: dt.date | None = None,
        include_pilot: bool = False,
        credentials: list[JSON] | None = None,
        institutions: list[str] | None = None,
        targets: list[str] | None = None,
        progress_limit: int | None = DEFAULT_PROGRESS_LIMIT,
        group_grants: bool = False,
    ) -> Evaluation:
        body = _evaluation_body(holdings, as_of, include_pilot, credentials) | {
            "institutions": institutions, "targets": targets, "progress_limit": progress_limit, "group_grants": group_grants}
        ctx = info.context
        snapshot = ctx.cache.current()
        return Evaluation.from_json(evaluation_json(snapshot, body, limits=ctx.limits, deadline=ctx.work.deadline), snapshot.engine.nodes)

    @strawberry.field(description="Where these holdings' credits go, institution by institution: POST /destinations.")
    def destinations(
        self,
        info: Info,
        holdings: list[HoldingInput],
        as_of: dt.date | None = None,
        include_pilot: bool = False,
        credentials: list[JSON] | None = None,
    ) -> Destinations:
        body = _evaluation_body(holdings, as_of, include_pilot, credentials)
        ctx = info.context
        return Destinations.from_json(destinations_json(ctx.cache.current(), body, limits=ctx.limits, deadline=ctx.work.deadline))

    @strawberry.field(description="What holding one node counts toward, to a depth: GET /nodes/{id}/counts-toward.")
    def reach(self, info: Info, node: str, depth: int = 3) -> Reach:
        ctx = info.context
        return Reach.from_json(reach_json(ctx.cache.current(), node, depth, limits=ctx.limits, deadline=ctx.work.deadline))

    @strawberry.field(description="The cheapest or shortest routes to a target: POST /plan.")
    def plan(self, info: Info, input: PlanInput) -> Plan:
        ctx = info.context
        snapshot = ctx.cache.current()
        return Plan.from_json(plan_json(snapshot, input_json(input), limits=ctx.limits, deadline=ctx.work.deadline), snapshot.engine.nodes)

    @strawberry.field(description="Transfer rules that take nodes of institution `from` to nodes of institution `to`.")
    def agreements(
        self,
        info: Info,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        first: int = DEFAULT_LIMIT,
        after: str | None = None,
    ) -> RuleConnection:
        snapshot = info.context.cache.current()
        last = decode_cursor(after, "after")
        ids = [r for r in snapshot.agreements.get((from_, to), []) if last is None or r > last]
        rules = [snapshot.engine.rules[r] for r in ids[: _first(first) + 1]]
        return _rule_connection(rules, first)


    @strawberry.field(description="Registrar checks of the graph, errors first: GET /validate's findings (at most "
                                  "PATHWAYS_VALIDATE_MAX_LISTED); `institution` keeps findings touching its rules or nodes.")
    def validation(self, info: Info, institution: str | None = None) -> list[ValidationFinding]:
        ctx = info.context
        found = validation_json(ctx.cache.current(), institution, pilot_review_years=ctx.settings.pilot_review_years,
                                limits=ctx.limits, deadline=ctx.work.deadline)["findings"]
        return [ValidationFinding.from_json(f) for f in found]


def _writer(info: Info) -> Role:
    return require_role(info.context.role)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create or replace an institution (admin).")
    def upsert_institution(self, info: Info, input: InstitutionInput) -> Institution:
        ctx = info.context
        written = put_institution(ctx.store, ctx.cache, _writer(info), input_json(input), path="input")
        return Institution.from_model(written.entity)  # type: ignore[arg-type]

    @strawberry.mutation(description="Create or replace a node (admin, or registrar of its institution).")
    def upsert_node(self, info: Info, input: NodeInput) -> Node:
        ctx = info.context
        written = put_node(ctx.store, ctx.cache, _writer(info), input_json(input), path="input")
        return Node.from_model(written.entity)  # type: ignore[arg-type]

    @strawberry.mutation(description="Create or replace a rule (admin, or registrar of grantedBy).")
    def upsert_rule(self, info: Info, input: RuleInput) -> Rule:
        ctx = info.context
        written = put_rule(ctx.store, ctx.cache, _writer(info), input_json(input), path="input")
        return Rule.from_model(written.entity)  # type: ignore[arg-type]

    @strawberry.mutation(description="Update only the fields `patch` names (a JSON Merge Patch, RFC 7396, in pathways/1 "
                                     "field names; null removes a field) of a node: PATCH /nodes/{id}.")
    def patch_node(self, info: Info, id: str, patch: JSON) -> Node:
        ctx = info.context
        written = patch_node(ctx.store, ctx.cache, _writer(info), id, patch, path="patch")
        return Node.from_model(written.entity)  # type: ignore[arg-type]

    @strawberry.mutation(description="Update only the fields `patch` names (a JSON Merge Patch, RFC 7396, in pathways/1 "
                                     "field names; null removes a field) of a rule: PATCH /rules/{id}.")
    def patch_rule(self, info: Info, id: str, patch: JSON) -> Rule:
        ctx = info.context
        written = patch_rule(ctx.store, ctx.cache, _writer(info), id, patch, path="patch")
        return Rule.from_model(written.entity)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="End a rule's agreement on date (default today): sets validTo and keeps the rule; "
        "a rule that would end before it starts gets status retired (admin, or registrar of grantedBy)."
    )
    def retire_rule(self, info: Info, id: str, date: dt.date | None = None) -> Rule:
        ctx = info.context
        return Rule.from_model(retire_rule(ctx.store, ctx.cache, _writer(info), id, date=date).entity)  # type: ignore[arg-type]


class ProblemExtensions(SchemaExtension):
    """Give each error raised as a :class:`PathwaysError` the REST problem object as ``extensions``."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [self._with_problem(e) for e in errors]

    @staticmethod
    def _with_problem(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if not isinstance(original, PathwaysError):
            return error
        return GraphQLError(error.message, nodes=error.nodes, source=error.source, positions=error.positions,
                            path=error.path, original_error=original, extensions=problem_json(original))


class _Schema(strawberry.Schema):
    async def execute(  # noqa: PLR0917
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Parse, validate and execute in the request's worker thread, never on the event loop:
        a large document costs its parser and validator time there too, not only its resolvers."""
        if not isinstance(context_value, Context):
            return await super().execute(query, variable_values, context_value, root_value, operation_name,
                                         allowed_operation_types, operation_extensions)
        return await context_value.work.run(lambda: self.execute_sync(
            query, variable_values, context_value, root_value, operation_name, allowed_operation_types, operation_extensions))

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log unexpected errors only: a refused write or a bad input is the caller's, not ours."""
        unexpected = [e for e in errors if not isinstance(e.original_error, PathwaysError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


MAX_TOKENS = 50_000
"""Most tokens a GraphQL document may have: the parser stops past it, before the cost walk
(a 500-holding ``countToward`` written out is about 6,500)."""

SCHEMA = _Schema(query=Query, mutation=Mutation, extensions=[lambda: MaxTokensLimiter(MAX_TOKENS), CostLimit, ProblemExtensions])


async def _context(request: Request, role: Annotated[Role | None, Depends(caller)],
                   work: Annotated[Work, Depends(request_work)]) -> Context:
    state = request.app.state
    return Context(state.store, state.engine_cache, role, state.settings, state.limits, work)


class _Router(GraphQLRouter[Context, None]):
    """Strawberry's router with the service's JSON decoding and problem+json errors.

    A body is decoded by :func:`~pathways.service.errors.parse_json_body`, as on every REST
    route (a hostile body is a 422 problem); strawberry's own refusals (no query, a mutation
    over ``GET``), which it answers in plain text, become problem+json with the same status.
    """

    def decode_json(self, data: str | bytes) -> object:
        decoded = parse_json_body(data.encode() if isinstance(data, str) else data)
        # strawberry reads fields of what it decodes: a bare number or string is no request
        if not isinstance(decoded, (dict, list)):
            raise StrawberryHTTPException(400, "A GraphQL request (and its variables) must be a JSON object.")
        return decoded

    async def parse_http_body(self, request: Any) -> Any:
        parsed = await super().parse_http_body(request)
        for one in parsed if isinstance(parsed, list) else [parsed]:
            if not isinstance(one.operation_name, (str, type(None))):
                raise StrawberryHTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return parsed

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except StrawberryHTTPException as err:
            raise StarletteHTTPException(err.status_code, err.reason) from None


_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "GraphQLRequest",
    "required": ["query"],
    "properties": {
        "query": {"type": "string"},
        "variables": {"type": ["object", "null"]},
        "operationName": {"type": ["string", "null"]},
    },
}
_RESULT = {"application/json": {"schema": {"type": "object", "description": "a GraphQL response: data, errors"}}}


def _document(router: GraphQLRouter[Context, None]) -> None:
    """Say in the OpenAPI document what ``/graphql`` answers: errors inside a GraphQL response
    are a 200; what keeps a request from being run at all is a problem."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        # a token is optional (FastAPI lists the bearer scheme; {} adds "or none"): reads run
        # anonymously, mutations check the role themselves
        route.openapi_extra = {"security": [{}]}
        if "POST" in (route.methods or ()):
            route.openapi_extra["requestBody"] = {"required": True, "content": {"application/json": {"schema": _REQUEST_SCHEMA}}}
            route.responses = {200: {"description": "the GraphQL response", "content": _RESULT},
                               **answers(400, 401, 413, 422, 503)}
        else:
            page = {"text/html": {"schema": {"type": "string"}}}
            route.responses = {
                200: {"description": "GraphiQL for a browser (Accept: text/html); a query's response with ?query=",
                      "content": {**page, **_RESULT}},
                **answers(400, 401, 422),
                503: {"description": "GraphiQL's assets are not installed: a page saying how to install them", "content": page},
            }


def graphql_router() -> GraphQLRouter[Context, None]:
    """A fresh router for one app: ``POST /graphql`` for queries, GraphiQL on ``GET`` from a browser."""
    router = _Router(SCHEMA, path="/graphql", context_getter=_context, tags=["graphql"])
    _document(router)
    return router
