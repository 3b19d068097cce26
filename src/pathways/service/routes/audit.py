"""``GET /audit``: every write, who (the token's role), when and what, field by field (admin and council)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...errors import InvalidInput
from ...store import AuditQuery, parse_since
from ..auth import forbid
from ..dependencies import CurrentStore, Writer
from ..openapi import answers
from ..paging import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="The audit log, oldest first, filtered", responses=answers(401, 403, 422, 503))
def audit(
    role: Writer,
    store: CurrentStore,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    entity: Annotated[str | None, Query(description="only writes that changed this institution, node or rule id")] = None,
    actor: Annotated[str | None, Query(description="only writes by this role")] = None,
    since: Annotated[str | None, Query(description="only writes at or after this ISO date or date-time (UTC unless it says)")] = None,
) -> dict[str, Any]:
    """Entries ``{"seq", "at", "actor", "action", "changes": [{"entity", "id", "op",
    "changes": [{"field", "before", "after"}]}]}``: every top-level field a write changed,
    as it was and as it became (``null``: absent)."""
    if not role.may_read_audit():
        raise forbid(role, "read the audit log (admin and council may)")
    last = decode_cursor(cursor)
    if last is not None and not last.isdigit():
        raise InvalidInput.one("cursor", "not a cursor this service issued")
    query = AuditQuery(entity=entity, actor=actor, since=parse_since(since), limit=limit + 1,
                       after=int(last) if last is not None else None)
    return page(store.audit(query), limit, lambda e: str(e.seq), lambda e: e.as_json())
