"""Dates in input: ISO 8601 text (``"2026-11-22"``) only.

Pydantic, left lax, reads a number as a Unix timestamp (``"as_of": 0.0`` was 1970-01-01);
SPEC's dates are text, so anything but a date string (or a ``date`` built in code) is refused.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(IsoDate).validate_python("2026-11-22")
    datetime.date(2026, 11, 22)
    >>> TypeAdapter(IsoDate).validate_python(0.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pydantic_core._pydantic_core.ValidationError: 1 validation error ...
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["IsoDate"]


def _iso_text(value: object) -> object:
    if isinstance(value, (str, dt.date)):
        return value
    raise ValueError(f'a date is text such as "2026-11-22", not {type(value).__name__}')


IsoDate = Annotated[dt.date, BeforeValidator(_iso_text)]
"""A ``date`` read from ISO text only."""
