"""Every write the service makes, shared by REST and GraphQL: validate, check scope, import.

Each write is one :meth:`~pathways.store.base.Store.import_document` of a small document,
recorded in the audit log with the caller's role as the actor. The order of checks is
fixed: the caller must be known (401), the input must be valid (422, every problem with
its path), and the caller's role must cover both what the store holds now and what the
write would make it (403); only then is anything written. References are checked by the
store inside the write transaction (422 when one does not resolve).

A ``PATCH`` is a JSON Merge Patch (RFC 7396) applied to the stored entity's JSON
(:func:`merge_patch`); the merged whole then goes through the very same path as a ``PUT``,
so it is validated as a whole and scoped the same way.

Example:
    >>> entity_body({"title": "x"}, "U:1", "")
    {'title': 'x', 'id': 'U:1'}
    >>> merge_patch({"id": "R", "note": "old", "status": "approved"}, {"note": None, "status": "pilot"})
    {'id': 'R', 'status': 'pilot'}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidDocument, InvalidInput, NotFound, Problem
from ..io.csv_import import CsvImport, Layout, read_transfer_table
from ..model import Document, Institution, Node, Rule, parse_document, parse_entity
from ..store import ImportSummary, Store
from .auth import Role, forbid
from .engine_cache import EngineCache

__all__ = [
    "Written",
    "entity_body",
    "import_graph",
    "import_transfer_table",
    "merge_patch",
    "patch_node",
    "patch_rule",
    "put_institution",
    "put_node",
    "put_rule",
    "retire_rule",
]


@dataclass(frozen=True, slots=True)
class Written:
    """The outcome of a single-entity write: the entity as stored and whether it was new."""

    entity: Institution | Node | Rule
    created: bool
    version: int


def entity_body(body: object, path_id: str, path: str) -> dict[str, Any]:
    """A PUT body with its id checked against the URL: a missing id is taken from the URL,
    a different one is a 422 naming ``id``."""
    if not isinstance(body, dict):
        raise InvalidInput.one(path, "must be a JSON object")
    ident = body.get("id", path_id)
    if ident != path_id:
        raise InvalidInput.one(f"{path}.id" if path else "id", f"{ident!r} does not match the id in the URL, {path_id!r}")
    return {**body, "id": path_id}


def _parse(cls: type[Any], body: dict[str, Any], path: str) -> Any:
    entity, problems = parse_entity(cls, body, path)
    if entity is None:
        raise InvalidInput(problems or [Problem(path, "invalid")])
    return entity


def _write(store: Store, cache: EngineCache, doc: Document, role: Role, action: str, *, path: str | None = None) -> ImportSummary:
    """Import ``doc``; for a single-entity write, reference problems are located in its body
    (``requires.node``, or ``input.requires.node`` under GraphQL) rather than ``rules[0]``."""
    try:
        summary = store.import_document(doc, actor=role.name, action=action)
    except InvalidDocument as err:
        if path is None:
            raise
        raise InvalidInput([Problem(_relocate(p.path, path), p.message) for p in err.problems]) from None
    if summary.changes:
        cache.invalidate()
    return summary


def _relocate(problem_path: str, path: str) -> str:
    for key in ("institutions[0]", "nodes[0]", "rules[0]"):
        if problem_path == key or problem_path.startswith(key + "."):
            rest = problem_path[len(key) + 1 :]
            return f"{path}.{rest}" if path and rest else (rest or path)
    return problem_path


def _written(entity: Institution | Node | Rule, summary: ImportSummary) -> Written:
    return Written(entity, any(c.op == "created" for c in summary.changes), summary.version)


def put_institution(store: Store, cache: EngineCache, role: Role, body: dict[str, Any], *, path: str = "") -> Written:
    """Create or replace an institution (admin only)."""
    inst: Institution = _parse(Institution, body, path)
    if not role.may_write_institution():
        raise forbid(role, f'write institution "{inst.id}" (institutions need admin)')
    return _written(inst, _write(store, cache, Document(institutions=[inst]), role, f"put institution {inst.id}", path=path))


def _check_node_scope(store: Store, role: Role, node: Node) -> None:
    existing = store.get_node(node.id)
    for inst in {node.institution, existing.institution if existing else node.institution}:
        if not role.may_write_node(node.id, inst):
            raise forbid(role, f'write node "{node.id}" of institution {inst or "(none: a competency)"}')


def put_node(
    store: Store, cache: EngineCache, role: Role, body: dict[str, Any], *, path: str = "", action: str | None = None
) -> Written:
    """Create or replace a node; a registrar needs the node's institution, before and after, to be theirs."""
    node: Node = _parse(Node, body, path)
    _check_node_scope(store, role, node)
    return _written(node, _write(store, cache, Document(nodes=[node]), role, action or f"put node {node.id}", path=path))


def _check_rule_scope(store: Store, role: Role, rule: Rule) -> None:
    """``granted_by`` (stored and new) must be the role's, and every stored node the rule grants
    must be of the role's institution. A granted node not stored yet is either one of the same
    document, which the node checks hold to the role's institution before, or unknown, which
    the store's reference check refuses (422)."""
    existing = store.get_rule(rule.id)
    for granted_by in {rule.granted_by, existing.granted_by if existing else rule.granted_by}:
        if not role.may_write_rule(granted_by):
            raise forbid(role, f'write rule "{rule.id}" granted by {granted_by}')
    if role.is_admin:
        return
    for grant in rule.grants:
        node = store.get_node(grant.node)
        if node is not None and not role.may_grant(node.institution):
            raise forbid(role, f'write rule "{rule.id}" granting "{grant.node}" of institution '
                               f'{node.institution or "(none: a competency)"}')


def put_rule(
    store: Store, cache: EngineCache, role: Role, body: dict[str, Any], *, path: str = "", action: str | None = None
) -> Written:
    """Create or replace a rule; a registrar needs ``granted_by``, before and after, to be theirs,
    and every granted node to be of their institution."""
    rule: Rule = _parse(Rule, body, path)
    _check_rule_scope(store, role, rule)
    return _written(rule, _write(store, cache, Document(rules=[rule]), role, action or f"put rule {rule.id}", path=path))


def merge_patch(target: object, patch: object) -> Any:
    """RFC 7396 JSON Merge Patch: ``patch``'s members replace ``target``'s, ``null`` removes one,
    objects merge recursively, anything else (a list, a string) replaces the target whole.

    >>> merge_patch({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": None, "e": 3}, "d": [2]})
    {'a': {'b': 1, 'e': 3}, 'd': [2]}
    """
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _patched(stored: Institution | Node | Rule, patch: object, path: str) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise InvalidInput.one(path, "a merge patch must be a JSON object")
    return entity_body(merge_patch(stored.to_json(), patch), stored.id, path)


def patch_node(store: Store, cache: EngineCache, role: Role, node_id: str, patch: object, *, path: str = "") -> Written:
    """Update only the fields ``patch`` names (a merge patch) of a stored node; then as :func:`put_node`."""
    node = store.get_node(node_id)
    if node is None:
        raise NotFound("node", node_id)
    return put_node(store, cache, role, _patched(node, patch, path), path=path, action=f"patch node {node_id}")


def patch_rule(store: Store, cache: EngineCache, role: Role, rule_id: str, patch: object, *, path: str = "") -> Written:
    """Update only the fields ``patch`` names (a merge patch) of a stored rule; then as :func:`put_rule`."""
    rule = store.get_rule(rule_id)
    if rule is None:
        raise NotFound("rule", rule_id)
    return put_rule(store, cache, role, _patched(rule, patch, path), path=path, action=f"patch rule {rule_id}")


def retire_rule(store: Store, cache: EngineCache, role: Role, rule_id: str, *, date: dt.date | None = None) -> Written:
    """End a rule's agreement on ``date`` (default today): ``valid_to`` becomes that date.

    The rule is kept and still counts learning completed inside its window (an agreement in
    force when a course was completed is honoured). Retiring never lengthens an agreement: an
    earlier ``valid_to`` stays. A rule whose window would close before it opens never applied,
    so it is withdrawn entirely instead (status ``retired``).
    """
    rule = store.get_rule(rule_id)
    if rule is None:
        raise NotFound("rule", rule_id)
    if not role.may_write_rule(rule.granted_by):
        raise forbid(role, f'retire rule "{rule_id}" granted by {rule.granted_by}')
    end = date or dt.date.today()
    if rule.valid_to is not None and rule.valid_to < end:
        end = rule.valid_to
    if rule.valid_from is not None and end < rule.valid_from:
        update: dict[str, Any] = {"status": "retired"}
    else:
        update = {"valid_to": end}
    retired = rule.model_copy(update=update)
    return _written(retired, _write(store, cache, Document(rules=[retired]), role, f"retire rule {rule_id} on {end.isoformat()}"))


def _check_import_scope(store: Store, role: Role, doc: Document) -> None:
    if not role.is_admin:
        if doc.institutions:
            raise forbid(role, "import institutions (they need admin)")
        for node in doc.nodes:
            _check_node_scope(store, role, node)
        for rule in doc.rules:
            _check_rule_scope(store, role, rule)


def import_graph(store: Store, cache: EngineCache, role: Role, body: object) -> ImportSummary:
    """Import a whole ``pathways/1`` document (``POST /graph``).

    An admin may import anything. A registrar may import a document with no institutions
    whose every node and rule is in their scope (as stored and as imported, the rules'
    grants included); council may not.
    """
    doc = parse_document(body)
    _check_import_scope(store, role, doc)
    return _write(store, cache, doc, role, "import graph")


def import_transfer_table(store: Store, cache: EngineCache, role: Role, text: str, layout: Layout) -> tuple[ImportSummary, CsvImport]:
    """Import a transfer-guide table (``POST /graph`` with ``text/csv``): read every row
    against the store's ids, then the same scope rules and one write as :func:`import_graph`."""
    table = read_transfer_table(text, known=store.known_ids(), layout=layout, source="POST /graph")
    _check_import_scope(store, role, table.document)
    return _write(store, cache, table.document, role, f"import {layout} table"), table
