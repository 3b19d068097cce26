"""Letter grades and their order (SPEC section 3).

``A+`` is the highest letter, ``F`` the lowest; ``P`` (pass / complete) and no grade meet
only requirements without ``min_grade``. A holding graded ``F`` is not held at all.

Example:
    >>> meets_min_grade("B+", "B")
    True
    >>> meets_min_grade("P", "C")
    False
"""

from __future__ import annotations

__all__ = ["FAIL", "GRADES", "GRADE_POINTS", "LETTERS", "PASS", "counted_grade", "grade_rank", "is_grade", "lowest_letter", "meets_grade", "meets_min_grade"]

LETTERS: tuple[str, ...] = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
"""Letter grades, best first."""

PASS = "P"
FAIL = "F"
GRADES: frozenset[str] = frozenset((*LETTERS, PASS))

_RANK = {letter: len(LETTERS) - i for i, letter in enumerate(LETTERS)}

GRADE_POINTS: dict[str, float] = {
    "A+": 4.33, "A": 4.0, "A-": 3.67, "B+": 3.33, "B": 3.0, "B-": 2.67, "C+": 2.33,
    "C": 2.0, "C-": 1.67, "D+": 1.33, "D": 1.0, "D-": 0.67, "F": 0.0,
}
"""Grade points of each letter on the 4.33 scale averages are taken on (second edition,
amendment 7): a third of a point between neighbouring letters, as most North American
registrars count them."""


def is_grade(value: object) -> bool:
    """Whether ``value`` is one of the grade symbols SPEC names."""
    return isinstance(value, str) and value in GRADES


def meets_min_grade(grade: str | None, min_grade: str | None) -> bool:
    """Whether a holding graded ``grade`` meets a leaf asking ``min_grade``.

    ``F`` meets nothing; ``P`` or no grade meets only leaves without ``min_grade``.
    """
    if grade == FAIL:
        return False
    if min_grade is None:
        return True
    if grade is None or grade == PASS:
        return False
    return _RANK[grade] >= _RANK[min_grade]


def meets_grade(grade: str | None, min_grade: str | None, max_grade: str | None = None) -> bool:
    """Whether a holding graded ``grade`` meets a leaf asking ``min_grade`` and at most ``max_grade``.

    A grade range (CUNY: "C or better -> MATH 115, below C -> blanket credit") asks a letter:
    ``P`` or no grade meets a leaf with either bound only where :func:`meets_min_grade` says so
    for ``min_grade``, and never a ``max_grade``.

    >>> meets_grade("D", None, "C-"), meets_grade("B", None, "C-"), meets_grade("P", None, "C-")
    (True, False, False)
    """
    if not meets_min_grade(grade, min_grade):
        return False
    if max_grade is None:
        return True
    return grade in _RANK and _RANK[grade] <= _RANK[max_grade]


def counted_grade(grade: str | None, pass_counts_as: str | None) -> str | None:
    """The grade a rule reads: ``P`` counts as ``pass_counts_as`` where the rule says so.

    >>> counted_grade("P", "C"), counted_grade("P", None), counted_grade("B", "C")
    ('C', 'P', 'B')
    """
    return pass_counts_as if grade == PASS and pass_counts_as is not None else grade


def grade_rank(grade: str | None) -> int:
    """The rank of a letter grade (``A+`` highest, ``F`` 1); ``P`` and no grade rank 0.

    >>> grade_rank("A+") > grade_rank("B") > grade_rank("F") > grade_rank("P")
    True
    """
    return _RANK.get(grade, 0) if grade is not None else 0


def lowest_letter(grades: list[str | None]) -> str:
    """The lowest letter grade among ``grades``, or ``P`` when none is a letter.

    >>> lowest_letter(["A", None, "B-", "P"])
    'B-'
    """
    letters = [g for g in grades if g is not None and g in _RANK]
    if not letters:
        return PASS
    return min(letters, key=_RANK.__getitem__)
