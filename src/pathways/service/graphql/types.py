# mypy: disable-error-code="untyped-decorator"
# (strawberry's field decorators are untyped without its mypy plugin, which pyproject does not load)
"""GraphQL object and input types: entities, connections, and the engine's answers.

Field names are the REST JSON keys in camelCase (``as_of`` -> ``asOf``, ``granted_by`` ->
``grantedBy``), and nothing else differs: every answer type is built from the very JSON the
REST route returns (:meth:`Evaluation.from_json` and friends), so the two agree field for
field by construction. Requirements, ``missing``, ``also_needs`` and ``details`` travel as
the ``JSON`` scalar, exactly as in ``pathways/1``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.scalars import JSON

from ... import model
from ...answers import label as shaping_label

__all__ = [
    "Destination",
    "Destinations",
    "Evaluation",
    "Grant",
    "GrantInput",
    "GrantedHolding",
    "HoldingInput",
    "Institution",
    "InstitutionGrants",
    "InstitutionInput",
    "Limits",
    "LimitsInput",
    "Node",
    "NodeConnection",
    "NodeEdge",
    "NodeInput",
    "PageInfo",
    "Plan",
    "PlanInput",
    "PlanOption",
    "Progress",
    "Reach",
    "ReachStep",
    "ReachTarget",
    "Rule",
    "RuleConnection",
    "RuleEdge",
    "RuleInput",
    "Skipped",
    "ValidationFinding",
    "input_json",
]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@strawberry.type(description="A provider that issues or grants.")
class Institution:
    id: str
    name: str
    jurisdiction: str | None
    type: str | None

    @classmethod
    def from_model(cls, inst: model.Institution) -> Institution:
        return cls(id=inst.id, name=inst.name, jurisdiction=inst.jurisdiction, type=inst.type)


@strawberry.type(description="Caps on a credential: recognized (PLAR + transfer) and residency credit.")
class Limits:
    max_recognized_credits: float | None
    min_residency_credits: float | None


@strawberry.type(description="Something a learner can hold.")
class Node:
    id: str
    kind: str
    institution: str | None
    title: str
    credits: float
    level: int | None
    subject: str | None
    hours: float | None
    cost: float | None
    competencies: list[str]
    prerequisites: JSON | None
    identifiers: list[str]
    status: str
    details: JSON
    limits: Limits | None
    repeatable: bool = strawberry.field(description="May be held several times with disjoint lineages (blanket credit).")
    excludes: list[str] = strawberry.field(description="Anti-requisites: credit for only one of them counts at the institution (symmetric).")

    @strawberry.field(description="The name of the node's institution (null for a competency).")
    def institution_name(self, info: strawberry.Info[Any, None]) -> str | None:
        if self.institution is None:
            return None
        inst = info.context.cache.current().engine.institutions.get(self.institution)
        return inst.name if inst is not None else None

    @strawberry.field(description="The node in BC Transfer Guide notation: institution, code, credits (\"UVIC HIST 1XX (1.5)\").")
    def label(self) -> str:
        return shaping_label({"id": self.id, "credits": self.credits})

    @classmethod
    def from_model(cls, node: model.Node) -> Node:
        data = node.model_dump(mode="json")
        limits = data.pop("limits")
        return cls(**data, limits=Limits(**limits) if limits else None)


@strawberry.type(description="A node a rule grants, with the credits it carries when they differ from the node's.")
class Grant:
    node: str
    credits: float | None


@strawberry.type(description="A hyperedge: when `requires` is met, every node in `grants` is granted.")
class Rule:
    id: str
    kind: str
    granted_by: str
    requires: JSON
    grants: list[Grant]
    unless: JSON | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    max_age_years: float | None
    priority: int | None
    pass_counts_as: str | None
    status: str
    approved_by: str | None
    note: str | None
    source: str | None

    @classmethod
    def from_model(cls, rule: model.Rule) -> Rule:
        data = rule.model_dump(mode="json")
        grants = [Grant(**g) for g in data.pop("grants")]
        valid_from, valid_to = _date(data.pop("valid_from")), _date(data.pop("valid_to"))
        return cls(**data, grants=grants, valid_from=valid_from, valid_to=valid_to)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class NodeEdge:
    node: Node
    cursor: str


@strawberry.type
class NodeConnection:
    edges: list[NodeEdge]
    page_info: PageInfo


@strawberry.type
class RuleEdge:
    node: Rule
    cursor: str


@strawberry.type
class RuleConnection:
    edges: list[RuleEdge]
    page_info: PageInfo


@strawberry.type(description="A derived holding: what a rule granted (the node, with its title and institution), from which holdings.")
class GrantedHolding:
    node: Node
    credits: float
    rule: str
    kind: str
    granted_by: str
    earned: dt.date
    grade: str
    uses: list[str]
    lineage: list[str]
    not_applied: float

    @classmethod
    def from_json(cls, data: dict[str, Any], nodes: Mapping[str, model.Node]) -> GrantedHolding:
        return cls(**{**data, "node": Node.from_model(nodes[data["node"]]), "earned": dt.date.fromisoformat(data["earned"])})


@strawberry.type(description="A rule partly met: how far, with what, what is still missing and its fewest credits.")
class Progress:
    rule: str
    target: str
    kind: str
    fraction: float
    uses: list[str]
    missing: JSON
    credits_needed: float


@strawberry.type(description="The grants at one institution: its id and name, their credits, the grants.")
class InstitutionGrants:
    institution: str
    name: str | None
    credits: float
    granted: list[GrantedHolding]


@strawberry.type(description="What a learner's holdings are worth at one institution (POST /destinations).")
class Destination:
    institution: str
    name: str | None
    credits: float
    share: float
    credentials: list[str]
    granted: int
    closest: Progress | None


@strawberry.type(description="The answer to destinations: the same fields as POST /destinations.")
class Destinations:
    as_of: dt.date
    destinations: list[Destination]
    nodes: JSON

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Destinations:
        rows = [Destination(**{**d, "closest": Progress(**d["closest"]) if d["closest"] else None}) for d in data["destinations"]]
        return cls(as_of=dt.date.fromisoformat(data["as_of"]), destinations=rows, nodes=data["nodes"])


@strawberry.type(description="A presented badge (its achievement id) and the node it was recognized as; expired: past validUntil, not held.")
class Recognized:
    input: str
    node: str
    expired: bool


@strawberry.type(description="What the learner holds that a receiving institution has assessed and does not credit.")
class NoCredit:
    rule: str
    granted_by: str
    uses: list[str]


@strawberry.type(description="A rule that would fire but for one condition: pilot, outside_window, expired, limits or excluded.")
class Skipped:
    rule: str
    reason: str


@strawberry.type(description="The answer to countToward: the same fields as POST /evaluate, in camelCase.")
class Evaluation:
    as_of: dt.date
    granted: list[GrantedHolding]
    no_credit: list[NoCredit]
    progress: list[Progress]
    progress_total: int
    skipped: list[Skipped]
    unrecognized: list[str]
    recognized: list[Recognized]
    by_institution: list[InstitutionGrants] | None
    nodes: JSON

    @classmethod
    def from_json(cls, data: dict[str, Any], nodes: Mapping[str, model.Node]) -> Evaluation:
        groups = data.get("by_institution")
        return cls(
            as_of=dt.date.fromisoformat(data["as_of"]),
            granted=[GrantedHolding.from_json(g, nodes) for g in data["granted"]],
            no_credit=[NoCredit(**n) for n in data["no_credit"]],
            progress=[Progress(**p) for p in data["progress"]],
            progress_total=data["progress_total"],
            skipped=[Skipped(**s) for s in data["skipped"]],
            unrecognized=list(data["unrecognized"]),
            recognized=[Recognized(**r) for r in data["recognized"]],
            by_institution=None if groups is None else [
                InstitutionGrants(**{**g, "granted": [GrantedHolding.from_json(x, nodes) for x in g["granted"]]}) for g in groups],
            nodes=data["nodes"],
        )


@strawberry.type(description="One step of a reach path: the rule, what it grants, and what else it still needs.")
class ReachStep:
    rule: str
    grants: str
    also_needs: JSON | None


@strawberry.type(description="An explicit no-credit agreement naming the node: the institution assessed it and gives no credit.")
class ReachNoCredit:
    rule: str
    granted_by: str


@strawberry.type(description="A node granted by a rule with a credit (or hours) pool the node fits: its share of the pool "
                             "and what else the rule needs with it held.")
class ReachPoolTarget:
    node: str
    rule: str
    share: float
    also_needs: JSON | None


@strawberry.type
class ReachTarget:
    node: str
    distance: int
    paths: list[list[ReachStep]]


@strawberry.type(description="What holding a node counts toward: the same fields as GET /nodes/{id}/counts-toward.")
class Reach:
    node: str
    depth: int
    targets: list[ReachTarget]
    no_credit: list[ReachNoCredit]
    pool_targets: list[ReachPoolTarget]
    pool_targets_total: int
    nodes: JSON

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reach:
        targets = [
            ReachTarget(node=t["node"], distance=t["distance"], paths=[[ReachStep(**step) for step in path] for path in t["paths"]])
            for t in data["targets"]
        ]
        no_credit = [ReachNoCredit(**n) for n in data["no_credit"]]
        pools = [ReachPoolTarget(**p) for p in data["pool_targets"]]
        return cls(node=data["node"], depth=data["depth"], targets=targets, no_credit=no_credit, pool_targets=pools,
                   pool_targets_total=data["pool_targets_total"], nodes=data["nodes"])


@strawberry.type(description="One minimal plan: the items to take, their total, in what order, what they earn, and which "
                              "items the learner presented before (retakes: a new attempt).")
class PlanOption:
    items: list[str]
    total: float
    sequence: list[list[str]]
    granted: list[GrantedHolding]
    retakes: list[str]


@strawberry.type(description="The answer to plan: the same fields as POST /plan.")
class Plan:
    target: str
    objective: str
    feasible: bool
    reason: str | None
    plans: list[PlanOption]
    nodes: JSON

    @classmethod
    def from_json(cls, data: dict[str, Any], nodes: Mapping[str, model.Node]) -> Plan:
        plans = [
            PlanOption(items=p["items"], total=p["total"], sequence=p["sequence"],
                       granted=[GrantedHolding.from_json(g, nodes) for g in p["granted"]], retakes=p["retakes"])
            for p in data["plans"]
        ]
        return cls(target=data["target"], objective=data["objective"], feasible=data["feasible"], reason=data["reason"], plans=plans,
                   nodes=data["nodes"])


@strawberry.input(description="A holding: node id, optional grade (A+ ... F, P), date earned (default asOf).")
class HoldingInput:
    node: str
    grade: str | None = None
    earned: dt.date | None = None


@strawberry.input(description="The body of POST /plan, in camelCase.")
class PlanInput:
    target: str
    holdings: list[HoldingInput] = strawberry.field(default_factory=list)
    credentials: list[JSON] = strawberry.field(default_factory=list)
    as_of: dt.date | None = None
    include_pilot: bool = False
    objective: str = "hours"
    institutions: list[str] | None = None
    exclude: list[str] = strawberry.field(default_factory=list)
    alternatives: int = 1


@strawberry.input(description="An institution as in pathways/1.")
class InstitutionInput:
    id: str
    name: str
    jurisdiction: str | None = None
    type: str | None = None


@strawberry.input
class LimitsInput:
    max_recognized_credits: float | None = None
    min_residency_credits: float | None = None


@strawberry.input(description="A node as in pathways/1; prerequisites and details are JSON.")
class NodeInput:
    id: str
    kind: str
    title: str
    institution: str | None = None
    credits: float | None = None
    level: int | None = None
    subject: str | None = None
    hours: float | None = None
    cost: float | None = None
    competencies: list[str] | None = None
    prerequisites: JSON | None = None
    identifiers: list[str] | None = None
    status: str | None = None
    details: JSON | None = None
    limits: LimitsInput | None = None
    repeatable: bool | None = None
    excludes: list[str] | None = None


@strawberry.input
class GrantInput:
    node: str
    credits: float | None = None


@strawberry.input(description="A rule as in pathways/1; the requirement is JSON (SPEC section 3).")
class RuleInput:
    id: str
    kind: str
    granted_by: str
    requires: JSON
    grants: list[GrantInput]
    unless: JSON | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    max_age_years: float | None = None
    priority: int | None = None
    pass_counts_as: str | None = None
    status: str | None = None
    approved_by: str | None = None
    note: str | None = None
    source: str | None = None


def input_json(value: Any) -> Any:
    """An input object as the snake_case JSON of the REST body; unset (null) fields are left out.

    >>> input_json(GrantInput(node="U:1"))
    {'node': 'U:1'}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is not None:
                out[f.name] = input_json(item)
        return out
    if isinstance(value, list):
        return [input_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@strawberry.type(description="One registrar check finding: GET /validate's findings, field for field.")
class ValidationFinding:
    check: str
    severity: str
    rules: list[str]
    nodes: list[str]
    message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValidationFinding:
        return cls(check=data["check"], severity=data["severity"], rules=list(data["rules"]), nodes=list(data["nodes"]),
                   message=data["message"])
