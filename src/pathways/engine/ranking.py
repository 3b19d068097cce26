"""Progress ranked for people, and only as much of it computed as an answer shows.

An answer shows the progress entries closest to done first (:func:`rank_key`: the fraction as
shown, to three decimals, largest first; then the fewest credits still needed,
:func:`missing_credits`; then the rule id), cut to a limit, with the total count. A
:class:`ProgressFocus` says which: the receiving institutions and target credentials of
interest, and the limit.

Exact progress (:func:`~pathways.engine.progress.best_progress`) is the costly part of an
evaluation, and most of it is cut. An :class:`Outlook` is a cheap upper bound on a rule's
progress fraction and lower bound on the credits it still needs: first from indexes shared by
all rules (:func:`relaxed_outlook` of what each slot could hold, dates ignored), then from the
rule's own candidates (:func:`outlook`). :func:`top_progress` takes the rules best outlook
first, refines an outlook before computing exact progress, and stops once no rule left can
enter the ranking. The total stays exact without computing the rest: a rule whose bound is
below 1 and that some candidate surely advances (``partial``) is partly met.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"all": [{"node": "A"}, {"credits": 6, "where": {}}]}))
    >>> cands = [Candidate("A", frozenset({"A"}), 3.0, (0, 1)), Candidate("B", frozenset({"B"}), 1.5, (1,))]
    >>> outlook(tree, slots, cands=cands, credits={"A": 3.0}.get)
    Outlook(bound=0.625, needed=1.5, partial=True)
    >>> missing_credits({"all": [{"node": "A"}, {"credits": 2, "where": {}}]}, {"A": 3.0}.get)
    5.0
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .candidates import Candidate
from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled
from .loose import FlatPlan, flat_outlook
from .progress_bound import slot_weights

__all__ = [
    "CREDIT_DIGITS",
    "NOTHING",
    "SHOWN_DIGITS",
    "Contender",
    "Outlook",
    "ProgressEntry",
    "ProgressFocus",
    "focused",
    "missing_credits",
    "outlook",
    "rank_key",
    "ranked",
    "relaxed_outlook",
    "top_progress",
]

SHOWN_DIGITS = 3
"""Decimals of a fraction as answers show it (and rank it)."""

_EPS = 1e-9
"""Below 1 by this much a fraction is partly met (the evaluation's own test)."""

CREDIT_DIGITS = 3
"""Decimals of the credits still needed that rank: sums of credits equal to a thousandth rank as
equal (the ``missing`` they come from is rounded to a millionth, part by part)."""

_CREDIT_SLACK = 1e-4
"""Taken from a lower bound on the credits still needed before it is compared: ``missing``'s
rounding (a millionth per part) may leave the reported credits that much below it."""

_SLACK = 1e-9
"""Added to a bound before it is compared: exact fractions are sums in another order, and may
exceed the bound by rounding (1e-16), never by this much."""


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """A rule partly met by the final holdings: how far (fraction), with what, what is missing,
    and how many credits at least would meet it (``credits_needed``, :func:`missing_credits`)."""

    rule: str
    target: str
    kind: str
    fraction: float
    uses: tuple[str, ...]
    missing: dict[str, Any] | None
    credits_needed: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """SPEC section 4's entry (``credits_needed`` is the shaped answer's addition)."""
        return {
            "rule": self.rule,
            "target": self.target,
            "kind": self.kind,
            "fraction": round(self.fraction, SHOWN_DIGITS),
            "uses": list(self.uses),
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True)
class ProgressFocus:
    """Which progress an answer shows: toward ``targets`` only, at ``institutions`` only (the
    institution of the node a rule would grant), the first ``limit`` by :func:`rank_key`
    (``None``: all, still ranked). ``None`` filters keep everything.

    >>> ProgressFocus(limit=5, targets=frozenset({"U:BSC"})).admits("U:BSC", "U")
    True
    """

    limit: int | None = None
    institutions: frozenset[str] | None = None
    targets: frozenset[str] | None = None

    def admits(self, target: str, institution: str | None) -> bool:
        """Whether progress toward ``target`` (a node of ``institution``) is of interest."""
        if self.targets is not None and target not in self.targets:
            return False
        return self.institutions is None or institution in self.institutions


def missing_credits(missing: Any, credits: Callable[[str], float | None]) -> float:
    """The fewest credits that would meet a ``missing`` requirement (a competency counts 0).

    ``credits`` gives a node id's credits; an ``any`` takes its cheapest branch, an
    ``at_least k`` its ``k`` cheapest.
    """
    if not isinstance(missing, dict):
        return 0.0
    if "node" in missing:
        return float(credits(missing["node"]) or 0.0)
    if "credits" in missing:
        return float(missing["credits"])
    parts = [missing_credits(m, credits) for m in missing.get("all") or missing.get("any") or missing.get("of") or []]
    if "all" in missing:
        return sum(parts)
    if "any" in missing:
        return min(parts, default=0.0)
    if "at_least" in missing:
        return sum(sorted(parts)[: int(missing["at_least"])])
    return 0.0


def rank_key(entry: ProgressEntry) -> tuple[float, float, str]:
    """Closest first: the fraction as shown (largest first), credits still needed, rule id.

    >>> a = ProgressEntry("R1", "T", "stack", 0.5, (), None, 6.0)
    >>> b = ProgressEntry("R2", "T", "stack", 0.5001, (), None, 3.0)
    >>> [e.rule for e in ranked([a, b], None)]
    ['R2', 'R1']
    """
    return -round(entry.fraction, SHOWN_DIGITS), round(entry.credits_needed, CREDIT_DIGITS), entry.rule


def ranked(entries: Iterable[ProgressEntry], limit: int | None) -> list[ProgressEntry]:
    """``entries`` in :func:`rank_key` order, the first ``limit`` (``None``: all)."""
    if limit is None:
        return sorted(entries, key=rank_key)
    return heapq.nsmallest(limit, entries, key=rank_key)


def focused(entries: Iterable[ProgressEntry], focus: ProgressFocus, *,
            institution: Callable[[str], str | None]) -> tuple[list[ProgressEntry], int]:
    """Every progress entry (an evaluation without focus) as ``focus`` shows them: the entries it
    admits (``institution`` gives a target's), ranked and cut, and how many it admits."""
    admitted = [e for e in entries if focus.admits(e.target, institution(e.target))]
    return ranked(admitted, focus.limit), len(admitted)


class Outlook:
    """The best a rule's progress can be: its fraction at most ``bound``, the credits it still
    needs at least ``needed``, and ``partial`` when it is surely partly met (its fraction in
    (0, 1)), so that it counts without computing. Never changed once made.

    A plain class, not a dataclass: an answer makes one or two hundred outlooks and
    contenders, and compiled (setup.py) a dataclass is still made by its interpreted
    ``__init__``, several times slower than a compiled one."""

    __slots__ = ("bound", "needed", "partial", "_best")

    def __init__(self, bound: float, needed: float, partial: bool) -> None:
        self.bound = bound
        self.needed = needed
        self.partial = partial
        self._best: tuple[float, float] | None = None

    def best(self) -> tuple[float, float]:
        """The smallest fraction and credits parts of a :func:`rank_key` under this outlook
        (rounded once: rules alike share an outlook, and rounding to digits is slow)."""
        if self._best is None:
            self._best = (-_shown(self.bound + _SLACK), round(self.needed - _CREDIT_SLACK, CREDIT_DIGITS))
        return self._best

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outlook):
            return NotImplemented
        return (self.bound, self.needed, self.partial) == (other.bound, other.needed, other.partial)

    def __repr__(self) -> str:
        return f"Outlook(bound={self.bound!r}, needed={self.needed!r}, partial={self.partial!r})"


NOTHING = Outlook(0.0, 0.0, False)
"""The outlook of a rule without candidates: no progress."""


def outlook(tree: Compiled, slots: tuple[Compiled, ...], *, cands: Sequence[Candidate],
            credits: Callable[[str], float | None], plan: FlatPlan | None = None) -> Outlook:
    """The outlook of :func:`~pathways.engine.progress.best_progress` over ``cands``.

    Candidates sharing a lineage holding are placed one at most; a group is keyed by the
    smallest holding of its lineage (all of its candidates hold it). The bound is the smaller of:

    - the requirement's fraction when every slot holds, at once, all it could get
      (:func:`relaxed_outlook`): a leaf is filled if any candidate fits it (with the largest
      credits, which a ``credits ... of`` counts), a pool gets per group the largest credits
      that fit it;
    - without ``credits ... of``, the sum over groups of the most one placement adds, by the
      slots' weights in the fraction (``1/n`` under an ``all`` of n, ``1/k`` under an
      ``at_least k``, 1 under an ``any``: a mean, a top-k mean and a maximum grow by at most
      the weighted gains of their parts).

    ``plan``, the tree's :class:`~pathways.engine.loose.FlatPlan` when it has one, computes the
    first bound the same, sooner.

    ``partial``: the bound is below 1 and some candidate alone gives a positive fraction (without
    ``credits ... of``: any candidate in a leaf, or with credits in a pool; under one, a part
    counts only once met, so that is left to the exact computation).
    """
    if not cands:
        return NOTHING
    n = len(slots)
    weights: list[float] | None = [0.0] * n
    if not slot_weights(tree, 1.0, weights):  # type: ignore[arg-type]
        weights = None
    best: list[dict[str, float]] = [{} for _ in range(n)]  # per slot: group -> largest credits
    gains: dict[str, float] = {}
    advances = False
    for c in cands:
        group = min(c.lineage) if c.lineage else c.node
        most = gains.get(group, 0.0)
        for s in c.slots:
            per = best[s]
            if c.credits > per.get(group, -1.0):
                per[group] = c.credits
            spec = slots[s]
            if spec[0] != POOL or c.credits > 0:
                advances = True
            if weights is not None:
                gain = weights[s] * (min(1.0, c.credits / spec[2]) if spec[0] == POOL else 1.0)
                if gain > most:
                    most = gain
        gains[group] = most
    state = [sum(per.values()) if slots[s][0] == POOL else max(per.values(), default=-1.0) for s, per in enumerate(best)]

    def shared(pools: tuple[int, ...]) -> float:
        held: dict[str, float] = {}
        for s in pools:
            for group, most in best[s].items():
                if most > held.get(group, 0.0):
                    held[group] = most
        return sum(held.values())

    if plan is None:
        relaxed = relaxed_outlook(tree, state, credits=credits, advances=False, shared=shared)
    else:
        bound, needed = flat_outlook(plan, state, shared(plan.pool_slots) if len(plan.pools) > 1 else 0.0)
        relaxed = Outlook(bound, needed, False)
    if weights is None:
        return relaxed
    bound = min(relaxed.bound, sum(gains.values()))
    return Outlook(bound, relaxed.needed, advances and bound < 1.0 - _EPS)


def relaxed_outlook(tree: Compiled, state: Sequence[float], *, credits: Callable[[str], float | None], advances: bool,
                    shared: Callable[[tuple[int, ...]], float] | None = None) -> Outlook:
    """The outlook of a rule when each slot holds at once all it could get (``state``: a leaf's
    holding's credits, -1 when empty; a pool's credits), ``advances`` when some candidate alone
    surely gives a positive fraction.

    Its fraction grows with what each slot holds, and the credits still needed shrink: no
    assignment has a larger fraction, nor needs fewer credits (:func:`missing_credits` of its
    ``missing``, which names the unmet leaves and reduces the unmet pools and counts). A holding
    counts in every pool at once there; ``shared``, when given, is the most some pools can hold
    together (each holding in one of them): the pools of an ``all`` can fill no more than that,
    and lack at least their needs less that.
    """
    bound, _, _, needed = _relaxed(tree, state, credits, shared)
    return Outlook(bound, needed, advances and bound < 1.0 - _EPS)


class Contender:
    """A rule of interest that may show progress, with its :class:`Outlook`: from its own
    candidates when ``refined``, else from indexes shared by all rules (looser, cheaper).
    Never changed once made (a plain class, as :class:`Outlook`)."""

    __slots__ = ("rule", "outlook", "refined")

    def __init__(self, rule: str, outlook: Outlook, refined: bool = True) -> None:
        self.rule = rule
        self.outlook = outlook
        self.refined = refined

    def __repr__(self) -> str:
        return f"Contender(rule={self.rule!r}, outlook={self.outlook!r}, refined={self.refined!r})"

    def best_key(self) -> tuple[float, float, str]:
        """The smallest :func:`rank_key` its entry can have."""
        fraction, needed = self.outlook.best()
        return (fraction, needed, self.rule)


def top_progress(contenders: Iterable[Contender], limit: int | None, *, refine: Callable[[Contender], Contender],
                 exact: Callable[[Contender], ProgressEntry | None]) -> tuple[list[ProgressEntry], int]:
    """The first ``limit`` progress entries by :func:`rank_key`, and how many there are in all.

    ``refine`` gives a contender's outlook from its own candidates; ``exact`` computes its entry
    (``None`` unless partly met). Contenders are taken best key first (:meth:`Contender.best_key`),
    refined before they are computed; once ``limit`` entries are found, a contender whose best
    key comes after the last entry's can only rank after it, and so can every later one: only
    the count is left to settle. A ``partial`` contender counts without computing, any other is
    refined, then computed if still not surely partial. With ``limit`` ``None`` every contender
    is computed.
    """
    if limit is None:
        entries = [e for c in contenders if (e := exact(c)) is not None]
        return ranked(entries, None), len(entries)
    heap = [(c.best_key(), c) for c in contenders]
    heapq.heapify(heap)
    kept: list[tuple[tuple[float, float, str], ProgressEntry]] = []  # the best ``limit`` found so far, ranked
    total = 0
    while heap:
        key, c = heap[0]
        if limit == 0 or (len(kept) == limit and key > kept[-1][0]):
            break
        heapq.heappop(heap)
        if not c.refined:
            c = refine(c)
            heapq.heappush(heap, (c.best_key(), c))
            continue
        entry = exact(c) if c.outlook.bound > 0.0 else None
        if entry is None:
            continue
        total += 1
        bisect.insort(kept, (rank_key(entry), entry))
        del kept[limit:]
    for _, c in heap:
        if not c.outlook.partial and not c.refined:
            c = refine(c)
        if c.outlook.partial or (c.outlook.bound > 0.0 and exact(c) is not None):
            total += 1
    return [e for _, e in kept], total


def _shown(fraction: float) -> float:
    return round(fraction, SHOWN_DIGITS)


def _relaxed(node: Compiled, state: Sequence[float], credits: Callable[[str], float | None],
             shared: Callable[[tuple[int, ...]], float] | None) -> tuple[float, bool, float, float]:
    """(fraction, met, credits used under met parts, fewest credits still needed) of ``node``
    when each slot holds ``state`` (a leaf: -1 when empty, else its holding's credits; a pool:
    its credits). The credits still needed follow :func:`missing_credits`: a leaf its node's
    credits, a pool or a ``credits ... of`` what it lacks (0 in hours), a competency 0. With
    ``shared`` (what pools can hold together, each holding in one of them), an ``all``'s pools
    add to its fraction at most what :func:`_filled` says, and, in credits, lack at least their
    needs less what they hold together."""
    tag = node[0]
    if tag == LEAF:
        held = state[node[1]]
        return (1.0, True, held, 0.0) if held >= 0 else (0.0, False, 0.0, credits(node[2]) or 0.0)
    if tag == COMPETENCY:
        held = state[node[1]]
        return (1.0, True, held, 0.0) if held >= 0 else (0.0, False, 0.0, 0.0)
    if tag == POOL:
        cur = state[node[1]]
        met = cur >= node[2] - _EPS
        needed = 0.0 if met or node[4] != "credits" else node[2] - cur
        return min(1.0, cur / node[2]), met, (cur if met else 0.0), needed
    kids = [_relaxed(c, state, credits, shared) for c in node[-1]]
    if tag == ALL:
        met = all(k[1] for k in kids)
        fraction = sum(k[0] for k in kids) / len(kids)
        needed = sum(k[3] for k in kids)
        pools = [c for c in node[-1] if c[0] == POOL]
        if shared is not None and len(pools) > 1:
            together = shared(tuple(c[1] for c in pools))
            fraction = min(fraction, (sum(k[0] for c, k in zip(node[-1], kids, strict=True) if c[0] != POOL)
                                      + _filled(pools, state, together)) / len(kids))
            if all(c[4] == "credits" for c in pools):
                rest = sum(k[3] for c, k in zip(node[-1], kids, strict=True) if c[0] != POOL)
                needed = max(needed, rest + sum(c[2] for c in pools) - together)
        return fraction, met, (sum(k[2] for k in kids) if met else 0.0), needed
    if tag == ANY:
        return max(k[0] for k in kids), any(k[1] for k in kids), sum(k[2] for k in kids if k[1]), min(k[3] for k in kids)
    if tag == AT_LEAST:
        k_ = node[1]
        met = sum(1 for k in kids if k[1]) >= k_
        top = sorted((k[0] for k in kids), reverse=True)[:k_]
        needed = sum(sorted(k[3] for k in kids)[:k_])
        return sum(top) / k_, met, (sum(k[2] for k in kids if k[1]) if met else 0.0), needed
    assert tag == CREDITS_OF
    cur = sum(k[2] for k in kids if k[1])
    met = cur >= node[1] - _EPS
    needed = 0.0 if met or node[2] != "credits" else node[1] - cur
    return min(1.0, cur / node[1]), met, (cur if met else 0.0), needed


def _filled(pools: list[Compiled], state: Sequence[float], together: float) -> float:
    """The most the pools' fractions can add up to when each holds at most ``state`` and all of
    them ``together``: the smallest needs filled first (a fractional knapsack, each credit worth
    one over its pool's need)."""
    gain = 0.0
    for pool in sorted(pools, key=lambda p: p[2]):
        take = min(state[pool[1]], pool[2], together)
        if take > 0:
            gain += take / pool[2]
            together -= take
    return gain
