"""Institutions, nodes and rules: the objects of a ``pathways/1`` graph (SPEC section 2).

They are immutable pydantic models. Requirement fields hold parsed
:mod:`~pathways.model.requirements` objects and serialize back to SPEC's JSON.

Example:
    >>> rule = Rule.model_validate({"id": "R1", "kind": "plar", "granted_by": "UFV",
    ...     "requires": {"node": "UFV:PS-ESS"}, "grants": [{"node": "UFV:GD157"}]})
    >>> rule.status, rule.requires
    ('approved', NodeLeaf(node='UFV:PS-ESS', min_grade=None, max_grade=None))
    >>> rule.to_json()["requires"]
    {'node': 'UFV:PS-ESS'}
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..errors import InvalidInput
from .dates import IsoDate
from .grades import LETTERS
from .ids import ID_JSON_SCHEMA, id_problem
from .requirements import (
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    NodeLeaf,
    Requirement,
    parse_requirement,
    requirement_to_json,
    walk,
)

__all__ = [
    "Grant",
    "Institution",
    "Limits",
    "Node",
    "NodeKind",
    "Rule",
    "RuleKind",
    "RuleStatus",
]

NodeKind = Literal["course", "micro_credential", "credential", "competency", "admission"]
RuleKind = Literal["stack", "ladder", "plar", "transfer", "admission"]
RuleStatus = Literal["proposed", "pilot", "approved", "retired"]


def _check_id(value: str) -> str:
    msg = id_problem(value)
    if msg:
        raise ValueError(msg)
    return value


def _compact(value: float) -> int | float:
    """Integral numbers serialize as integers (``3``, not ``3.0``), as SPEC writes them."""
    return int(value) if float(value).is_integer() else value


def _coerce_requirement(value: object) -> Requirement:
    if isinstance(value, (NodeLeaf, CompetencyLeaf, All, Any_, AtLeast, CreditsOf, CreditsWhere, Average)):
        return value
    try:
        return parse_requirement(value)
    except InvalidInput as err:
        raise ValueError(err.detail) from None


Id = Annotated[str, AfterValidator(_check_id), WithJsonSchema(ID_JSON_SCHEMA)]
# strict: a JSON number only (true or "3" are refused, not read as 1 and 3)
Number = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True), PlainSerializer(_compact)]
RequirementField = Annotated[
    Requirement,
    PlainValidator(_coerce_requirement),
    PlainSerializer(requirement_to_json),
    WithJsonSchema({"type": "object", "description": "a requirement (SPEC section 3)"}),
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Entity(BaseModel):
    model_config = _CONFIG

    def to_json(self) -> dict[str, Any]:
        """The entity as it stands in a ``pathways/1`` document (null fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


class Institution(_Entity):
    """A provider that issues or grants: a university, college, industry body..."""

    id: Id
    name: str = Field(min_length=1)
    jurisdiction: str | None = None
    type: str | None = None


class Limits(_Entity):
    """Caps on a credential: recognized (PLAR + transfer) credit and residency credit."""

    max_recognized_credits: Number | None = None
    min_residency_credits: Number | None = None


class Node(_Entity):
    """Something a learner can hold: a course, micro-credential, credential, competency or admission."""

    id: Id
    kind: NodeKind
    institution: Id | None = None
    title: str = Field(min_length=1)
    credits: Number = 0
    level: int | None = Field(default=None, ge=1, le=9, strict=True)
    subject: str | None = None
    hours: Number | None = None
    cost: Number | None = None
    competencies: list[Id] = Field(default_factory=list)
    prerequisites: RequirementField | None = None
    identifiers: list[str] = Field(default_factory=list)
    status: Literal["active", "retired"] = "active"
    details: dict[str, Any] = Field(default_factory=dict)
    limits: Limits | None = None
    repeatable: bool = Field(default=False, strict=True)
    """May be held several times with disjoint lineages, each copy with its own credits
    (unassigned and blanket credit: two history courses each transferring as "1st-year
    history" give two copies)."""
    excludes: list[Id] = Field(default_factory=list)
    """Anti-requisites: nodes credit for only one of which counts at an institution (symmetric:
    listing B on A also makes B exclude A). Among held nodes that exclude each other the first
    earned wins, then the higher credits, then the smaller id; a losing node is still held but
    counts in no rule granted by its own institution."""

    @model_validator(mode="after")
    def _kind_rules(self) -> Node:
        if self.institution is None and self.kind != "competency":
            raise ValueError(f"institution is required for a {self.kind} node")
        if self.limits is not None and self.kind != "credential":
            raise ValueError("limits are allowed on credential nodes only")
        return self

    @field_validator("excludes")
    @classmethod
    def _excludes(cls, excludes: list[str], info: ValidationInfo) -> list[str]:
        if excludes and info.data.get("kind") == "competency":
            raise ValueError("a competency node has no institution to count at: it cannot exclude anything")
        if info.data.get("id") in excludes:
            raise ValueError("a node cannot exclude itself")
        if len(set(excludes)) != len(excludes):
            raise ValueError("lists a node more than once")
        return excludes

    def to_json(self) -> dict[str, Any]:
        """The node as in a document; empty lists and objects are left out too."""
        data = super().to_json()
        for key in ("competencies", "identifiers", "details", "excludes", "repeatable"):
            if not data.get(key):
                data.pop(key, None)
        return data


class Grant(_Entity):
    """One node a rule grants, with the credits it carries when they differ from the node's."""

    node: Id
    credits: Number | None = None


class Rule(_Entity):
    """A hyperedge: when ``requires`` is met by holdings, every node in ``grants`` is granted."""

    id: Id
    kind: RuleKind
    granted_by: Id
    requires: RequirementField
    grants: list[Grant]
    """The nodes granted; empty only for an explicit "no credit" ``transfer`` agreement."""
    unless: RequirementField | None = None
    """The rule does not fire when the final holdings meet this (an exclusion: "no credit if taken with")."""
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    max_age_years: Number | None = None
    priority: int | None = Field(default=None, strict=True)
    pass_counts_as: str | None = None
    """The letter grade a ``P`` (pass) counts as for this rule's ``min_grade``/``max_grade``
    (elsewhere ``P`` meets only leaves without them)."""
    """Among a round's derivations of one node, a higher priority wins first (none counts as 0)."""
    status: RuleStatus = "approved"
    approved_by: str | None = None
    note: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Rule:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        return self

    @field_validator("pass_counts_as")
    @classmethod
    def _pass_counts_as(cls, value: str | None) -> str | None:
        if value is not None and (value not in LETTERS or value == "F"):
            raise ValueError(f"unknown grade {value!r}: expected a letter grade other than F")
        return value

    @field_validator("grants")
    @classmethod
    def _grants(cls, grants: list[Grant], info: ValidationInfo) -> list[Grant]:
        kind = info.data.get("kind")
        if not grants and kind != "transfer":
            raise ValueError(f"a {kind} rule must grant at least one node (only a transfer rule may grant none: no credit)")
        return grants

    @property
    def no_credit(self) -> bool:
        """Whether this is an explicit "no credit" agreement (a ``transfer`` rule granting nothing)."""
        return not self.grants

    def mentions(self) -> set[str]:
        """Node and competency ids named anywhere in the requirement."""
        out: set[str] = set()
        for r in walk(self.requires):
            ident = getattr(r, "node", None) or getattr(r, "competency", None)
            if ident:
                out.add(ident)
        return out
