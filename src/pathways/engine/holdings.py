"""Holdings inside an evaluation: direct or derived, with the dates and grades rules check.

:class:`HoldingState` is one held node as evaluation sees it (SPEC section 1: a holding, its
lineage, and for a derived one the rule that granted it). It is a named tuple rather than a
dataclass because an evaluation at CUNY scale creates over a thousand of them, and a tuple is
the cheapest immutable record Python builds.

Example:
    >>> h = HoldingState("U:A", 3.0, dt.date(2025, 1, 10), "B", frozenset({"U:A"}))
    >>> h.direct, h.round
    (True, 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from ..model import Holding

__all__ = ["HoldingState", "Windowed", "copy_key", "disjoint_credits", "in_window", "node_id", "number", "synthetic_holdings",
           "years_before"]


_NUMBERS: dict[float, int | float] = {}
""":func:`number` of the values met so far (an answer renders a few credit values hundreds of
times, and rounding to digits is slow), up to :data:`_MAX_NUMBERS` of them."""

_MAX_NUMBERS = 4096


def number(x: float) -> int | float:
    """A JSON number: integral values as int, others rounded to 6 decimals.

    >>> number(3.0), number(2.5), number(0.1 + 0.2)
    (3, 2.5, 0.3)
    """
    known = _NUMBERS.get(x)
    if known is not None:
        return known
    r = round(x, 6)
    out = int(r) if float(r).is_integer() else r
    if len(_NUMBERS) < _MAX_NUMBERS:
        _NUMBERS[x] = out
    return out


class HoldingState(NamedTuple):
    """A holding in an evaluation: direct (``rule`` is ``None``) or derived by a rule.

    ``lineage`` is the set of direct holdings it stands on; ``uses`` the nodes of the holdings
    its rule used (a repeatable node once per copy); ``round`` the derivation round (0 for
    direct holdings).
    """

    node: str
    credits: float
    earned: dt.date
    grade: str | None
    lineage: frozenset[str]
    rule: str | None = None
    kind: str | None = None
    granted_by: str | None = None
    uses: tuple[str, ...] = ()
    round: int = 0
    not_applied: float = 0.0
    """Recognized credits of ``uses`` past the credential's ``max_recognized_credits``."""
    used: tuple[str, ...] = ()
    """The holdings used by their keys in an evaluation's ``held`` (:func:`copy_key`), when one
    of them is a further copy of a repeatable node; else empty (``uses`` are the keys)."""

    @property
    def used_keys(self) -> tuple[str, ...]:
        """The keys of the holdings its rule used, in an evaluation's ``held``."""
        return self.used or self.uses

    @property
    def direct(self) -> bool:
        """Whether the learner presented this holding (rather than a rule deriving it)."""
        return self.rule is None

    def to_json(self) -> dict[str, Any]:
        """A ``granted`` entry of SPEC section 4 (meaningful for derived holdings)."""
        return {
            "node": self.node,
            "credits": number(self.credits),
            "rule": self.rule,
            "kind": self.kind,
            "granted_by": self.granted_by,
            "earned": self.earned.isoformat(),
            "grade": self.grade,
            "uses": list(self.uses),
            "lineage": sorted(self.lineage),
            "not_applied": number(self.not_applied),
        }


def copy_key(node: str, count: int) -> str:
    """The key the ``count``-th holding of a repeatable node is held under in :attr:`pathways.engine.rounds.Run.held`:
    the node id for the first, then the id, a space (no id has one) and the number.

    >>> copy_key("UNBC:HIST-1ST", 1), copy_key("UNBC:HIST-1ST", 2)
    ('UNBC:HIST-1ST', 'UNBC:HIST-1ST 2')
    """
    return node if count == 1 else f"{node} {count}"


def node_id(key: str) -> str:
    """The node a holding key (:func:`copy_key`) holds.

    >>> node_id("UNBC:HIST-1ST 2"), node_id("UNBC:HIST-1ST")
    ('UNBC:HIST-1ST', 'UNBC:HIST-1ST')
    """
    return key.partition(" ")[0]


def years_before(day: dt.date, years: float) -> dt.date:
    """``day`` minus ``years`` (calendar years; a fraction of a year as days of 365.2425).

    >>> years_before(dt.date(2024, 2, 29), 1), years_before(dt.date(2026, 1, 1), 0.5)
    (datetime.date(2023, 2, 28), datetime.date(2025, 7, 2))
    """
    whole = int(years)
    try:
        out = day.replace(year=day.year - whole)
    except ValueError:  # 29 February in a year that has none
        out = day.replace(year=day.year - whole, day=28)
    return out - dt.timedelta(days=round((years - whole) * 365.2425))


class Windowed(Protocol):
    """What :func:`in_window` reads of a rule (a :class:`~pathways.model.Rule` or a compiled one)."""

    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_to(self) -> dt.date | None: ...
    @property
    def max_age_years(self) -> float | None: ...


def in_window(rule: Windowed, earned: dt.date, as_of: dt.date) -> bool:
    """Whether a holding earned on ``earned`` may be used by ``rule`` on ``as_of`` (SPEC section 4,
    condition 1: inside the agreement window and, with ``max_age_years``, young enough).

    >>> from types import SimpleNamespace as R
    >>> in_window(R(valid_from=None, valid_to=None, max_age_years=2), dt.date(2023, 1, 1), dt.date(2026, 1, 1))
    False
    """
    lo = rule.valid_from
    if rule.max_age_years is not None:
        oldest = years_before(as_of, float(rule.max_age_years))
        lo = oldest if lo is None or oldest > lo else lo
    return (lo is None or earned >= lo) and (rule.valid_to is None or earned <= rule.valid_to)


def disjoint_credits(holdings: Iterable[HoldingState]) -> float:
    """At most the credits that holdings with pairwise disjoint lineages, chosen among ``holdings``, carry.

    A rule uses holdings with pairwise disjoint lineages (SPEC section 4), so the courses that
    one holding was transferred to, all sharing its lineage, count once. Bounded from above by
    giving each direct holding of a lineage the most credits of a holding that stands on it
    (a chosen holding's credits are at most that of any direct holding in its lineage), and by
    the plain sum. The planner's bounds use it: the learner's ten courses, carried on by
    transfer to hundreds of equivalents, do not fill a 36-credit pool by themselves.

    >>> d = dt.date(2025, 1, 10)
    >>> copies = [HoldingState(n, 3.0, d, "A", frozenset({"U:A"})) for n in ("V:A", "W:A", "X:A")]
    >>> disjoint_credits(copies + [HoldingState("U:B", 4.0, d, "A", frozenset({"U:B"}))])
    7.0
    """
    most: dict[str, float] = {}
    plain = 0.0
    for h in holdings:
        plain += h.credits
        for root in h.lineage:
            if h.credits > most.get(root, 0.0):
                most[root] = h.credits
    return min(plain, sum(most.values()))


def synthetic_holdings(nodes: Iterable[str], as_of: dt.date) -> list[Holding]:
    """Holdings the planner adds: each node earned on ``as_of`` with grade ``A+`` (meets every min_grade)."""
    return [Holding(node=n, grade="A+", earned=as_of) for n in nodes]
