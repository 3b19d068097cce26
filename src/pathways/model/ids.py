"""Identifiers: 1-200 characters, no whitespace or control characters (SPEC section 2).

Example:
    >>> id_problem("UFV:GD157") is None
    True
    >>> id_problem("UFV GD157")
    'an id must not contain whitespace or control characters'
"""

from __future__ import annotations

import re

__all__ = ["id_problem"]

# The same set as ``ch.isspace() or ord(ch) < 32 or 127 <= ord(ch) < 160`` (checked over every
# code point), as one regex: ids are checked millions of times when a large graph is loaded.
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def id_problem(value: object) -> str | None:
    """What is wrong with ``value`` as an id, or ``None`` when it is a valid id."""
    if not isinstance(value, str):
        return "an id must be a string"
    if not 1 <= len(value) <= 200:
        return f"an id must be 1-200 characters, got {len(value)}"
    if _FORBIDDEN.search(value):
        return "an id must not contain whitespace or control characters"
    return None
