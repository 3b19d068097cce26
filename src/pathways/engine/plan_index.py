"""What the planner looks up that the engine does not index: the rules granting a node, the nodes a credit pool matches,
the nodes a requirement mentions.

Shared by :mod:`.plan_bound` and :mod:`.plan_model`, built once per engine (a BC-sized graph
takes a moment to scan) and kept as long as the engine lives.

Example:
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c} for c in ("A", "B")],
    ...     "rules": [{"id": "R", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:A"},
    ...                "grants": [{"node": "U:B", "credits": 4}]}]})
    >>> index = plan_index(Engine(doc))
    >>> index.granting["U:B"], index.max_credits["U:B"]
    (['R'], 4.0)
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Average, CompetencyLeaf, CreditsWhere, Filter, NodeLeaf, Requirement, walk
from .index import Engine, filter_matches

__all__ = ["PlanIndex", "plan_index"]


@dataclass
class PlanIndex:
    """What the planner looks up that the engine does not index: who grants a node, who matches a filter.

    Built once per engine (see :func:`plan_index`) because a BC-sized graph takes a moment to scan.
    """

    granting: dict[str, list[str]]
    demonstrating: dict[str, list[str]]
    by_institution: dict[str | None, list[str]]
    max_credits: dict[str, float]
    _matches: dict[Filter, tuple[str, ...]] = field(default_factory=dict)
    _unstable: frozenset[str] | None = None

    def matching(self, engine: Engine, where: Filter) -> tuple[str, ...]:
        """Ids of the nodes a credit pool's filter matches (cached per filter)."""
        found = self._matches.get(where)
        if found is None:
            pool: Iterable[str] = (
                self.by_institution.get(where.institution, ()) if where.institution is not None else engine.nodes
            )
            found = tuple(n for n in pool if filter_matches(where, engine.nodes[n]))
            self._matches[where] = found
        return found

    def mentions(self, engine: Engine, req: Requirement) -> list[str]:
        """Every node a holding of which could fill some leaf or pool of ``req``."""
        out: list[str] = []
        for r in walk(req):
            if isinstance(r, NodeLeaf):
                out.append(r.node)
            elif isinstance(r, CompetencyLeaf):
                out.extend((r.competency, *self.demonstrating.get(r.competency, ())))
            elif isinstance(r, CreditsWhere):
                out.extend(self.matching(engine, r.where))
        return out

    def weighed(self, engine: Engine, req: Requirement) -> list[str]:
        """Every node an average of ``req`` weighs (named by its ``of``, or matching its ``where``):
        a rule's averages may turn unmet when one of them is lost, though no part of it uses them."""
        out: list[str] = []
        for r in walk(req):
            if isinstance(r, Average):
                out.extend(r.of if r.of is not None else self.matching(engine, r.where) if r.where is not None else ())
        return out

    def unstable(self, engine: Engine) -> frozenset[str]:
        """The nodes whose holding more holdings may change other than by deriving it anew (cached).

        Where evaluation is not monotone: a node with anti-requisites (either way: it or its
        partner may come to lose), a ``repeatable`` node (copies compete for lineages), a node
        a rule with an ``unless`` grants (the rule may be switched off, or on again), and, from
        these, every node a rule whose requirement mentions one of them grants. Empty when
        ``engine.monotone``. The planner's bound and program do not describe these nodes exactly
        (see :class:`~.plan_model.PlanModel`'s ``unstable``).
        """
        if self._unstable is not None:
            return self._unstable
        found: set[str] = set()
        if not engine.monotone:
            found.update(engine.excludes, engine.repeatable)
            using: dict[str, list[str]] = defaultdict(list)
            for rule in engine.rules.values():
                if rule.unless is not None:
                    found.update(g.node for g in rule.grants)
                for m in (*self.mentions(engine, rule.requires), *self.weighed(engine, rule.requires)):
                    using[m].append(rule.id)
            stack = list(found)
            while stack:
                for rule_id in using.get(stack.pop(), ()):
                    for g in engine.rules[rule_id].grants:
                        if g.node not in found:
                            found.add(g.node)
                            stack.append(g.node)
        self._unstable = frozenset(found)
        return self._unstable


_INDEXES: weakref.WeakKeyDictionary[Engine, PlanIndex] = weakref.WeakKeyDictionary()


def plan_index(engine: Engine) -> PlanIndex:
    """The planner's index of ``engine``, built on first use and kept as long as the engine lives."""
    found = _INDEXES.get(engine)
    if found is not None:
        return found
    granting: dict[str, list[str]] = defaultdict(list)
    max_credits = {n: float(node.credits) for n, node in engine.nodes.items()}
    for rule in engine.compiled.values():
        for granted, credits in rule.grants:
            granting[granted].append(rule.id)
            if credits > max_credits.get(granted, 0.0):
                max_credits[granted] = credits
    demonstrating: dict[str, list[str]] = defaultdict(list)
    by_institution: dict[str | None, list[str]] = defaultdict(list)
    for n, node in engine.nodes.items():
        by_institution[node.institution].append(n)
        for comp in node.competencies:
            demonstrating[comp].append(n)
    found = PlanIndex(dict(granting), dict(demonstrating), dict(by_institution), max_credits)
    _INDEXES[engine] = found
    return found
