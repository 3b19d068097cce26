"""Repeated attempts (SPEC section 4, second edition, amendment 3): one node presented more than once.

Each attempt is a direct holding of the node with its own grade and earned date, and the same
lineage (the node itself): attempts of one node count once in credit sums and lineages. A rule
may use any one attempt that satisfies it. Within a rule every slot shares the window and the
age limit, and a better grade meets every ``min_grade`` a worse one meets, so the attempt a rule
uses is the best one inside its window (best grade, then latest date), among those meeting the
grade range of a leaf naming it when one does. Only nodes presented more than once are kept
here; every other node has one holding and skips all of this.

Example:
    >>> a = HoldingState("U:A", 3.0, dt.date(2004, 5, 1), "A", frozenset({"U:A"}))
    >>> c = HoldingState("U:A", 3.0, dt.date(2006, 5, 1), "C", frozenset({"U:A"}))
    >>> ranked = rank_attempts([c, a])
    >>> [h.grade for h in ranked]
    ['A', 'C']
    >>> in_bounds(ranked, dt.date(2005, 9, 1), None).grade
    'C'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from .holdings import HoldingState
from .index import GRADE_RANK

__all__ = ["in_bounds", "rank_attempts"]


def rank_attempts(attempts: Iterable[HoldingState]) -> tuple[HoldingState, ...]:
    """The distinct attempts of one node, best first: the better grade, then the later date
    (then a ``P`` before no grade, so that the order never depends on a set's)."""
    return tuple(sorted(set(attempts), key=lambda h: (GRADE_RANK.get(h.grade, 0), h.earned, h.grade == "P"), reverse=True))


def in_bounds(
    attempts: Sequence[HoldingState],
    lo: dt.date | None,
    hi: dt.date | None,
    grade_ok: Callable[[str | None], bool] | None = None,
) -> HoldingState | None:
    """The best attempt earned inside [``lo``, ``hi``] (bounds ``None`` when open) whose grade
    ``grade_ok`` accepts (a callable on the grade; any grade when ``None``), or ``None``."""
    for h in attempts:
        if (lo is None or h.earned >= lo) and (hi is None or h.earned <= hi) and (grade_ok is None or grade_ok(h.grade)):
            return h
    return None
