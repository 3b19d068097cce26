"""The ``{id}`` segment of entity URLs: any text, slashes, spaces and control characters included.

Starlette's ``path`` convertor stops at a newline (its regex is ``.*``), so ``PUT /nodes/%0A``
matched no route and answered a bare 404. With this convertor every id reaches its route,
which answers as for any id: a 404 for one the store does not hold, a 422 naming ``id`` for a
PUT of one that breaks the id rule.

Example:
    >>> from starlette.routing import compile_path
    >>> bool(compile_path(f"/nodes/{ID}")[0].match("/nodes/UFV:GD157/x\\ny"))
    True
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

__all__ = ["ID"]


class _AnyText(Convertor[str]):
    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("entity_id", _AnyText())

ID = "{id:entity_id}"
"""The path segment of an entity's id, for route paths: ``f"/{ID}"``."""
