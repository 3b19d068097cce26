"""Anti-requisites (SPEC section 4, second edition, amendment 5): which held nodes lose.

A node may list ``excludes`` (credit for only one of them counts at an institution); the
engine reads the relation both ways (:attr:`Engine.excludes`). Among held nodes that exclude
each other the first earned wins (a node presented several times: its first attempt; a
repeatable node: its first copy earned, and all its copies lose together), then the higher
credits, then the smaller id. Winners are chosen greedily in that order: a node
counts unless a node already counting excludes it, so with A excluding B and B excluding C
(A and C compatible), holding all three, A and C count and B loses. A losing node is still
held; it only counts in no rule granted by its own institution (:class:`~pathways.engine.rounds.Run`
leaves it out of those rules' candidates).

Example:
    >>> import datetime as dt
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": "U:M100", "kind": "course", "institution": "U", "title": "M100", "credits": 1.5,
    ...                "excludes": ["U:M102"]},
    ...               {"id": "U:M102", "kind": "course", "institution": "U", "title": "M102", "credits": 1.5}]})
    >>> day = dt.date(2024, 9, 1)
    >>> held = {n: HoldingState(n, 1.5, day, None, frozenset((n,))) for n in ("U:M102", "U:M100")}
    >>> losers(Engine(doc), held, {})
    {'U:M102': 'U'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .holdings import HoldingState
from .index import Engine

__all__ = ["losers"]


def losers(engine: Engine, held: Mapping[str, HoldingState], attempts: Mapping[str, Sequence[HoldingState]]) -> dict[str, str]:
    """The held nodes that lose to a held anti-requisite, each with the institution it does
    not count at (its own).

    ``attempts`` holds the attempts of nodes presented more than once (the first earned of
    them decides); every other node is decided by its holding in ``held``.
    """
    excludes = engine.excludes
    if not excludes:
        return {}
    holdings: dict[str, list[HoldingState]] = {}  # a repeatable node's copies decide together
    for key, h in held.items():
        if h.node in excludes:
            holdings.setdefault(h.node, []).extend(attempts.get(key, (h,)))
    contenders = list(holdings)
    if len(contenders) < 2:
        return {}

    def order(n: str) -> tuple[object, ...]:
        first, credits = min((h.earned, -h.credits) for h in holdings[n])
        return first, credits, n

    counted: set[str] = set()
    out: dict[str, str] = {}
    for n in sorted(contenders, key=order):
        if excludes[n].isdisjoint(counted):
            counted.add(n)
            continue
        institution = engine.nodes[n].institution
        if institution is not None:
            out[n] = institution
    return out
