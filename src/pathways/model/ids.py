"""Identifiers: 1-200 characters, no whitespace or control characters (SPEC section 2).

Example:
    >>> id_problem("UFV:GD157") is None
    True
    >>> id_problem("UFV GD157")
    'an id must not contain whitespace or control characters'
"""

from __future__ import annotations

import re

__all__ = ["ID_JSON_SCHEMA", "id_problem"]

# The same set as ``ch.isspace() or ord(ch) < 32 or 127 <= ord(ch) < 160`` (checked over every
# code point), as one regex: ids are checked millions of times when a large graph is loaded.
_FORBIDDEN_CLASS = r"\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_FORBIDDEN = re.compile(f"[{_FORBIDDEN_CLASS}]")

ID_JSON_SCHEMA: dict[str, object] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": f"^[^{_FORBIDDEN_CLASS}]+$",
}
"""An id in the published JSON schemas: the rule :func:`id_problem` checks, as a pattern."""


def id_problem(value: object) -> str | None:
    """What is wrong with ``value`` as an id, or ``None`` when it is a valid id."""
    if not isinstance(value, str):
        return "an id must be a string"
    if not 1 <= len(value) <= 200:
        return f"an id must be 1-200 characters, got {len(value)}"
    if _FORBIDDEN.search(value):
        return "an id must not contain whitespace or control characters"
    return None
