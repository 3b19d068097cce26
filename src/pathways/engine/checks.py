"""Registrar checks over a whole graph: what ``pathways validate`` reports beyond document shape.

A registrar asks "are any of my rules ambiguous, circular or inflating credit, and what
breaks if I retire one?". Each check is a pure function of a
:class:`~pathways.model.Document`; each finding has a severity (``error``: learners get a
wrong or arbitrary answer; ``warning``: likely a mistake or overdue; ``info``: worth knowing),
the rule ids (and node ids) involved, and a sentence a registrar understands.

- ``ambiguous`` (error): two applicable rules of one institution take the same single holding
  (the same node, same minimum grade), in windows that overlap, and grant different nodes: the
  learner's outcome depends on which one a system applies silently (CUNY's 10,000 ambiguous rules).
- ``overlapping`` (error): the same, with different minimum grades: the grade ranges overlap
  (a grade meeting the higher minimum meets both), so one course earns two different things.
- ``no_credit_conflict`` (error): a no-credit rule (a transfer granting nothing) and a credit
  rule of one institution on the same course, windows and grades overlapping.
- ``circular`` (info): rules whose grants feed back into their own requirements (A <-> B
  equivalences). Evaluation terminates on them, but a registrar should know they exist.
- ``inflating`` (warning): a rule that grants more credits than the least its requirement can
  be met with, when every node it can be met with carries credits (three 1-credit
  micro-courses granting a 3-credit course is fine; one 1-credit course granting 3 credits is not).
- ``retired_reference`` (warning): an applicable rule requiring or granting a retired node.
- ``closed_approved`` (info): a rule whose window closed before today but is still approved:
  right for an ended agreement that still credits learning earned inside its window, wrong
  when the agreement was renewed or withdrawn.
- ``pilot_overdue`` (warning): a pilot rule running longer than the review cycle (2 years by default).
- ``unreachable_credential`` (warning): an active credential that no chain of applicable rules
  leads to from the nodes a learner can take (active courses and micro-credentials).

Example:
    >>> from pathways.model import parse_document
    >>> doc = parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": "U:A", "kind": "course", "institution": "U", "title": "A", "credits": 1},
    ...               {"id": "U:B", "kind": "course", "institution": "U", "title": "B", "credits": 3}],
    ...     "rules": [{"id": "R", "kind": "ladder", "granted_by": "U", "requires": {"node": "U:A"},
    ...                "grants": [{"node": "U:B"}]}]})
    >>> [(f.check, f.severity, f.rules) for f in check_graph(doc)]
    [('inflating', 'warning', ('R',))]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx

from ..model import (
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Document,
    Filter,
    Node,
    NodeLeaf,
    Requirement,
    Rule,
    requirement_unit,
    walk,
)
from .deadline import NEVER, Deadline
from .index import GRADE_RANK, filter_matches

__all__ = ["DEFAULT_PILOT_REVIEW_YEARS", "SEVERITY", "Finding", "check_graph", "dependents"]

_ACTIVE = ("approved", "pilot")

DEFAULT_PILOT_REVIEW_YEARS = 2.0
"""How long a pilot may run before ``pilot_overdue`` asks for a decision."""

SEVERITY = {
    "ambiguous": "error",
    "overlapping": "error",
    "no_credit_conflict": "error",
    "inflating": "warning",
    "retired_reference": "warning",
    "closed_approved": "info",
    "pilot_overdue": "warning",
    "unreachable_credential": "warning",
    "circular": "info",
}
"""Each check's severity: ``error`` (a learner gets a wrong or arbitrary answer), ``warning``, ``info``."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a registrar should look at: the check, the rules (and nodes) involved, and why."""

    check: str
    rules: tuple[str, ...]
    message: str
    nodes: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
        return SEVERITY[self.check]

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "rules": list(self.rules), "nodes": list(self.nodes),
                "message": self.message}


def check_graph(
    doc: Document,
    *,
    institution: str | None = None,
    today: dt.date | None = None,
    pilot_review_years: float = DEFAULT_PILOT_REVIEW_YEARS,
    deadline: Deadline = NEVER,
) -> list[Finding]:
    """Every finding of every check, errors first; ``institution`` keeps those touching its
    rules or its nodes. ``today`` (default: today) dates the window and pilot checks.

    Raises:
        DeadlineExceeded: ``deadline`` (checked in every walk over the rules) passed first.
    """
    day = today or dt.date.today()
    nodes = {n.id: n for n in doc.nodes}
    rules = [r for r in doc.rules if r.status in _ACTIVE]
    findings = [*_same_source(rules, nodes, deadline), *_circular(rules, deadline), *_inflating(rules, nodes, deadline),
                *_retired_references(rules, nodes, deadline), *_closed_approved(rules, day),
                *_pilot_overdue(rules, day, pilot_review_years), *_unreachable_credentials(doc, day, deadline)]
    if institution is not None:
        mine = {r.id for r in rules if r.granted_by == institution}
        findings = [f for f in findings
                    if mine.intersection(f.rules) or any(nodes[n].institution == institution for n in f.nodes if n in nodes)]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.check, f.rules, f.nodes))


def _windows_overlap(a: Rule, b: Rule) -> bool:
    return (a.valid_to is None or b.valid_from is None or b.valid_from <= a.valid_to) and (
        b.valid_to is None or a.valid_from is None or a.valid_from <= b.valid_to
    )


def _grades(leaf: NodeLeaf) -> str:
    return f"{leaf.min_grade} or better" if leaf.min_grade else "any passing grade"


def _window(rule: Rule) -> str:
    start = f"from {rule.valid_from}" if rule.valid_from else "with no start date"
    return f"{start} to {rule.valid_to}" if rule.valid_to else f"{start}, open-ended"


def _granted(rule: Rule) -> str:
    return " and ".join(g.node for g in rule.grants) or "no credit"


def _same_source(rules: list[Rule], nodes: dict[str, Node], deadline: Deadline) -> list[Finding]:
    """Pairs of one institution's rules on the same single course whose windows and grade
    ranges overlap: ``ambiguous``/``overlapping`` when both grant, different nodes;
    ``no_credit_conflict`` when one grants nothing. A grade range is a minimum grade up to
    A+, so any two overlap: a grade meeting the higher minimum meets both."""
    by_source: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in rules:
        if isinstance(rule.requires, NodeLeaf):
            by_source[(rule.granted_by, rule.requires.node)].append(rule)
    out = []
    for (granted_by, source), group in by_source.items():
        deadline.check("validation")
        for a, b in combinations(sorted(group, key=lambda r: r.id), 2):
            if not _windows_overlap(a, b):
                continue
            la, lb = a.requires, b.requires
            assert isinstance(la, NodeLeaf) and isinstance(lb, NodeLeaf)
            if not a.grants or not b.grants:
                if a.grants or b.grants:
                    credit, none = (a, b) if a.grants else (b, a)
                    out.append(Finding("no_credit_conflict", (a.id, b.id),
                        f"{granted_by} says {source} earns no credit ({none.id}, {_window(none)}) and also grants "
                        f"{_granted(credit)} for it ({credit.id}, {_window(credit)}): a learner cannot tell which holds."))  # fmt: skip
                continue
            if {g.node for g in a.grants} == {g.node for g in b.grants}:
                continue
            if la.min_grade == lb.min_grade:
                out.append(Finding("ambiguous", (a.id, b.id),
                    f"{granted_by} grants {_granted(a)} ({a.id}) and {_granted(b)} ({b.id}) for the same {source} "
                    f"at {_grades(la)} in overlapping windows: which one a learner gets depends on the system."))  # fmt: skip
            else:
                high = max((la, lb), key=lambda leaf: GRADE_RANK.get(leaf.min_grade, 0))
                out.append(Finding("overlapping", (a.id, b.id),
                    f"{granted_by} grants {_granted(a)} for {source} at {_grades(la)} ({a.id}, {_window(a)}) and "
                    f"{_granted(b)} at {_grades(lb)} ({b.id}, {_window(b)}): a grade of {_grades(high)} earns both."))  # fmt: skip
    return out


def _closed_approved(rules: list[Rule], day: dt.date) -> list[Finding]:
    return [
        Finding("closed_approved", (r.id,), f"{r.id}'s window closed on {r.valid_to} but it is still approved: it credits "
                "only learning earned before then; extend valid_to if the agreement was renewed, retire it if it was withdrawn.")
        for r in rules
        if r.status == "approved" and r.valid_to is not None and r.valid_to < day
    ]


def _pilot_overdue(rules: list[Rule], day: dt.date, years: float) -> list[Finding]:
    out = []
    for r in rules:
        if r.status == "pilot" and r.valid_from is not None and (day - r.valid_from).days > years * 365.25:
            out.append(Finding("pilot_overdue", (r.id,), f"{r.id} has been a pilot since {r.valid_from}, longer than the "
                               f"{years:g}-year review cycle: approve it or retire it."))
    return out


def _supply(
    req: Requirement, held: set[str], nodes: dict[str, Node], pooled: dict[tuple[Filter, str], float], unit: str = "credits"
) -> tuple[bool, float]:
    """Whether ``req`` can be met by nodes in ``held`` (competencies demonstrated included), and
    an upper bound of the credits (or, with ``unit`` ``"hours"``, hours) they bring; ``pooled``
    holds each pool's held credits or hours. An average is taken as met (grades are the learner's)."""
    if isinstance(req, Average):
        return True, 0.0
    if isinstance(req, (NodeLeaf, CompetencyLeaf)):
        ident = req.node if isinstance(req, NodeLeaf) else req.competency
        ok = ident in held
        return ok, _weight(nodes[ident], unit) if ok and ident in nodes else 0.0
    if isinstance(req, CreditsWhere):
        total = pooled.get((req.where, req.unit), 0.0)
        return total >= req.credits, total
    parts = [_supply(c, held, nodes, pooled, unit) for c in req.of]
    credits = sum(c for ok, c in parts if ok)
    met = sum(1 for ok, _ in parts if ok)
    if isinstance(req, All):
        return met == len(parts), credits
    if isinstance(req, Any_):
        return met >= 1, credits
    if isinstance(req, AtLeast):
        return met >= req.k, credits
    return credits >= req.credits, credits


def _weight(node: Node, unit: str) -> float:
    return float(node.hours or 0) if unit == "hours" else float(node.credits)


def _reachable(doc: Document, day: dt.date, deadline: Deadline = NEVER) -> set[str]:
    """The nodes (and competencies) a chain of applicable rules (approved, window not closed)
    leads to from what a learner can take: active courses and micro-credentials. A worklist:
    each node reached re-checks only the rules it can fill a leaf or a credit pool of."""
    nodes = {n.id: n for n in doc.nodes}
    live = [r for r in doc.rules if r.status == "approved" and (r.valid_to is None or r.valid_to >= day) and r.grants]
    by_ref: dict[str, list[int]] = defaultdict(list)
    pools: dict[str | None, dict[tuple[Filter, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, rule in enumerate(live):
        for part in walk(rule.requires):
            if isinstance(part, (NodeLeaf, CompetencyLeaf)):
                by_ref[part.node if isinstance(part, NodeLeaf) else part.competency].append(i)
            elif isinstance(part, CreditsWhere):
                pools[part.where.institution][part.where, part.unit].append(i)
    held: set[str] = set()
    pooled: dict[tuple[Filter, str], float] = defaultdict(float)
    fired: set[int] = set()
    queue = [n.id for n in doc.nodes if n.status == "active" and n.kind in ("course", "micro_credential")]
    while queue:
        deadline.check("validation")
        ident = queue.pop()
        if ident in held:
            continue
        held.add(ident)
        node = nodes.get(ident)
        touched = list(by_ref.get(ident, ()))
        if node is not None:
            queue.extend(c for c in node.competencies if c not in held)
            for inst in {None, node.institution}:
                for (where, unit), rule_ids in pools.get(inst, {}).items():
                    if filter_matches(where, node):
                        pooled[where, unit] += _weight(node, unit)
                        touched.extend(rule_ids)
        for i in touched:
            if i not in fired and _supply(live[i].requires, held, nodes, pooled, requirement_unit(live[i].requires))[0]:
                fired.add(i)
                queue.extend(g.node for g in live[i].grants if g.node not in held)
    return held


def _unreachable_credentials(doc: Document, day: dt.date, deadline: Deadline) -> list[Finding]:
    """Active credentials outside :func:`_reachable`; generous where it must guess (credits are an
    upper bound, lineages are not kept apart), so that what it reports is truly out of reach."""
    held = _reachable(doc, day, deadline)
    granting: dict[str, list[str]] = defaultdict(list)
    for rule in doc.rules:
        for g in rule.grants:
            granting[g.node].append(rule.id)
    return [
        Finding("unreachable_credential", tuple(sorted(granting.get(n.id, []))), f"no learner can earn {n.id} ({n.title}): "
                + ("no rule grants it." if not granting.get(n.id) else "no applicable rule granting it can be met from "
                   "active courses and micro-credentials."), (n.id,))  # fmt: skip
        for n in doc.nodes
        if n.kind == "credential" and n.status == "active" and n.id not in held
    ]


def _rule_graph(rules: list[Rule], deadline: Deadline) -> nx.DiGraph:
    graph = nx.DiGraph()
    for rule in rules:
        deadline.check("validation")
        for source in rule.mentions():
            for grant in rule.grants:
                graph.add_edge(source, grant.node)
                graph.edges[source, grant.node].setdefault("rules", set()).add(rule.id)
    return graph


def _circular(rules: list[Rule], deadline: Deadline) -> list[Finding]:
    graph = _rule_graph(rules, deadline)
    out = []
    for component in nx.strongly_connected_components(graph):
        deadline.check("validation")
        if len(component) < 2:
            continue
        ids = sorted({r for u, v, data in graph.subgraph(component).edges(data=True) for r in data["rules"]})
        out.append(Finding("circular", tuple(ids), f"rules grant back into their own requirements among {', '.join(sorted(component))}"))
    return out


def _least_credits(req: Requirement, nodes: dict[str, Node]) -> float | None:
    """The fewest credits that can meet ``req``; ``None`` when a leaf's credits are unknown (an
    average uses no holdings: none)."""
    if isinstance(req, Average):
        return 0.0
    if isinstance(req, NodeLeaf):
        node = nodes.get(req.node)
        return float(node.credits) if node is not None and node.credits > 0 else None
    if isinstance(req, CompetencyLeaf):
        return None
    if isinstance(req, (CreditsOf, CreditsWhere)):
        return req.credits if req.unit == "credits" else None
    parts = [_least_credits(c, nodes) for c in req.of]
    if isinstance(req, All):
        return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
    known = sorted(p for p in parts if p is not None)
    need = 1 if isinstance(req, Any_) else req.k if isinstance(req, AtLeast) else len(parts)
    return sum(known[:need]) if len(known) == len(parts) else None


def _inflating(rules: list[Rule], nodes: dict[str, Node], deadline: Deadline) -> list[Finding]:
    out = []
    for rule in rules:
        deadline.check("validation")
        least = _least_credits(rule.requires, nodes)
        if least is None:
            continue
        granted = sum(float(g.credits if g.credits is not None else nodes[g.node].credits) for g in rule.grants if g.node in nodes)
        if granted > least + 1e-9:
            out.append(Finding("inflating", (rule.id,), f"grants {granted:g} credits for as little as {least:g}"))
    return out


def _retired_references(rules: list[Rule], nodes: dict[str, Node], deadline: Deadline) -> list[Finding]:
    out = []
    for rule in rules:
        deadline.check("validation")
        retired = sorted(i for i in rule.mentions() | {g.node for g in rule.grants} if i in nodes and nodes[i].status == "retired")
        if retired:
            out.append(Finding("retired_reference", (rule.id,), f"refers to retired node(s) {', '.join(retired)}"))
    return out


def dependents(doc: Document, rule_id: str) -> list[str]:
    """Ids of the applicable rules that can use, directly or down a chain, what ``rule_id`` grants.

    What may break if a registrar retires ``rule_id``.

    >>> from pathways.model import parse_document
    >>> doc = parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{x}", "kind": "course", "institution": "U", "title": x} for x in "ABC"],
    ...     "rules": [{"id": "R1", "kind": "ladder", "granted_by": "U", "requires": {"node": "U:A"}, "grants": [{"node": "U:B"}]},
    ...               {"id": "R2", "kind": "ladder", "granted_by": "U", "requires": {"node": "U:B"}, "grants": [{"node": "U:C"}]}]})
    >>> dependents(doc, "R1")
    ['R2']
    """
    rules = [r for r in doc.rules if r.status in _ACTIVE]
    users: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        for mentioned in rule.mentions():
            users[mentioned].add(rule.id)
    by_id = {r.id: r for r in doc.rules}
    start = by_id.get(rule_id)
    if start is None:
        return []
    seen: set[str] = set()
    frontier = [g.node for g in start.grants]
    while frontier:
        node = frontier.pop()
        for user in users.get(node, ()):
            if user not in seen and user != rule_id:
                seen.add(user)
                frontier.extend(g.node for g in by_id[user].grants)
    return sorted(seen)
