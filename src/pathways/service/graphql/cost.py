"""The GraphQL cost and depth limits: a walk over the parsed operation before it runs.

Each field selected costs one unit, aliases included (``a: reach(...) b: reach(...)`` is two
fields); a field with a ``first`` argument (a connection: ``nodes``, ``rules``,
``agreements``) multiplies the cost of what it selects by ``first``; and the fields that run
the engine are weighted by what they ask for:

- ``reach``: :data:`REACH_BASE` to the power ``depth`` (its cost grows about threefold a level);
- ``countToward`` and ``destinations``: :data:`EVALUATION` plus :data:`PER_HOLDING` per holding and credential;
- ``plan``: :data:`PLAN`, plus :data:`PER_HOLDING` per holding and credential;
- ``validation``: :data:`VALIDATION` (every check walks the whole graph).

A unit is roughly a third of a millisecond of engine time on BC 0.2, so the default limit of
10,000 units (``PATHWAYS_GRAPHQL_MAX_COST``) is a few seconds of work: a hundred reach fields
at depth 3, or ten evaluations of a 50-course transcript, but not 500 aliased reach fields
at depth 4 (41,000 units).

An operation over ``graphql_max_cost`` units, or nesting selections deeper than
``graphql_max_depth``, is refused before anything runs, with a GraphQL error whose
``extensions`` is the 422 problem naming the limit. Fragments are walked where they are
spread; variables are read from the request. Introspection (``__schema``, ``__type``) reads
only the schema: one unit, its selections not walked.

Example:
    >>> from graphql import parse
    >>> doc = parse('{ a: reach(node: "U:A", depth: 4) { node } b: reach(node: "U:B") { node } }')
    >>> operation_cost(doc, None, {})
    (110, 2)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from ...errors import InvalidInput
from ..limits import Limits
from ..paging import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["EVALUATION", "PER_HOLDING", "PLAN", "REACH_BASE", "VALIDATION", "CostLimit", "operation_cost"]

REACH_BASE = 3
"""A ``reach`` field costs ``REACH_BASE ** depth`` units: measured on BC 0.2, the paths (and the
time) of a reach grow about threefold per level (median 54 paths and 10 ms at depth 3, 155
and 25 ms at 4, 1,243 and 210 ms at 6), so depth 3 is 27 units, 4 is 81, 6 is 729."""
EVALUATION = 100
"""Cost units of a ``countToward`` field, plus :data:`PER_HOLDING` per holding (10 holdings on BC
0.2: 130 ms median)."""
PLAN = 1000
"""Cost units of a ``plan`` field, plus :data:`PER_HOLDING` per holding: a plan runs many evaluations."""
PER_HOLDING = 5
"""Cost units per holding or credential of ``countToward`` and ``plan``."""
VALIDATION = 6000
"""Cost units of a ``validation`` field: the registrar checks walk every rule, 2.0 s of CPU on BC
0.2 (49,206 rules, 15,000 findings), so one fits the default limit and two aliased do not."""
_MAX_WEIGHED_DEPTH = 20
"""Depths beyond this weigh as this (the field refuses them anyway; the power stays small)."""


def _args(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value, variables) for arg in field.arguments or ()}


def _count(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


def _weight(name: str, args: dict[str, Any]) -> int:
    if name == "reach":
        depth = args.get("depth", 3)
        return int(REACH_BASE ** (min(depth, _MAX_WEIGHED_DEPTH) if isinstance(depth, int) and depth > 0 else 1))
    if name in ("countToward", "destinations"):
        return EVALUATION + PER_HOLDING * (_count(args.get("holdings")) + _count(args.get("credentials")))
    if name == "plan":
        body = args.get("input")
        body = body if isinstance(body, dict) else {}
        return PLAN + PER_HOLDING * (_count(body.get("holdings")) + _count(body.get("credentials")))
    if name == "validation":
        return VALIDATION
    return 1


def _fields(selections: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]) -> Iterator[FieldNode]:
    for sel in selections.selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from _fields(sel.selection_set, fragments)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
            yield from _fields(fragments[sel.name.value].selection_set, fragments)


def _walk(selections: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode],
          variables: dict[str, Any]) -> tuple[int, int]:
    cost, depth = 0, 0
    for field in _fields(selections, fragments):
        if field.name.value.startswith("__"):
            cost += 1  # introspection reads the schema only: counted, not walked (GraphiQL's query nests deep)
            continue
        args = _args(field, variables)
        own = _weight(field.name.value, args)
        below, deep = (0, 0)
        if field.selection_set is not None:
            below, deep = _walk(field.selection_set, fragments, variables)
            first = args.get("first")
            if isinstance(first, int) and first > 0:
                below *= min(first, MAX_LIMIT)  # a larger page is refused by the field itself, naming `first`
            elif "first" not in args and field.name.value in ("nodes", "rules", "agreements"):
                below *= DEFAULT_LIMIT
        cost += own + below
        depth = max(depth, deep + 1)
    return cost, depth


def operation_cost(document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None) -> tuple[int, int]:
    """The cost in units and the selection depth of the operation ``operation_name`` (or the
    only one) of ``document``, with ``variables`` as sent."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if not chosen:
        return 0, 0
    return _walk(chosen[0].selection_set, fragments, dict(variables or {}))


class CostLimit(SchemaExtension):
    """Refuse an operation over the app's GraphQL cost or depth limit before it is validated
    (validation of many fields takes time of its own) or executed.

    The limits are the app's (``context.limits``), so two apps in one process may differ.
    """

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        limits: Limits | None = getattr(ctx.context, "limits", None)
        if limits is not None and ctx.graphql_document is not None:
            cost, depth = operation_cost(ctx.graphql_document, ctx.operation_name, ctx.variables)
            refusal = None
            if cost > limits.graphql_max_cost:
                refusal = InvalidInput.one("query", f"costs {cost} units: more than the limit of {limits.graphql_max_cost} "
                                                    "(PATHWAYS_GRAPHQL_MAX_COST; reach, countToward and plan weigh most)")
            elif depth > limits.graphql_max_depth:
                refusal = InvalidInput.one("query", f"nests selections {depth} deep: more than the limit of "
                                                    f"{limits.graphql_max_depth} (PATHWAYS_GRAPHQL_MAX_DEPTH)")
            if refusal is not None:  # errors before validation skip it: an oversized document costs no more
                ctx.pre_execution_errors = [GraphQLError(refusal.detail, original_error=refusal)]
        yield
