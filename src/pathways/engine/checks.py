"""Registrar checks over a whole graph: what ``pathways validate`` reports beyond document shape.

A registrar asks "are any of my rules ambiguous, circular or inflating credit, and what
breaks if I retire one?". Each check is a pure function of a
:class:`~pathways.model.Document`; findings carry the rule ids so a tool can link them.

- ``ambiguous``: two applicable rules of one institution take the same single holding
  (the same node, same minimum grade) and grant different nodes: the learner's outcome
  depends on which one a system applies silently (CUNY's 10,000 ambiguous rules).
- ``circular``: rules whose grants feed back into their own requirements (A <-> B
  equivalences). Evaluation terminates on them, but a registrar should know they exist.
- ``inflating``: a rule that grants more credits than the least its requirement can be met
  with, when every node it can be met with carries credits (three 1-credit micro-courses
  granting a 3-credit course is fine; one 1-credit course granting 3 credits is not).
- ``retired_reference``: an applicable rule requiring or granting a retired node.

Example:
    >>> from pathways.model import parse_document
    >>> doc = parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": "U:A", "kind": "course", "institution": "U", "title": "A", "credits": 1},
    ...               {"id": "U:B", "kind": "course", "institution": "U", "title": "B", "credits": 3}],
    ...     "rules": [{"id": "R", "kind": "ladder", "granted_by": "U", "requires": {"node": "U:A"},
    ...                "grants": [{"node": "U:B"}]}]})
    >>> [(f.check, f.rules) for f in check_graph(doc)]
    [('inflating', ('R',))]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..model import All, Any_, AtLeast, CompetencyLeaf, CreditsOf, CreditsWhere, Document, Node, NodeLeaf, Requirement, Rule

__all__ = ["Finding", "check_graph", "dependents"]

_ACTIVE = ("approved", "pilot")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a registrar should look at: the check, the rules involved, and why."""

    check: str
    rules: tuple[str, ...]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "rules": list(self.rules), "message": self.message}


def check_graph(doc: Document, *, institution: str | None = None) -> list[Finding]:
    """Every finding of every check, sorted; ``institution`` keeps those touching its rules."""
    nodes = {n.id: n for n in doc.nodes}
    rules = [r for r in doc.rules if r.status in _ACTIVE]
    findings = [*_ambiguous(rules), *_circular(rules), *_inflating(rules, nodes), *_retired_references(rules, nodes)]
    if institution is not None:
        mine = {r.id for r in rules if r.granted_by == institution}
        findings = [f for f in findings if mine.intersection(f.rules)]
    return sorted(findings, key=lambda f: (f.check, f.rules))


def _ambiguous(rules: list[Rule]) -> list[Finding]:
    by_source: dict[tuple[str, NodeLeaf], list[Rule]] = defaultdict(list)
    for rule in rules:
        if isinstance(rule.requires, NodeLeaf):
            by_source[(rule.granted_by, rule.requires)].append(rule)
    out = []
    for (granted_by, leaf), group in by_source.items():
        targets = {tuple(sorted(g.node for g in r.grants)) for r in group}
        if len(targets) > 1:
            ids = tuple(sorted(r.id for r in group))
            out.append(Finding("ambiguous", ids, f"{granted_by} maps {leaf.node} to different nodes by {len(ids)} rules"))
    return out


def _rule_graph(rules: list[Rule]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for rule in rules:
        for source in rule.mentions():
            for grant in rule.grants:
                graph.add_edge(source, grant.node)
                graph.edges[source, grant.node].setdefault("rules", set()).add(rule.id)
    return graph


def _circular(rules: list[Rule]) -> list[Finding]:
    graph = _rule_graph(rules)
    out = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        ids = sorted({r for u, v, data in graph.subgraph(component).edges(data=True) for r in data["rules"]})
        out.append(Finding("circular", tuple(ids), f"rules grant back into their own requirements among {', '.join(sorted(component))}"))
    return out


def _least_credits(req: Requirement, nodes: dict[str, Node]) -> float | None:
    """The fewest credits that can meet ``req``; ``None`` when a leaf's credits are unknown."""
    if isinstance(req, NodeLeaf):
        node = nodes.get(req.node)
        return float(node.credits) if node is not None and node.credits > 0 else None
    if isinstance(req, CompetencyLeaf):
        return None
    if isinstance(req, (CreditsOf, CreditsWhere)):
        return req.credits
    parts = [_least_credits(c, nodes) for c in req.of]
    if isinstance(req, All):
        return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
    known = sorted(p for p in parts if p is not None)
    need = 1 if isinstance(req, Any_) else req.k if isinstance(req, AtLeast) else len(parts)
    return sum(known[:need]) if len(known) == len(parts) else None


def _inflating(rules: list[Rule], nodes: dict[str, Node]) -> list[Finding]:
    out = []
    for rule in rules:
        least = _least_credits(rule.requires, nodes)
        if least is None:
            continue
        granted = sum(float(g.credits if g.credits is not None else nodes[g.node].credits) for g in rule.grants if g.node in nodes)
        if granted > least + 1e-9:
            out.append(Finding("inflating", (rule.id,), f"grants {granted:g} credits for as little as {least:g}"))
    return out


def _retired_references(rules: list[Rule], nodes: dict[str, Node]) -> list[Finding]:
    out = []
    for rule in rules:
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
