"""Grade-point averages (second edition, amendment 7): a condition over the learner's record.

An average ``{"average": G, "of"|"where": ...[, "last_credits": n]}`` is taken over the
*learning behind* the held nodes it names (``of``) or whose node passes its filter
(``where``), direct or derived: the union of their lineages, each direct holding once, so a
transfer credit carries the grades of what it was derived from and a course never counts
twice. Each is weighed by its credits and graded by its :data:`~pathways.model.GRADE_POINTS`;
holdings without a letter (``P``, unless the rule's ``pass_counts_as`` makes it one, and no
grade) are left out, and so is ``F``, which is never held. With ``last_credits`` n only the
most recent graded holdings count (earned date, latest first, ties by node id), up to the
first whose credits bring the sum to n (it counts in full); with fewer credits, all of them.
A node presented more than once counts its held attempt (the best).

An average uses no holdings: it sits beside the parts of a requirement that do (directly under
its top-level ``all``), the matching never sees it, and a rule fires when its averages are met
and the rest of its requirement is (:func:`averages_met`). In progress an average counts as
one child of that ``all`` whose fraction is its points over the grade's (1 once met, 0 with
nothing graded): :func:`with_averages`.

Example:
    >>> import datetime as dt
    >>> from .index import compile_averages
    >>> from pathways.model import parse_requirement
    >>> (avg,) = compile_averages(parse_requirement({"all": [{"average": "B", "of": [{"node": "U:A"}, {"node": "U:B"}]},
    ...                                                      {"node": "U:A"}]}))
    >>> held = {"U:A": HoldingState("U:A", 3.0, dt.date(2025, 1, 1), "A", frozenset({"U:A"})),
    ...         "U:B": HoldingState("U:B", 1.0, dt.date(2025, 1, 1), "C", frozenset({"U:B"}))}
    >>> grade_average(avg, ["U:A", "U:B"], held, None)
    3.5
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model import GRADE_POINTS, Filter, average_to_json, counted_grade
from ..model.requirements import Average
from .holdings import HoldingState
from .index import Compiled
from .matching import Progress

__all__ = ["average_fraction", "average_json", "averages_met", "grade_average", "with_averages"]

_EPS = 1e-9


def grade_average(avg: Compiled, members: Iterable[str], held: Mapping[str, HoldingState], pass_counts_as: str | None) -> float | None:
    """The credit-weighted grade points of the learning behind ``members`` (held nodes the
    average is taken over), as the module says; ``None`` when no credit there is graded."""
    learning = {e for n in members for e in held[n].lineage}
    graded: list[tuple[HoldingState, float]] = []
    for e in learning:
        h = held.get(e)
        grade = counted_grade(h.grade, pass_counts_as) if h is not None else None
        if h is not None and grade is not None and grade in GRADE_POINTS:
            graded.append((h, GRADE_POINTS[grade]))
    last = avg[5]
    if last is not None:
        graded.sort(key=lambda hp: (-hp[0].earned.toordinal(), hp[0].node))
        kept, credits = [], 0.0
        for h, points in graded:
            if credits >= last - _EPS:
                break
            kept.append((h, points))
            credits += h.credits
        graded = kept
    total = sum(h.credits for h, _ in graded)
    if total <= 0:
        return None
    return sum(h.credits * points for h, points in graded) / total


def average_fraction(avg: Compiled, points: float | None) -> float:
    """An average's progress: its points over the grade's, 1 once met, 0 with nothing graded.

    >>> average_fraction((7, 2.33, "C+", None, None, 30.0), 2.0) < 1.0, average_fraction((7, 2.33, "C+", None, None, None), 2.4)
    (True, 1.0)
    """
    if points is None:
        return 0.0
    return 1.0 if points >= avg[1] - _EPS else points / avg[1]


def averages_met(averages: Sequence[Compiled], points: Sequence[float | None]) -> bool:
    """Whether every average reaches its grade (``points``: :func:`grade_average` of each)."""
    return all(p is not None and p >= avg[1] - _EPS for avg, p in zip(averages, points, strict=True))


def average_json(avg: Compiled) -> dict[str, Any]:
    """A compiled average as SPEC writes it (for ``missing`` and ``also_needs``).

    >>> average_json((7, 3.0, "B", ("U:A",), None, None))
    {'average': 'B', 'of': [{'node': 'U:A'}]}
    """
    where: Filter | None = avg[4]
    return average_to_json(Average(avg[2], avg[3], where, avg[5]))


def with_averages(p: Progress, tree: Compiled, averages: Sequence[Compiled], points: Sequence[float | None]) -> Progress:
    """Progress ``p`` toward ``tree`` (a requirement's top-level ``all`` without its averages)
    made progress toward the whole: each average one more child of that ``all``, and the
    averages not met added to what is ``missing``.

    >>> p = Progress(fraction=0.5, uses=("U:A",), missing={"node": "U:B"})
    >>> w = with_averages(p, (3, ((0, 0, "U:A", None, None), (0, 1, "U:B", None, None))), [(7, 3.0, "B", ("U:A",), None, None)], [2.0])
    >>> round(w.fraction, 3), w.missing
    (0.556, {'all': [{'node': 'U:B'}, {'average': 'B', 'of': [{'node': 'U:A'}]}]})
    """
    if not averages:
        return p
    fractions = [average_fraction(avg, pts) for avg, pts in zip(averages, points, strict=True)]
    rest = len(tree[1])
    fraction = (sum(fractions) + rest * p.fraction) / (rest + len(averages))
    parts: list[dict[str, Any]] = []
    if p.missing is not None:
        parts = list(p.missing["all"]) if set(p.missing) == {"all"} else [p.missing]
    parts += [average_json(avg) for avg, f in zip(averages, fractions, strict=True) if f < 1.0]
    missing = None if not parts else parts[0] if len(parts) == 1 else {"all": parts}
    return Progress(fraction=fraction, uses=p.uses, missing=missing)
