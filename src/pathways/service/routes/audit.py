"""``GET /audit``: every write, who (the token's role), when and what (admin and council)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...errors import InvalidInput
from ...store import AuditEntry
from ..auth import forbid
from ..dependencies import CurrentStore, Writer
from ..openapi import answers
from ..paging import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="The audit log, oldest first", responses=answers(401, 403, 422, 503))
def audit(
    role: Writer,
    store: CurrentStore,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    actor: Annotated[str | None, Query(description="only writes by this role")] = None,
) -> dict[str, Any]:
    """Entries ``{"seq", "at", "actor", "action", "changes": [{"entity", "id", "op"}]}``."""
    if not role.may_read_audit():
        raise forbid(role, "read the audit log (admin and council may)")
    last = decode_cursor(cursor)
    if last is not None and not last.isdigit():
        raise InvalidInput.one("cursor", "not a cursor this service issued")
    after = int(last) if last is not None else None
    entries: list[AuditEntry] = []
    while len(entries) <= limit:
        batch = store.audit(limit=limit + 1, after=after)
        entries.extend(e for e in batch if actor is None or e.actor == actor)
        if len(batch) <= limit:
            break
        after = batch[-1].seq
    return page(entries, limit, lambda e: str(e.seq), lambda e: e.as_json())
