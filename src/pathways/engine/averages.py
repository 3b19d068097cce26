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

An average uses no holdings and may stand wherever a requirement may but inside a pool. Before
a rule is matched each average is met or not (:func:`average_met`) and folded into its parent
(:func:`~pathways.engine.index.settle`), so the matching never sees one; a requirement met by
averages alone rests on what they weigh (:func:`rests_on`, :func:`rests_within`). In progress
an average's fraction is its points over the grade's (1 once met, 0 with nothing graded):
:func:`averaged_progress`.

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

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..model import GRADE_POINTS, CreditsWhere, Filter, average_to_json, counted_grade, requirement_to_json
from ..model.requirements import Average
from .holdings import HoldingState, number
from .index import ALL, ANY, AT_LEAST, AVERAGE, COMPETENCY, FALSE, LEAF, POOL, TRUE, Compiled, leaf_json, settle
from .matching import Assignment, Candidate, Progress
from .progress import best_progress

__all__ = [
    "average_fraction",
    "average_json",
    "average_met",
    "averaged_progress",
    "counted",
    "grade_average",
    "rests_on",
    "rests_within",
    "shape_json",
    "with_averages",
]

_EPS = 1e-9


def counted(avg: Compiled, members: Iterable[str], held: Mapping[str, HoldingState], pass_counts_as: str | None) -> list[tuple[HoldingState, float]]:
    """The direct holdings an average over ``members`` (held nodes it is taken over) weighs,
    each with its grade points, as the module says."""
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
    return graded


def grade_average(avg: Compiled, members: Iterable[str], held: Mapping[str, HoldingState], pass_counts_as: str | None) -> float | None:
    """The credit-weighted grade points of what :func:`counted` weighs; ``None`` when no
    credit there is graded."""
    graded = counted(avg, members, held, pass_counts_as)
    total = sum(h.credits for h, _ in graded)
    if total <= 0:
        return None
    return sum(h.credits * points for h, points in graded) / total


def average_met(avg: Compiled, points: float | None) -> bool:
    """Whether an average of ``points`` (:func:`grade_average`) reaches the grade of ``avg``."""
    return points is not None and points >= avg[1] - _EPS


def rests_on(members: Sequence[Sequence[str]], counts: Sequence[Iterable[HoldingState]], held: Mapping[str, HoldingState]) -> Assignment:
    """What a requirement met by averages alone rests on: of the held nodes each average is
    taken over (``members``), those behind the learning it weighs (``counts``, :func:`counted`),
    and their lineages.

    >>> import datetime as dt
    >>> a = HoldingState("U:A", 3.0, dt.date(2025, 1, 1), "A", frozenset({"U:A"}))
    >>> rests_on([["U:A", "U:P"]], [[a]], {"U:A": a, "U:P": a._replace(node="U:P", grade="P", lineage=frozenset({"U:P"}))})
    Assignment(uses=('U:A',), lineage=('U:A',), averaged=True)
    """
    uses: set[str] = set()
    for nodes, weighed in zip(members, counts, strict=True):
        learning = {h.node for h in weighed}
        uses.update(n for n in nodes if not learning.isdisjoint(held[n].lineage))
    lineage = {e for n in uses for e in held[n].lineage}
    return Assignment(uses=tuple(sorted(uses)), lineage=tuple(sorted(lineage)), averaged=True)


def rests_within(a: Assignment, limits: Sequence[tuple[str | None, float | None, float | None]],
                 held: Mapping[str, HoldingState], institution: Callable[[str], str | None]) -> bool:
    """Whether what a grant resting on averages rests on (``a``, :func:`rests_on`) meets the
    granted credentials' ``limits`` (:attr:`~pathways.engine.index.CompiledRule.limits`):
    residency counts the credits of its learning (each direct holding once) earned at the
    institution; with institution ``None``, the credits of the holdings used not recognized.

    >>> import datetime as dt
    >>> a = HoldingState("U:A", 3.0, dt.date(2025, 1, 1), "A", frozenset({"U:A"}))
    >>> rests_within(Assignment(("U:A",), ("U:A",), True), [("U", None, 3.0), ("V", None, 1.0)], {"U:A": a}, lambda n: n[0])
    False
    """
    for inst, _, least in limits:
        if least is None:
            continue
        if inst is None:
            got = sum(held[n].credits for n in a.uses if held[n].kind not in ("plar", "transfer"))
        else:
            got = sum(held[e].credits for e in a.lineage if e in held and held[e].rule is None and institution(e) == inst)
        if got < least - _EPS:
            return False
    return True


def average_fraction(avg: Compiled, points: float | None) -> float:
    """An average's progress: its points over the grade's, 1 once met, 0 with nothing graded.

    >>> average_fraction((7, 2.33, "C+", None, None, 30.0), 2.0) < 1.0, average_fraction((7, 2.33, "C+", None, None, None), 2.4)
    (True, 1.0)
    """
    if points is None:
        return 0.0
    return 1.0 if points >= avg[1] - _EPS else points / avg[1]


def average_json(avg: Compiled) -> dict[str, Any]:
    """A compiled average as SPEC writes it (for ``missing`` and ``also_needs``).

    >>> average_json((7, 3.0, "B", ("U:A",), None, None))
    {'average': 'B', 'of': [{'node': 'U:A'}]}
    """
    where: Filter | None = avg[4]
    return average_to_json(Average(avg[2], avg[3], where, avg[5]))


def with_averages(p: Progress, rest: int, averages: Sequence[Compiled], points: Sequence[float | None]) -> Progress:
    """Progress ``p`` toward the ``rest`` other children of a requirement's top-level ``all``
    (or toward nothing, ``rest`` 0) made progress toward the whole: each of ``averages`` one
    more child of that ``all``, and those not met added to what is ``missing``.

    >>> p = Progress(fraction=0.5, uses=("U:A",), missing={"node": "U:B"})
    >>> w = with_averages(p, 2, [(7, 3.0, "B", ("U:A",), None, None)], [2.0])
    >>> round(w.fraction, 3), w.missing
    (0.556, {'all': [{'node': 'U:B'}, {'average': 'B', 'of': [{'node': 'U:A'}]}]})
    """
    if not averages:
        return p
    fractions = [average_fraction(avg, pts) for avg, pts in zip(averages, points, strict=True)]
    fraction = (sum(fractions) + rest * p.fraction) / (rest + len(averages))
    parts: list[dict[str, Any]] = []
    if p.missing is not None:
        parts = list(p.missing["all"]) if set(p.missing) == {"all"} else [p.missing]
    parts += [average_json(avg) for avg, f in zip(averages, fractions, strict=True) if f < 1.0]
    missing = None if not parts else parts[0] if len(parts) == 1 else {"all": parts}
    return Progress(fraction=fraction, uses=p.uses, missing=missing)


def averaged_progress(shape: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate], points: Callable[[Compiled], float | None]) -> Progress:
    """Progress toward a requirement with averages (its :func:`~pathways.engine.index.compile_shape`).

    The averages directly under its top-level ``all`` or ``any`` (or the requirement, an
    average) count with their fractions: under the ``all`` as children (:func:`with_averages`),
    under the ``any`` as branches (:func:`_either`); when one other part is left, the same
    goes for it in turn. Anything else is :func:`settled <pathways.engine.index.settle>`, each
    average met or not by its ``points``, and its best progress taken: a met average counts as
    met there, one not met as nothing (named in ``missing`` only when it keeps its part from
    being met at all, which is then missing whole).

    >>> avg = (7, 3.0, "B", ("U:A",), None, None)
    >>> averaged_progress(avg, (), [], lambda a: 1.5)
    Progress(fraction=0.5, uses=(), missing={'average': 'B', 'of': [{'node': 'U:A'}]})
    """
    tag = shape[0]
    kids = shape[1] if tag in (ALL, ANY) else (shape,)
    beside = [c for c in kids if c[0] == AVERAGE]
    rest = tuple(c for c in kids if c[0] != AVERAGE)
    p = Progress(fraction=0.0, uses=(), missing=None)
    if len(rest) == 1 and rest[0] is not shape:
        p = averaged_progress(rest[0], slots, cands, points)
    elif rest:
        part = (tag, rest) if tag in (ALL, ANY) else shape
        tree, _ = settle(part, lambda avg: average_met(avg, points(avg)))
        if tree is TRUE:
            p = Progress(fraction=1.0, uses=(), missing=None)
        elif tree is FALSE:
            p = Progress(fraction=0.0, uses=(), missing=shape_json(part))
        else:
            p = best_progress(tree, slots, cands)
    if tag == ANY and beside:
        return _either(p, kids, [points(avg) for avg in beside])
    return with_averages(p, len(rest), beside, [points(avg) for avg in beside])


def _either(p: Progress, kids: Sequence[Compiled], points: Sequence[float | None]) -> Progress:
    """Progress toward an ``any`` of ``kids``, progress ``p`` toward those not averages (when
    any), and the ``points`` of those that are: the best fraction, no holdings used when an
    average's is (ties too), and ``missing`` every way still open, in order.

    >>> avg = (7, 3.0, "B", ("U:A",), None, None)
    >>> _either(Progress(0.5, ("U:C",), {"node": "U:D"}), [avg, (0, 0, "U:D", None, None)], [2.25])
    Progress(fraction=0.75, uses=(), missing={'any': [{'average': 'B', 'of': [{'node': 'U:A'}]}, {'node': 'U:D'}]})
    """
    averages = [kid for kid in kids if kid[0] == AVERAGE]
    best = max(average_fraction(avg, pts) for avg, pts in zip(averages, points, strict=True))
    rest = len(averages) < len(kids)
    if best >= 1.0 or (rest and p.missing is None):
        return Progress(fraction=1.0, uses=() if best >= 1.0 else p.uses, missing=None)
    others = [] if not rest or p.missing is None else list(p.missing["any"]) if set(p.missing) == {"any"} else [p.missing]
    parts: list[dict[str, Any]] = []
    for kid in kids:
        if kid[0] == AVERAGE:
            parts.append(average_json(kid))
        elif others:
            parts += others
            others = []
    used = rest and p.fraction > best
    return Progress(fraction=p.fraction if used else best, uses=p.uses if used else (), missing=parts[0] if len(parts) == 1 else {"any": parts})


def shape_json(shape: Compiled) -> dict[str, Any]:
    """A compiled requirement, averages and all, as SPEC writes it.

    >>> shape_json((ANY, ((7, 3.0, "B", ("U:A",), None, None), (LEAF, 0, "U:B", None, None))))
    {'any': [{'average': 'B', 'of': [{'node': 'U:A'}]}, {'node': 'U:B'}]}
    """
    tag = shape[0]
    if tag == AVERAGE:
        return average_json(shape)
    if tag == LEAF:
        return leaf_json(shape)
    if tag == COMPETENCY:
        return {"competency": shape[2]}
    if tag == POOL:
        return requirement_to_json(CreditsWhere(shape[2], shape[3], shape[4]))
    kids = [shape_json(child) for child in shape[-1]]
    if tag == ALL:
        return {"all": kids}
    if tag == ANY:
        return {"any": kids}
    if tag == AT_LEAST:
        return {"at_least": shape[1], "of": kids}
    return {shape[2]: number(shape[1]), "of": kids}
