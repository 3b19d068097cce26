"""The ``plan`` command: the cheapest routes from a learner's holdings to a target (SPEC section 5).

``pathways plan HOLDINGS.json --target NODE [--objective O] [--alternatives K] [--institution I ...]
[--exclude N ...]``. Human-readable by default: each plan as steps, each item with its hours,
cost and what it counts toward; ``--json`` prints exactly the API's JSON.

Example:
    >>> money(350), money(12.5), money(None)
    ('$350', '$12.50', 'cost ?')
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..answers import node_summaries, plan_nodes
from ..engine import Engine, PlanResult, plan
from ..errors import InvalidInput
from ..io.document import read_json
from ..io.openbadges import badge_claims
from ..model import PlanRequest
from . import Context
from .evaluate import HOLDINGS_FORMAT

__all__ = ["money", "plan_lines", "register"]

_UNITS = {"hours": "h", "cost": "$", "credits": "credits", "items": "items"}


def register(sub: Any) -> None:
    """Add ``plan`` to the ``pathways`` parser."""
    p = sub.add_parser("plan", help="the proven cheapest routes from holdings to a target node",
                       description="The proven cheapest routes from the holdings in HOLDINGS.json to the target node.",
                       epilog=HOLDINGS_FORMAT + ". The file may also be a whole POST /plan body; the options override its fields.")
    p.add_argument("holdings", metavar="HOLDINGS.json", help="an evaluation input, or a bare list of holdings (docs/holdings.md)")
    p.add_argument("--target", required=True, metavar="NODE", help="the node to earn")
    p.add_argument("--objective", choices=("hours", "cost", "credits", "items"), help="what to minimize (default: hours)")
    p.add_argument("--alternatives", type=int, metavar="K", help="how many best plans, 1-10 (default: 1)")
    p.add_argument("--institution", action="append", metavar="I", dest="institutions",
                   help="study only at this institution (repeat for several)")
    p.add_argument("--exclude", action="append", metavar="N", help="a node not to take (repeat for several)")
    p.add_argument("--as-of", metavar="DATE", help="plan as of this ISO date (default: the file's as_of, else today)")
    p.add_argument("--include-pilot", action="store_true", help="count pilot rules too")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(handler=_plan)


def _request(args: argparse.Namespace) -> PlanRequest:
    data = read_json(args.holdings)
    body: dict[str, Any] = {"holdings": data} if isinstance(data, list) else dict(data) if isinstance(data, dict) else {"holdings": data}
    body["target"] = args.target
    for key in ("objective", "alternatives", "institutions", "exclude"):
        value = getattr(args, key)
        if value is not None:
            body[key] = value
    if args.as_of is not None:
        try:
            body["as_of"] = dt.date.fromisoformat(args.as_of).isoformat()
        except ValueError:
            raise InvalidInput.one("--as-of", f"not an ISO date: {args.as_of!r}") from None
    if args.include_pilot:
        body["include_pilot"] = True
    return PlanRequest.from_json(body)


def _plan(args: argparse.Namespace, ctx: Context) -> int:
    request = _request(args)
    engine = ctx.engine()
    result = plan(engine, request, badges=badge_claims(request.credentials))
    if args.json:
        answer = result.to_json()
        ctx.print_json(answer | {"nodes": plan_nodes(answer, node_summaries(engine))})
    else:
        print("\n".join(plan_lines(engine, result)))
    return 0


def money(x: float | None) -> str:
    """A cost for people: dollars, cents only when there are some."""
    if x is None:
        return "cost ?"
    return f"${x:.0f}" if float(x).is_integer() else f"${x:.2f}"


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _total(objective: str, total: float) -> str:
    if objective == "cost":
        return money(total)
    if objective == "hours":
        return f"{_number(total)} h"
    return f"{_number(total)} {_UNITS[objective]}"


def plan_lines(engine: Engine, result: PlanResult) -> list[str]:
    """The plans as a learner reads them: steps, items with hours and cost, what each counts toward."""
    if not result.feasible:
        return [f"No plan earns {result.target}.", f"  why: {result.reason}"]
    lines: list[str] = []
    for i, p in enumerate(result.plans, 1):
        if not p.items:
            how = f" (by {p.granted[-1].rule})" if p.granted else ""
            lines.append(f"The holdings already earn {result.target}{how}: nothing to take.")
            continue
        head = f"Plan {i}" if len(result.plans) > 1 else "Plan"
        lines.append(f"{head} for {result.target}: {len(p.items)} item(s), {_total(result.objective, p.total)} ({result.objective})")
        for s, step in enumerate(p.sequence, 1):
            lines.append(f"  step {s}:")
            for n in step:
                node = engine.nodes[n]
                hours = "hours ?" if node.hours is None else f"{_number(node.hours)} h"
                toward = ", ".join(p.counts_toward(n)) or "-"
                again = "  (retake)" if n in p.retakes else ""
                facts = f"({hours}, {money(node.cost)}, {_number(node.credits)} credits)"
                lines.append(f"    {n:<18} {node.title}  {facts}  -> {toward}{again}")
        for h in p.granted:
            lines.append(f"  earns {h.node} by {h.rule} ({h.kind}, {h.granted_by})")
    return lines
