"""Registrar commands: ``audit`` (who changed what, field by field) and ``impact`` (what a
rule change would gain or lose, before making it).

Both read the configured store directly, as ``pathways validate`` does; neither writes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..engine.impact import impact, parse_change
from ..errors import InvalidInput
from ..io.document import read_json
from ..store import AuditEntry, AuditQuery, parse_since
from . import Context

__all__ = ["register"]

_AUDIT_LIMIT = 1000


def register(sub: Any) -> None:
    """Add the registrar commands to the ``pathways`` parser."""
    p = sub.add_parser("audit", help="the audit log: every write, who, when and each changed field before and after")
    p.add_argument("--entity", metavar="ID", help="only writes that changed this institution, node or rule")
    p.add_argument("--actor", metavar="ROLE", help="only writes by this role (admin, registrar:INST, cli...)")
    p.add_argument("--since", metavar="D", help="only writes at or after this ISO date or date-time (UTC unless it says)")
    p.add_argument("--limit", type=int, default=_AUDIT_LIMIT, metavar="N", help=f"at most N entries (default {_AUDIT_LIMIT})")
    p.add_argument("--json", action="store_true", help="print the entries as GET /audit's JSON items")
    p.set_defaults(handler=_audit)

    p = sub.add_parser("impact", help="what ending or changing a rule would gain and lose (reach pairs, credentials' routes)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--end", metavar="RULE", help="end this rule on --date")
    which.add_argument("--change", metavar="FILE", help="a proposed rule (pathways/1 JSON): new, or replacing the one with its id")
    p.add_argument("--date", metavar="D", help="the day compared after (ISO date; default today)")
    p.add_argument("--json", action="store_true", help="print POST /impact's JSON")
    p.set_defaults(handler=_impact)


def _value(value: object) -> str:
    return "-" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _print_entry(entry: AuditEntry) -> None:
    print(f"#{entry.seq} {entry.at.isoformat(timespec='seconds')} {entry.actor}: {entry.action}")
    for change in entry.changes:
        print(f"  {change.op} {change.entity} {change.id}")
        if change.op == "updated":
            for f in change.fields:
                print(f"    {f.field}: {_value(f.before)} -> {_value(f.after)}")


def _audit(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 1:
        raise InvalidInput.one("--limit", f"must be at least 1, got {args.limit}")
    query = AuditQuery(entity=args.entity, actor=args.actor, since=parse_since(args.since, "--since"), limit=args.limit)
    entries = ctx.store().audit(query)
    if args.json:
        ctx.print_json([e.as_json() for e in entries])
        return 0
    for entry in entries:
        _print_entry(entry)
    print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    return 0


def _impact(args: argparse.Namespace, ctx: Context) -> int:
    body: dict[str, Any] = {"end": args.end} if args.end else {"rule": read_json(args.change)}
    if args.date:
        body["date"] = args.date
    engine = ctx.engine()
    result = impact(engine, parse_change(engine, body)).to_json()
    if args.json:
        ctx.print_json(result)
        return 0
    change = result["change"]
    print(f"ending {change['end']} on {change['date']}" if "end" in change else f"saving rule {change['rule']}")
    for part in ("reach", "routes"):
        for side in ("lost", "gained"):
            items = result[part][side]
            print(f"{part} {side}: {len(items)}")
            for item in items:
                print(f"  {_impact_line(item)}")
    print("stored evaluations: 0 (pathways keeps none)")
    return 0


def _impact_line(item: dict[str, str]) -> str:
    """One reach pair (``source -> target``) or route (``credential by rule from source``)."""
    if "credential" in item:
        return f"{item['credential']} by {item['rule']} from {item['source']}"
    return f"{item['source']} -> {item['target']}"
