"""Progress ranked for people, and only as much of it computed as an answer shows.

An answer shows the progress entries closest to done first (:func:`rank_key`: the fraction as
shown, to three decimals, largest first; then the fewest credits still needed,
:func:`missing_credits`; then the rule id), cut to a limit, with the total count. A
:class:`ProgressFocus` says which: the receiving institutions and target credentials of
interest, and the limit.

Exact progress (:func:`~pathways.engine.progress.best_progress`) is the costly part of an
evaluation, and most of it is cut. :func:`fraction_bound` is a cheap upper bound on a rule's
progress fraction, from its candidates alone; :func:`top_progress` computes exact progress in
decreasing bound order and stops once no rule left can enter the ranking. The total stays
exact without computing the rest: a rule whose bound is below 1 and that some candidate
surely advances (:func:`surely_partial`) is partly met.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"all": [{"node": "A"}, {"credits": 6, "where": {}}]}))
    >>> cands = [Candidate("A", frozenset({"A"}), 3.0, (0, 1)), Candidate("B", frozenset({"B"}), 1.5, (1,))]
    >>> fraction_bound(tree, slots, cands)
    0.875
    >>> missing_credits({"all": [{"node": "A"}, {"credits": 2, "where": {}}]}, {"A": 3.0}.get)
    5.0
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .candidates import Candidate
from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled

__all__ = [
    "Contender",
    "ProgressEntry",
    "ProgressFocus",
    "focused",
    "fraction_bound",
    "missing_credits",
    "rank_key",
    "ranked",
    "surely_partial",
    "top_progress",
]

SHOWN_DIGITS = 3
"""Decimals of a fraction as answers show it (and rank it)."""

_EPS = 1e-9
"""Below 1 by this much a fraction is partly met (the evaluation's own test)."""

_CREDIT_DIGITS = 6
"""Decimals of credits as answers show them (:func:`~pathways.engine.holdings.number`): sums of
credits equal as shown rank as equal."""

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
    return -round(entry.fraction, SHOWN_DIGITS), round(entry.credits_needed, _CREDIT_DIGITS), entry.rule


def ranked(entries: Iterable[ProgressEntry], limit: int | None) -> list[ProgressEntry]:
    """``entries`` in :func:`rank_key` order, the first ``limit`` (``None``: all)."""
    if limit is None:
        return sorted(entries, key=rank_key)
    return heapq.nsmallest(limit, entries, key=rank_key)


def focused(entries: Iterable[ProgressEntry], focus: ProgressFocus,
            institution: Callable[[str], str | None]) -> tuple[list[ProgressEntry], int]:
    """Every progress entry (an evaluation without focus) as ``focus`` shows them: the entries it
    admits (``institution`` gives a target's), ranked and cut, and how many it admits."""
    admitted = [e for e in entries if focus.admits(e.target, institution(e.target))]
    return ranked(admitted, focus.limit), len(admitted)


def fraction_bound(tree: Compiled, slots: tuple[Compiled, ...], cands: Sequence[Candidate]) -> float:
    """An upper bound on :func:`~pathways.engine.progress.best_progress`'s fraction over ``cands``.

    Candidates sharing a lineage holding are placed one at most; a group is keyed by the
    smallest holding of its lineage (all of its candidates hold it). The bound is the smaller of:

    - the requirement's fraction when every slot holds, at once, all it could get: a leaf is
      filled if any candidate fits it (with the largest credits, which a ``credits ... of``
      counts), a pool gets per group the largest credits that fit it (the fraction grows with
      what each slot holds, so no assignment does better);
    - without ``credits ... of``, the sum over groups of the most one placement adds, by the
      slots' weights in the fraction (``1/n`` under an ``all`` of n, ``1/k`` under an
      ``at_least k``, 1 under an ``any``: a mean, a top-k mean and a maximum grow by at most
      the weighted gains of their parts).

    No candidate: 0.
    """
    if not cands:
        return 0.0
    n = len(slots)
    weights: list[float] | None = [0.0] * n
    if not _weigh(tree, 1.0, weights):  # type: ignore[arg-type]
        weights = None
    best: list[dict[str, float]] = [{} for _ in range(n)]  # per slot: group -> largest credits
    gains: dict[str, float] = {}
    for c in cands:
        group = min(c.lineage) if c.lineage else c.node
        most = gains.get(group, 0.0)
        for s in c.slots:
            per = best[s]
            if c.credits > per.get(group, -1.0):
                per[group] = c.credits
            if weights is not None:
                spec = slots[s]
                gain = weights[s] * (min(1.0, c.credits / spec[2]) if spec[0] == POOL else 1.0)
                if gain > most:
                    most = gain
        gains[group] = most
    state = [sum(per.values()) if slots[s][0] == POOL else max(per.values(), default=-1.0) for s, per in enumerate(best)]
    bound = _fraction(tree, state)[0]
    if weights is not None:
        bound = min(bound, sum(gains.values()))
    return bound


def surely_partial(tree: Compiled, slots: tuple[Compiled, ...], cands: Sequence[Candidate]) -> bool:
    """Whether some candidate alone gives ``tree`` a positive fraction, so that the best does too.

    Without ``credits ... of``, any candidate in a leaf, or with credits in a pool, does; under a
    ``credits ... of`` a part counts only once met, so that is left to the exact computation
    (false).
    """
    if _has_credits_of(tree):
        return False
    return any(slots[s][0] != POOL or c.credits > 0 for c in cands for s in c.slots)


@dataclass(frozen=True, slots=True)
class Contender:
    """A rule of interest that may show progress: its ``bound`` (:func:`fraction_bound`) and
    whether it is ``partial`` for sure (bound below 1, :func:`surely_partial`)."""

    rule: str
    bound: float
    partial: bool


def top_progress(contenders: Collection[Contender], exact: Callable[[Contender], ProgressEntry | None],
                 limit: int | None) -> tuple[list[ProgressEntry], int]:
    """The first ``limit`` progress entries by :func:`rank_key`, and how many there are in all.

    ``exact`` computes a contender's entry (``None`` unless partly met). Contenders are taken
    in decreasing bound; once ``limit`` entries are found, a contender whose bound, as shown,
    is below the last entry's fraction can only rank after it, so only the count is left to
    settle: a ``partial`` contender counts without computing, any other is computed (its
    fraction may be 0 or 1). With ``limit`` ``None`` every contender is computed.
    """
    order = sorted(contenders, key=lambda c: (-c.bound, c.rule))
    if limit is None:
        entries = [e for c in order if (e := exact(c)) is not None]
        return ranked(entries, None), len(entries)
    kept: list[ProgressEntry] = []  # the best ``limit`` found so far, ranked
    total = 0
    for i, c in enumerate(order):
        if limit == 0 or (len(kept) == limit and _shown(c.bound + _SLACK) < _shown(kept[-1].fraction)):
            total += sum(1 for rest in order[i:] if rest.partial or exact(rest) is not None)
            break
        entry = exact(c)
        if entry is None:
            continue
        total += 1
        kept = ranked([*kept, entry], limit)
    return kept, total


def _shown(fraction: float) -> float:
    return round(fraction, SHOWN_DIGITS)


def _fraction(node: Compiled, state: list[float]) -> tuple[float, bool, float]:
    """(fraction, met, credits used under met parts) of ``node`` when each slot holds
    ``state`` (a leaf: -1 when empty, else its holding's credits; a pool: its credits)."""
    tag = node[0]
    if tag == LEAF or tag == COMPETENCY:
        held = state[node[1]]
        return (1.0, True, held) if held >= 0 else (0.0, False, 0.0)
    if tag == POOL:
        cur = state[node[1]]
        met = cur >= node[2] - _EPS
        return min(1.0, cur / node[2]), met, (cur if met else 0.0)
    kids = [_fraction(c, state) for c in node[-1]]
    if tag == ALL:
        met = all(k[1] for k in kids)
        return sum(k[0] for k in kids) / len(kids), met, (sum(k[2] for k in kids) if met else 0.0)
    if tag == ANY:
        return max(k[0] for k in kids), any(k[1] for k in kids), sum(k[2] for k in kids if k[1])
    if tag == AT_LEAST:
        met = sum(1 for k in kids if k[1]) >= node[1]
        top = sorted((k[0] for k in kids), reverse=True)[: node[1]]
        return sum(top) / node[1], met, (sum(k[2] for k in kids if k[1]) if met else 0.0)
    assert tag == CREDITS_OF
    cur = sum(k[2] for k in kids if k[1])
    met = cur >= node[1] - _EPS
    return min(1.0, cur / node[1]), met, (cur if met else 0.0)


def _weigh(node: Compiled, weight: float, out: list[float]) -> bool:
    """Fill each slot's weight in the fraction; false under a ``credits ... of``."""
    tag = node[0]
    if tag in (LEAF, COMPETENCY, POOL):
        out[node[1]] = weight
        return True
    if tag == CREDITS_OF:
        return False
    kids = node[-1]
    share = weight / len(kids) if tag == ALL else weight / node[1] if tag == AT_LEAST else weight
    return all([_weigh(child, share, out) for child in kids])


def _has_credits_of(node: Compiled) -> bool:
    tag = node[0]
    if tag in (LEAF, COMPETENCY, POOL):
        return False
    return tag == CREDITS_OF or any(_has_credits_of(child) for child in node[-1])
