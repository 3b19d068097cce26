"""Identifiers: 1-200 characters, no whitespace or control characters (SPEC section 2).

Example:
    >>> id_problem("UFV:GD157") is None
    True
    >>> id_problem("UFV GD157")
    'an id must not contain whitespace or control characters'
"""

from __future__ import annotations

__all__ = ["id_problem"]


def id_problem(value: object) -> str | None:
    """What is wrong with ``value`` as an id, or ``None`` when it is a valid id."""
    if not isinstance(value, str):
        return "an id must be a string"
    if not 1 <= len(value) <= 200:
        return f"an id must be 1-200 characters, got {len(value)}"
    if any(ch.isspace() or ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        return "an id must not contain whitespace or control characters"
    return None
