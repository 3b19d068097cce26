"""Strict JSON decoding of untrusted input: request bodies and the files the CLI reads.

Python's :func:`json.loads` accepts what is not JSON (``NaN``, ``Infinity``) and fails on
hostile input with errors no caller expects: a ``RecursionError`` for arrays nested some
thousand deep, a ``ValueError`` for an integer of more than 4,300 digits (the interpreter's
limit on int-from-string conversion), and it turns ``1e400`` into an infinite float that
JSON cannot carry back out. :func:`decode_json` turns each into an
:class:`~pathways.errors.InvalidInput` naming the problem, and refuses nesting deeper than
:data:`MAX_DEPTH` levels, so nothing downstream (validation, storage, the response encoder)
recurses further than that.

Example:
    >>> decode_json(b'{"holdings": [{"node": "UFV:PS-ESS"}]}')["holdings"][0]["node"]
    'UFV:PS-ESS'
    >>> decode_json(b"[" * 100_000)
    Traceback (most recent call last):
    pathways.errors.InvalidInput: JSON nested deeper than 64 levels
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from ..errors import InvalidInput

__all__ = ["MAX_DEPTH", "decode_json"]

MAX_DEPTH = 64
"""The deepest nesting of arrays and objects accepted; SPEC's documents and requests need under ten."""


def _constant(name: str) -> Any:
    raise InvalidInput.one("", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput.one("", f"the number {text[:20]} is too large for a double")
    return value


def decode_json(raw: bytes | str, *, where: str = "") -> Any:
    """The JSON value in ``raw``, or :class:`InvalidInput` at path ``where`` naming what is wrong.

    ``where`` locates the input in the error: empty for a request body, a file name for a file.
    """
    if isinstance(raw, bytes):
        try:
            # JSON is UTF-8 (RFC 8259); json.loads would guess UTF-16 or -32 from the first bytes
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput.one(where, "not UTF-8") from None
    if not raw.strip():
        raise InvalidInput.one(where, "empty: expected JSON")
    try:
        data = json.loads(raw, parse_constant=_constant, parse_float=_finite)
    except InvalidInput as err:
        raise InvalidInput.one(where, err.problems[0].message) from None
    except json.JSONDecodeError as err:
        raise InvalidInput.one(where, f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise InvalidInput.one(where, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        # the only other ValueError json raises: int() refuses more digits than the interpreter's
        # limit (sys.set_int_max_str_digits, the CVE-2020-10735 guard)
        raise InvalidInput.one(where, f"an integer of more than {sys.get_int_max_str_digits()} digits") from None
    if _depth_over(data, MAX_DEPTH):
        raise InvalidInput.one(where, f"JSON nested deeper than {MAX_DEPTH} levels")
    return data


def _depth_over(data: Any, limit: int) -> bool:
    """Whether arrays and objects in ``data`` nest deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, (dict, list)) else []
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
