"""Impact before a change: what ending or upserting one rule gains and loses, before it is made.

A registrar about to end an agreement, or to save a new or changed rule, asks what moves:

- *reach pairs*: ``source -> target`` where a holding of ``source`` counts toward ``target``
  through a chain of rules, exactly as ``pathways reach`` follows them (``node`` and
  ``competency`` leaves; credit pools are left out, as there, or every course would reach
  every degree; a node granted by a ``transfer`` rule does not fill a leaf of another
  ``transfer`` rule, since transfer credit is assessed at its origin, while a stack, ladder,
  PLAR or admission may use it) but to any depth;
- *credentials' routes*: ``(credential, rule, source)`` where ``rule`` grants the credential
  (a node of kind ``credential`` or ``micro_credential``) and ``source`` counts toward it
  through that rule (through a ``transfer`` rule only from what is held at its origin).

The rules compared are those that count for learning earned after the change's date:
``approved`` and not closed by then (``valid_to`` null or later than the date). Ending a rule
on a date sets its ``valid_to`` to that date; upserting replaces it by its id (or adds it),
judged after today unless a date is given.

Only the part of the graph the rule touches is looked at: the nodes that count toward the
rule's requirement (walking back from the nodes it names), what its grants lead to, and what
those sources reach. Reachability over that part is computed once per side with one bitset
per strongly connected component, so the work grows with the part, not with the graph. The
walk has two states per node, *held at its origin* (the source, or granted by a rule of
another kind than ``transfer``) and *held as transfer credit*, and only the first fills a
``transfer`` rule's leaf.

Every loop checks a :class:`~pathways.engine.deadline.Deadline` (the service's request
deadline), and the answer can be bounded: with ``max_listed`` each of the four lists (reach
pairs and routes, gained and lost) holds at most that many, in order, beside its exact total.

Example:
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c} for c in "ABC"]
    ...            + [{"id": "U:CERT", "kind": "credential", "institution": "U", "title": "Cert"}],
    ...     "rules": [{"id": "R1", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:A"}, "grants": [{"node": "U:B"}]},
    ...               {"id": "R2", "kind": "stack", "granted_by": "U", "requires": {"node": "U:B"}, "grants": [{"node": "U:CERT"}]}]})
    >>> engine = Engine(doc)
    >>> result = impact(engine, parse_change(engine, {"end": "R1", "date": "2026-01-01"}))
    >>> [(p.source, p.target) for p in result.lost_pairs], [(r.credential, r.rule, r.source) for r in result.lost_routes]
    ([('U:A', 'U:B'), ('U:A', 'U:CERT')], [('U:CERT', 'R2', 'U:A')])
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..errors import InvalidInput, NotFound, Problem
from ..model import CompetencyLeaf, CreditsWhere, Document, KnownIds, NodeLeaf, Rule, parse_entity, walk
from ..model.document import reference_problems
from .deadline import NEVER, Deadline
from .index import Engine

__all__ = ["CREDENTIAL_KINDS", "Impact", "ImpactIndex", "ReachPair", "Route", "RuleChange", "impact", "parse_change"]

CREDENTIAL_KINDS = frozenset({"credential", "micro_credential"})
"""Node kinds whose routes an impact lists: what a learner is awarded."""


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A proposed change of one rule: ``before`` as stored (``None``: new), ``after`` as proposed,
    and the day after which learning is compared. ``end`` says the change ends the rule."""

    rule: str
    before: Rule | None
    after: Rule
    day: dt.date
    end: bool = False

    def to_json(self) -> dict[str, str]:
        return {"end": self.rule, "date": self.day.isoformat()} if self.end else {"rule": self.rule}


@dataclass(frozen=True, slots=True, order=True)
class ReachPair:
    """A holding of ``source`` counts toward ``target``."""

    source: str
    target: str

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "target": self.target}


@dataclass(frozen=True, slots=True, order=True)
class Route:
    """``source`` counts toward ``credential`` through ``rule``, the rule that grants it."""

    credential: str
    rule: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"credential": self.credential, "rule": self.rule, "source": self.source}


@dataclass(frozen=True, slots=True)
class Impact:
    """What a :class:`RuleChange` gains and loses; :meth:`to_json` is ``POST /impact``'s answer.

    Each list holds the first ``max_listed`` items in order (all of them without a bound); the
    ``*_total`` counts are exact whatever was listed."""

    change: RuleChange
    gained_pairs: tuple[ReachPair, ...]
    lost_pairs: tuple[ReachPair, ...]
    gained_routes: tuple[Route, ...]
    lost_routes: tuple[Route, ...]
    gained_pairs_total: int
    lost_pairs_total: int
    gained_routes_total: int
    lost_routes_total: int

    def to_json(self) -> dict[str, Any]:
        """The answer; ``evaluations`` is always zero: pathways keeps no evaluations, so none can change."""
        return {
            "change": self.change.to_json(),
            "reach": {"gained": [p.to_json() for p in self.gained_pairs], "lost": [p.to_json() for p in self.lost_pairs],
                      "gained_total": self.gained_pairs_total, "lost_total": self.lost_pairs_total},
            "routes": {"gained": [r.to_json() for r in self.gained_routes], "lost": [r.to_json() for r in self.lost_routes],
                       "gained_total": self.gained_routes_total, "lost_total": self.lost_routes_total},
            "evaluations": {"stored": 0, "changed": 0},
        }


Step = tuple[str, "dt.date | None", tuple[str, ...], tuple[str, ...], bool]
"""One approved rule seen from a node: ``(rule id, valid_to, nodes on the other side, credentials it
grants, whether it is a transfer)``."""


class ImpactIndex:
    """What an impact walks through, per node, built on first use and kept for the engine's life:
    the approved rules a node fills a leaf of (forward) and those granting it (backward)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._forward: dict[str, tuple[Step, ...]] = {}
        self._backward: dict[str, tuple[Step, ...]] = {}

    @cached_property
    def granting(self) -> dict[str, tuple[str, ...]]:
        """Ids of the approved rules granting each node."""
        out: dict[str, list[str]] = defaultdict(list)
        for rule_id, compiled in self.engine.compiled.items():
            if compiled.status == "approved":
                for node, _ in compiled.grants:
                    out[node].append(rule_id)
        return {node: tuple(ids) for node, ids in out.items()}

    @cached_property
    def demonstrating(self) -> dict[str, tuple[str, ...]]:
        """The nodes whose holding meets each competency (itself, and nodes listing it)."""
        out: dict[str, list[str]] = defaultdict(list)
        for node, competencies in self.engine.demonstrated.items():
            for competency in competencies:
                out[competency].append(node)
        return {c: tuple(nodes) for c, nodes in out.items()}

    def entries(self, rule: Rule) -> set[str]:
        """The nodes whose holding fills a ``node`` or ``competency`` leaf of ``rule``."""
        out: set[str] = set()
        for part in walk(rule.requires):
            if isinstance(part, NodeLeaf):
                out.add(part.node)
            elif isinstance(part, CompetencyLeaf):
                out.update(self.demonstrating.get(part.competency, (part.competency,)))
        return out

    def credentials(self, rule: Rule) -> tuple[str, ...]:
        """The nodes ``rule`` grants that are credentials (:data:`CREDENTIAL_KINDS`)."""
        nodes = self.engine.nodes
        return tuple(g.node for g in rule.grants if g.node in nodes and nodes[g.node].kind in CREDENTIAL_KINDS)

    def forward(self, node: str) -> tuple[Step, ...]:
        """The approved rules a holding of ``node`` fills a leaf of, each with what it grants."""
        steps = self._forward.get(node)
        if steps is None:
            rules = self.engine.rules
            touching = self.engine.rules_touching(node, pools=False) if node in self.engine.nodes else []
            steps = tuple(
                (r.id, r.valid_to, tuple(g.node for g in r.grants), self.credentials(r), r.kind == "transfer")
                for r in (rules[i] for i in touching)
                if r.status == "approved"
            )
            self._forward[node] = steps
        return steps

    def backward(self, node: str) -> tuple[Step, ...]:
        """The approved rules granting ``node``, each with the nodes that fill its leaves."""
        steps = self._backward.get(node)
        if steps is None:
            rules = self.engine.rules
            steps = tuple((i, rules[i].valid_to, tuple(sorted(self.entries(rules[i]))), (), rules[i].kind == "transfer")
                          for i in self.granting.get(node, ()))
            self._backward[node] = steps
        return steps


def _problem_path(path: str) -> str:
    return "rule" + path[len("rules[0]") :] if path.startswith("rules[0]") else path


def parse_change(engine: Engine, body: object, *, today: dt.date | None = None) -> RuleChange:
    """Validate a ``POST /impact`` body against the graph: exactly one of ``{"end": RULE, "date": D}``
    or ``{"rule": {...}}`` (a whole ``pathways/1`` rule whose references resolve).

    Raises:
        InvalidInput: the body is malformed (every problem with its path).
        NotFound: ``end`` names a rule the graph does not hold.
    """
    if not isinstance(body, dict):
        raise InvalidInput.one("", "must be a JSON object with either end (and date) or rule")
    unknown = sorted(set(body) - {"end", "date", "rule"})
    if unknown:
        raise InvalidInput([Problem(k, "unknown field: expected end (and date) or rule") for k in unknown])
    if ("end" in body) == ("rule" in body):
        raise InvalidInput.one("end" if "end" in body else "", "give exactly one of end (a rule id) and rule (a rule object)")
    day = today or dt.date.today()
    if body.get("date") is not None:
        if not isinstance(body["date"], str):
            raise InvalidInput.one("date", "must be an ISO date (YYYY-MM-DD)")
        try:
            day = dt.date.fromisoformat(body["date"])
        except ValueError:
            raise InvalidInput.one("date", f"{body['date']!r} is not an ISO date (YYYY-MM-DD)") from None
    if "end" in body:
        rule_id = body["end"]
        if not isinstance(rule_id, str):
            raise InvalidInput.one("end", "must be a rule id (a string)")
        stored = engine.rules.get(rule_id)
        if stored is None:
            raise NotFound("rule", rule_id)
        ended = stored if stored.valid_to is not None and stored.valid_to <= day else stored.model_copy(update={"valid_to": day})
        return RuleChange(rule_id, stored, ended, day, end=True)
    rule, problems = parse_entity(Rule, body["rule"], "rule")
    if rule is None:
        raise InvalidInput(problems or [Problem("rule", "invalid")])
    refs = {g.node for g in rule.grants} | {p.node if isinstance(p, NodeLeaf) else p.competency
                                            for p in walk(rule.requires) if isinstance(p, (NodeLeaf, CompetencyLeaf))}
    pools = {p.where.institution for p in walk(rule.requires) if isinstance(p, CreditsWhere)}
    known = KnownIds(institutions={i for i in {rule.granted_by, *pools} if i in engine.institutions},
                     nodes={n: engine.nodes[n].kind for n in refs if n in engine.nodes})
    problems = reference_problems(Document(rules=[rule]), known)
    if problems:
        raise InvalidInput([Problem(_problem_path(p.path), p.message) for p in problems])
    return RuleChange(rule.id, engine.rules.get(rule.id), rule, day)


def _counts(rule: Rule | None, day: dt.date) -> bool:
    """Whether ``rule`` counts for learning earned after ``day``."""
    return rule is not None and rule.status == "approved" and (rule.valid_to is None or rule.valid_to > day)


def _open(valid_to: dt.date | None, day: dt.date) -> bool:
    return valid_to is None or valid_to > day


class _Side:
    """One side of the comparison: the graph's rules with the changed rule as ``version``."""

    def __init__(self, index: ImpactIndex, change: RuleChange, version: Rule | None) -> None:
        self.index = index
        self.rule = change.rule
        self.day = change.day
        self.version = version if _counts(version, change.day) else None
        self.entries = index.entries(self.version) if self.version is not None else set()
        self.grants = tuple(g.node for g in self.version.grants) if self.version is not None else ()
        self.credentials = index.credentials(self.version) if self.version is not None else ()
        self.transfer = self.version is not None and self.version.kind == "transfer"

    def steps(self, node: str) -> Iterator[Step]:
        """The counting rules a holding of ``node`` fills a leaf of (the changed one as this side has it)."""
        for step in self.index.forward(node):
            if step[0] != self.rule and _open(step[1], self.day):
                yield step
        if self.version is not None and node in self.entries:
            yield (self.rule, self.version.valid_to, self.grants, self.credentials, self.transfer)

    def successors(self, node: str) -> Iterator[str]:
        for step in self.steps(node):
            yield from step[2]

    def state_successors(self, node: str, as_transfer: bool) -> Iterator[tuple[str, bool]]:
        """The ``(node, held as transfer credit)`` states one rule leads to from ``node`` held so:
        transfer credit fills no ``transfer`` rule's leaf (SPEC section 4, second edition)."""
        for _, _, grants, _, transfer in self.steps(node):
            if not (as_transfer and transfer):
                for granted in grants:
                    yield granted, transfer

    def predecessors(self, node: str) -> Iterator[str]:
        for rule_id, valid_to, entries, _, _ in self.index.backward(node):
            if rule_id != self.rule and _open(valid_to, self.day):
                yield from entries
        if self.version is not None and node in self.grants:
            yield from self.entries


def _closure(starts: Iterable[str], sides: tuple[_Side, _Side], forward: bool, deadline: Deadline) -> set[str]:
    """Every node reachable from ``starts`` (themselves included) on either side, forward or back."""
    seen = set(starts)
    stack = list(seen)
    while stack:
        deadline.check("impact")
        node = stack.pop()
        for side in sides:
            for nxt in side.successors(node) if forward else side.predecessors(node):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return seen


def _state(bit: dict[str, int], node: str, as_transfer: bool) -> int:
    """The bit of ``node``'s state: ``2 * i`` held at its origin, ``2 * i + 1`` as transfer credit."""
    return 2 * bit[node] + as_transfer


def _reach_bits(side: _Side, region: list[str], bit: dict[str, int], deadline: Deadline) -> dict[int, int]:
    """For each state of ``region``'s nodes (closed under successors; see :func:`_state`), the
    bitset of the states it reaches by one rule or more, by Tarjan's strongly connected
    components (iteratively)."""
    succ = {
        _state(bit, n, held): list(dict.fromkeys(_state(bit, m, t) for m, t in side.state_successors(n, held) if m in bit))
        for n in region for held in (False, True)
    }
    deadline.check("impact")
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    reach: dict[int, int] = {}
    for root in sorted(succ):
        if root in number:
            continue
        work = [(root, 0)]
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, i = work[-1]
            kids = succ[node]
            if i < len(kids):
                work[-1] = (node, i + 1)
                kid = kids[i]
                if kid not in number:
                    number[kid] = low[kid] = len(number)
                    stack.append(kid)
                    on_stack.add(kid)
                    work.append((kid, 0))
                elif kid in on_stack:
                    low[node] = min(low[node], number[kid])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] != number[node]:
                continue
            deadline.check("impact")
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            bits = 0
            cyclic = len(component) > 1 or node in succ[node]
            for member in component:
                for kid in succ[member]:
                    bits |= reach[kid] | (1 << kid) if kid in reach else 1 << kid
            if cyclic:
                for member in component:
                    bits |= 1 << member
            for member in component:
                reach[member] = bits
    return reach


def impact(engine: Engine, change: RuleChange, *, index: ImpactIndex | None = None, deadline: Deadline = NEVER,
           max_listed: int | None = None) -> Impact:
    """The reach pairs and credentials' routes ``change`` gains and loses (see the module).

    ``index`` is the engine's :class:`ImpactIndex`, kept by a caller that asks many times;
    ``deadline`` is checked in every loop; ``max_listed`` bounds each list (the totals stay exact).

    Raises:
        DeadlineExceeded: ``deadline`` passed before the comparison was complete.
    """
    index = index or ImpactIndex(engine)
    limit = max_listed if max_listed is not None else -1
    sides = (_Side(index, change, change.before), _Side(index, change, change.after))
    sources = _closure(sides[0].entries | sides[1].entries, sides, forward=False, deadline=deadline)
    region = sorted(_closure(sources, sides, forward=True, deadline=deadline))
    bit = {node: i for i, node in enumerate(region)}
    reach = [_reach_bits(side, region, bit, deadline) for side in sides]
    at_origin = int("01" * len(region), 2) if region else 0
    # region is sorted and bits ascend with it: pairs come out in order, with no sort
    pairs: tuple[list[ReachPair], list[ReachPair]] = ([], [])
    totals = [0, 0]
    moved: dict[str, int] = {}
    for source in sorted(sources):
        deadline.check("impact")
        state = _state(bit, source, False)
        before_states, after_states = reach[0].get(state, 0), reach[1].get(state, 0)
        if before_states == after_states:
            continue
        moved[source] = before_states ^ after_states
        before, after = _nodes(before_states, at_origin), _nodes(after_states, at_origin)
        own = ~(1 << state)
        for which, bits in ((0, before & ~after & own), (1, after & ~before & own)):
            totals[which] += bits.bit_count()
            room = limit - len(pairs[which]) if limit >= 0 else bits.bit_count()
            if room > 0:
                pairs[which].extend(ReachPair(source, target) for target in islice(_members(bits, region, at_origin), room))
    routes = _routes(sides, sources, moved, region, bit, reach, at_origin, deadline)
    lost, gained = sorted(routes[0] - routes[1]), sorted(routes[1] - routes[0])
    shown = slice(None, limit if limit >= 0 else None)
    return Impact(
        change,
        gained_pairs=tuple(pairs[1]),
        lost_pairs=tuple(pairs[0]),
        gained_routes=tuple(Route(*r) for r in gained[shown]),
        lost_routes=tuple(Route(*r) for r in lost[shown]),
        gained_pairs_total=totals[1],
        lost_pairs_total=totals[0],
        gained_routes_total=len(gained),
        lost_routes_total=len(lost),
    )


def _nodes(states: int, at_origin: int) -> int:
    """The nodes of a bitset of states, each on its at-origin bit: a node is reached in either state."""
    return (states | states >> 1) & at_origin


def _members(bits: int, region: list[str], at_origin: int) -> Iterator[str]:
    """The nodes of a bitset of states, in order (each node once, its two bits folded)."""
    bits = _nodes(bits, at_origin)
    while bits:
        low = bits & -bits
        yield region[(low.bit_length() - 1) // 2]
        bits ^= low


def _routes(
    sides: tuple[_Side, _Side], sources: set[str], moved: dict[str, int], region: list[str], bit: dict[str, int],
    reach: list[dict[int, int]], at_origin: int, deadline: Deadline,
) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """Each side's routes that may differ, as ``(credential, rule, source)``: through the changed
    rule from every source, and through another rule only from a source whose reach moved onto
    one of that rule's entries (in a state that fills its leaves)."""
    out: tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]] = (set(), set())
    for which, side in enumerate(sides):
        if side.credentials:
            mask = _entry_mask(side.entries, bit, side.transfer)
            for source in sources:
                deadline.check("impact")
                state = _state(bit, source, False)
                if (reach[which].get(state, 0) | (1 << state)) & mask:
                    out[which].update((c, side.rule, source) for c in side.credentials)
    touched = 0
    for bits in moved.values():
        touched |= bits
    side = sides[0]
    candidates: dict[str, tuple[tuple[str, ...], int]] = {}
    for node in _members(touched, region, at_origin):
        deadline.check("impact")
        for rule_id, valid_to, _, credentials, transfer in side.index.forward(node):
            if credentials and rule_id != side.rule and rule_id not in candidates and _open(valid_to, side.day):
                entries = side.index.entries(side.index.engine.rules[rule_id])
                candidates[rule_id] = (credentials, _entry_mask(entries, bit, transfer))
    for source, bits in moved.items():
        state = _state(bit, source, False)
        own = 1 << state
        for rule_id, (credentials, mask) in candidates.items():
            deadline.check("impact")
            if bits & mask:
                for which in (0, 1):
                    if (reach[which].get(state, 0) | own) & mask:
                        out[which].update((c, rule_id, source) for c in credentials)
    return out


def _entry_mask(entries: Iterable[str], bit: dict[str, int], transfer: bool) -> int:
    """The states filling a leaf of a rule with these entries: at origin only for a transfer."""
    return sum((1 << _state(bit, n, False)) | (0 if transfer else 1 << _state(bit, n, True)) for n in entries if n in bit)
