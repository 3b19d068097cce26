"""The ``pathways/1`` graph document: parsing with every problem located, and reference checks.

A document is validated whole before anything is written: :func:`parse_document` reports
every shape problem with its JSON path; :func:`reference_problems` then resolves every
reference against the document plus what a store already holds.

Example:
    >>> doc = parse_document({"format": "pathways/1",
    ...     "institutions": [{"id": "UFV", "name": "University of the Fraser Valley"}],
    ...     "nodes": [{"id": "UFV:GD157", "kind": "course", "institution": "UFV", "title": "Digital Imaging"}],
    ...     "rules": [{"id": "R", "kind": "plar", "granted_by": "UFV", "requires": {"node": "UFV:XX"},
    ...                "grants": [{"node": "UFV:GD157"}]}]})
    >>> [str(p) for p in reference_problems(doc, KnownIds())]
    ['rules[0].requires.node: unknown node "UFV:XX"']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidDocument, Problem
from .entities import Institution, Node, Rule
from .requirements import All, Any_, Average, CompetencyLeaf, CreditsWhere, NodeLeaf, Requirement, requirement_problems

__all__ = [
    "FORMAT",
    "Document",
    "KnownIds",
    "check_references",
    "parse_document",
    "parse_entity",
    "pydantic_problems",
    "reference_problems",
]

FORMAT: Literal["pathways/1"] = "pathways/1"

E = TypeVar("E", Institution, Node, Rule)


class Document(BaseModel):
    """A whole graph or a part of one, as exchanged in ``pathways/1``.

    ``format`` has a default for documents built in code, but :func:`parse_document` refuses
    input without it, so the published JSON schema lists it as required.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"required": ["format"]})

    format: Literal["pathways/1"] = FORMAT
    institutions: list[Institution] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The document as JSON-ready data, entities sorted by id for stable output."""
        return {
            "format": FORMAT,
            "institutions": [i.to_json() for i in sorted(self.institutions, key=lambda i: i.id)],
            "nodes": [n.to_json() for n in sorted(self.nodes, key=lambda n: n.id)],
            "rules": [r.to_json() for r in sorted(self.rules, key=lambda r: r.id)],
        }


@dataclass
class KnownIds:
    """Ids that already resolve: institutions, and nodes with their kind (from a store)."""

    institutions: set[str] = field(default_factory=set)
    nodes: dict[str, str] = field(default_factory=dict)


def pydantic_problems(err: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn a pydantic error into problems whose paths read like ``rules[3].grants[0].node``."""
    problems = []
    for e in err.errors():
        path = prefix
        for part in e["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path = f"{path}.{part}" if path else str(part)
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        problems.append(Problem(path, msg))
    return problems


_REQUIREMENT_FIELDS: dict[type[Any], tuple[str, ...]] = {Rule: ("requires", "unless"), Node: ("prerequisites",)}


def parse_entity(cls: type[E], value: object, path: str = "") -> tuple[E | None, list[Problem]]:
    """Validate one institution, node or rule, returning it (or ``None``) and every problem.

    Requirement fields are parsed first with their own paths, so an error deep in a rule
    reads ``rules[3].requires.of[1].node`` rather than one message for the whole field.
    """
    if not isinstance(value, dict):
        return None, [Problem(path, "must be an object")]
    data = dict(value)
    problems: list[Problem] = []
    failed: set[str] = set()
    for req_field in _REQUIREMENT_FIELDS.get(cls, ()):
        if data.get(req_field) is not None:
            req, req_problems = requirement_problems(data[req_field], _join(path, req_field))
            problems.extend(req_problems)
            if req is None:
                data.pop(req_field)
                failed.add(_join(path, req_field))
            else:
                data[req_field] = req
    try:
        entity = cls.model_validate(data)
    except ValidationError as err:
        problems.extend(p for p in pydantic_problems(err, path) if p.path not in failed)
        return None, problems
    return (None if problems else entity), problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_document(value: object) -> Document:
    """Parse a ``pathways/1`` document, raising :class:`InvalidDocument` with every problem.

    Duplicate ids inside the document are problems too. References are not resolved here
    (see :func:`reference_problems`), since they may point into the store.
    """
    if not isinstance(value, dict):
        raise InvalidDocument([Problem("", "a pathways/1 document must be a JSON object")])
    problems: list[Problem] = []
    if value.get("format") != FORMAT:
        problems.append(Problem("format", f'must be "{FORMAT}", got {value.get("format")!r}'))
    for key in value:
        if key not in ("format", "institutions", "nodes", "rules"):
            problems.append(Problem(key, "unknown field; expected format, institutions, nodes, rules"))
    parsed: dict[str, list[Any]] = {}
    for key, cls in (("institutions", Institution), ("nodes", Node), ("rules", Rule)):
        items = value.get(key, [])
        if not isinstance(items, list):
            problems.append(Problem(key, "must be a list"))
            continue
        seen: dict[str, int] = {}
        parsed[key] = []
        for i, item in enumerate(items):
            entity, item_problems = parse_entity(cls, item, f"{key}[{i}]")  # type: ignore[type-var]
            problems.extend(item_problems)
            ident = item.get("id") if isinstance(item, dict) else None
            if isinstance(ident, str):
                if ident in seen:
                    problems.append(Problem(f"{key}[{i}].id", f'duplicate id "{ident}" (also {key}[{seen[ident]}])'))
                seen.setdefault(ident, i)
            if entity is not None:
                parsed[key].append(entity)
    if problems:
        raise InvalidDocument(problems)
    return Document(**parsed)


def reference_problems(doc: Document, known: KnownIds) -> list[Problem]:
    """Every reference in ``doc`` that resolves neither in ``doc`` nor in ``known``."""
    institutions = known.institutions | {i.id for i in doc.institutions}
    kinds = dict(known.nodes)
    kinds.update({n.id: n.kind for n in doc.nodes})
    problems: list[Problem] = []

    def node_ref(path: str, ident: str) -> None:
        if ident not in kinds:
            problems.append(Problem(path, f'unknown node "{ident}"'))

    def competency_ref(path: str, ident: str) -> None:
        kind = kinds.get(ident)
        if kind is None:
            problems.append(Problem(path, f'unknown competency "{ident}"'))
        elif kind != "competency":
            problems.append(Problem(path, f'"{ident}" is a {kind} node, not a competency'))

    def requirement_refs(path: str, req: Requirement) -> None:
        if isinstance(req, NodeLeaf):
            node_ref(f"{path}.node", req.node)
        elif isinstance(req, CompetencyLeaf):
            competency_ref(f"{path}.competency", req.competency)
        elif isinstance(req, (CreditsWhere, Average)):
            for j, ident in enumerate(req.of if isinstance(req, Average) and req.of is not None else ()):
                node_ref(f"{path}.of[{j}].node", ident)
            inst = req.where.institution if req.where is not None else None
            if inst is not None and inst not in institutions:
                problems.append(Problem(f"{path}.where.institution", f'unknown institution "{inst}"'))
        else:
            key = "all" if isinstance(req, All) else "any" if isinstance(req, Any_) else "of"
            for j, child in enumerate(req.of):
                requirement_refs(f"{path}.{key}[{j}]", child)

    for i, node in enumerate(doc.nodes):
        if node.institution is not None and node.institution not in institutions:
            problems.append(Problem(f"nodes[{i}].institution", f'unknown institution "{node.institution}"'))
        for j, comp in enumerate(node.competencies):
            competency_ref(f"nodes[{i}].competencies[{j}]", comp)
        for j, other in enumerate(node.excludes):
            kind = kinds.get(other)
            if kind is None:
                problems.append(Problem(f"nodes[{i}].excludes[{j}]", f'unknown node "{other}"'))
            elif kind == "competency":
                problems.append(Problem(f"nodes[{i}].excludes[{j}]", f'"{other}" is a competency: only nodes with an institution exclude each other'))
        if node.prerequisites is not None:
            requirement_refs(f"nodes[{i}].prerequisites", node.prerequisites)
    for i, rule in enumerate(doc.rules):
        if rule.granted_by not in institutions:
            problems.append(Problem(f"rules[{i}].granted_by", f'unknown institution "{rule.granted_by}"'))
        requirement_refs(f"rules[{i}].requires", rule.requires)
        if rule.unless is not None:
            requirement_refs(f"rules[{i}].unless", rule.unless)
        for j, grant in enumerate(rule.grants):
            node_ref(f"rules[{i}].grants[{j}].node", grant.node)
    return problems


def check_references(doc: Document, known: KnownIds) -> None:
    """Raise :class:`InvalidDocument` listing every unresolved reference in ``doc``."""
    problems = reference_problems(doc, known)
    if problems:
        raise InvalidDocument(problems)

