"""Pages of list routes: ``limit`` (default 50, at most 1000) and an opaque ``cursor``.

A cursor is the URL-safe base64 of the last id of the previous page; a response is
``{"items": [...], "next_cursor": CURSOR_OR_NULL}``.

Example:
    >>> decode_cursor(encode_cursor("UFV:GD157"))
    'UFV:GD157'
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query

from ..errors import InvalidInput

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Cursor", "Limit", "decode_cursor", "encode_cursor", "page"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


def encode_cursor(last_id: str) -> str:
    """The opaque cursor following ``last_id``."""
    return base64.urlsafe_b64encode(last_id.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, path: str = "cursor") -> str | None:
    """The last id a cursor stands for; 422 naming ``path`` when it is not one of ours."""
    if cursor is None or cursor == "":
        return None
    try:
        last = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        last = ""
    if not last:
        raise InvalidInput.one(path, "not a cursor this service issued")
    return last


def page(items: Sequence[T], limit: int, key: Callable[[T], str], render: Callable[[T], Any]) -> dict[str, Any]:
    """A page from ``limit + 1`` fetched items: the first ``limit``, and a cursor when more remain."""
    shown = list(items[:limit])
    more = len(items) > limit
    return {"items": [render(x) for x in shown], "next_cursor": encode_cursor(key(shown[-1])) if more and shown else None}
