"""Evaluation commands: ``evaluate HOLDINGS.json`` and ``reach NODE``.

Human-readable by default: each grant is printed as a small tree of the holdings it used,
down to what the learner presented, so a learner sees why it fired. ``--json`` prints
exactly the API's JSON (SPEC section 4, shaped as ``POST /evaluate`` shapes it: node titles
beside ids, progress closest first; the file may carry ``progress_limit`` and the other options).

Example:
    >>> describe({"at_least": 1, "of": [{"node": "RRU:CAF-E1"}, {"node": "RRU:CAF-E2", "min_grade": "B"}]})
    'at least 1 of (RRU:CAF-E1, RRU:CAF-E2 with B or better)'
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..answers import ShapedEvaluationRequest, node_summaries, reach_nodes, shape
from ..engine import Evaluation, HoldingState, evaluate, reach
from ..errors import InvalidInput
from ..io.document import read_json
from ..io.openbadges import badge_claims
from . import Context

__all__ = ["HOLDINGS_FORMAT", "describe", "register"]

HOLDINGS_FORMAT = ("HOLDINGS.json: {\"holdings\": [{\"node\", \"grade\", \"earned\"}, ...], \"credentials\": [Open Badges 3.0], "
                   "\"as_of\", \"include_pilot\"}, or a bare list of holdings. "
                   "The format, with a worked example: docs/holdings.md")
"""Where ``evaluate --help`` and ``plan --help`` send a user for the input format (users have no SPEC)."""

_REASONS = {
    "pilot": "a pilot not yet approved (use --include-pilot to count it)",
    "outside_window": "a holding it needs was earned outside the agreement's dates",
    "expired": "a holding it needs is older than the rule accepts",
    "limits": "the credential's limits (recognized or residency credits) are not met",
    "excluded": "no credit when taken with something you hold (the rule's unless is met)",
}


def register(sub: Any) -> None:
    """Add ``evaluate`` and ``reach`` to the ``pathways`` parser."""
    p = sub.add_parser("evaluate", help="what holdings and badges earn, here and elsewhere, and why",
                       description="What the holdings and presented Open Badges in HOLDINGS.json earn, and why.",
                       epilog=HOLDINGS_FORMAT)
    p.add_argument("holdings", metavar="HOLDINGS.json", help="an evaluation input, or a bare list of holdings (docs/holdings.md)")
    p.add_argument("--as-of", metavar="DATE", help="evaluate as of this ISO date (default: the file's as_of, else today)")
    p.add_argument("--include-pilot", action="store_true", help="count pilot rules too")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(handler=_evaluate)

    p = sub.add_parser("reach", help="what one node counts toward, to a depth, each path explained")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--depth", type=int, default=3, help="rule steps to follow (default: 3)")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(handler=_reach)


def _evaluate(args: argparse.Namespace, ctx: Context) -> int:
    request = ShapedEvaluationRequest.from_json(read_json(args.holdings))
    update: dict[str, Any] = {}
    if args.as_of is not None:
        try:
            update["as_of"] = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InvalidInput.one("--as-of", f"not an ISO date: {args.as_of!r}") from None
    if args.include_pilot:
        update["include_pilot"] = True
    request = request.model_copy(update=update)
    engine = ctx.engine()
    result = evaluate(engine, request, badges=badge_claims(request.credentials), focus=request.focus() if args.json else None)
    if args.json:
        ctx.print_json(shape(result, engine, node_summaries(engine), request))
    else:
        print("\n".join(_evaluation_lines(result)))
    return 0


def _evaluation_lines(result: Evaluation) -> list[str]:
    lines = [f"As of {result.as_of.isoformat()}"]
    if result.granted:
        lines.append(f"\nGranted ({len(result.granted)}):")
        for h in result.granted:
            lines.extend("  " + line for line in _tree(h, result.held))
    else:
        lines.append("\nGranted: nothing yet.")
    if result.progress:
        lines.append("\nIn progress:")
        for p in result.progress:
            lines.append(f"  {p.target} by {p.rule} ({p.kind}): {round(p.fraction * 100)}% done")
            if p.uses:
                lines.append(f"    counts: {', '.join(p.uses)}")
            if p.missing is not None:
                lines.append(f"    still needs: {describe(p.missing)}")
    if result.no_credit:
        lines.append("\nAssessed, no credit:")
        for n in result.no_credit:
            lines.append(f"  {', '.join(n.uses)} at {n.granted_by} [{n.rule}]")
    if result.skipped:
        lines.append("\nWould count, but:")
        for s in result.skipped:
            lines.append(f"  {s.rule}: {_REASONS[s.reason]} [{s.reason}]")
    if result.unrecognized:
        lines.append(f"\nNot recognized: {', '.join(result.unrecognized)}")
    return lines


def _tree(h: HoldingState, held: dict[str, HoldingState], prefix: str = "", last: bool = True, top: bool = True) -> list[str]:
    """The holding and, below it, the holdings its rule used, down to what was presented."""
    if h.direct:
        label = f"{h.node} (presented, earned {h.earned.isoformat()}{', grade ' + h.grade if h.grade else ''})"
    else:
        label = f"{h.node} ({_credits(h.credits)} cr, grade {h.grade}, {h.earned.isoformat()}) <- {h.rule} [{h.kind}, {h.granted_by}]"
    lines = [label if top else f"{prefix}{'└── ' if last else '├── '}{label}"]
    child_prefix = "" if top else prefix + ("    " if last else "│   ")
    for i, key in enumerate(h.used_keys):
        lines.extend(_tree(held[key], held, child_prefix, i == len(h.uses) - 1, False))
    return lines


def _credits(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def describe(req: dict[str, Any]) -> str:
    """A requirement (as SPEC's JSON) in words, for ``missing`` and ``also_needs``."""
    if "node" in req:
        grades = [f"{req['min_grade']} or better"] if "min_grade" in req else []
        grades += [f"{req['max_grade']} or lower"] if "max_grade" in req else []
        return str(req["node"]) + (f" with {' and '.join(grades)}" if grades else "")
    if "competency" in req:
        return f"competency {req['competency']}"
    if "where" in req:
        where = ", ".join(f"{k}={v}" for k, v in req["where"].items())
        return f"{req['credits']} credits where {where}" if where else f"{req['credits']} credits"
    if "all" in req:
        return "all of (" + ", ".join(describe(c) for c in req["all"]) + ")"
    if "any" in req:
        return "any of (" + ", ".join(describe(c) for c in req["any"]) + ")"
    children = ", ".join(describe(c) for c in req["of"])
    if "at_least" in req:
        return f"at least {req['at_least']} of ({children})"
    return f"{req['credits']} credits of ({children})"


def _reach(args: argparse.Namespace, ctx: Context) -> int:
    if args.depth < 1:
        raise InvalidInput.one("--depth", f"must be at least 1, got {args.depth}")
    engine = ctx.engine()
    result = reach(engine, args.node, args.depth)
    if args.json:
        answer = result.to_json()
        ctx.print_json(answer | {"nodes": reach_nodes(answer, node_summaries(engine))})
        return 0
    if not result.targets and not result.pool_targets:
        print(f"{result.node} counts toward nothing within {result.depth} steps.")
        return 0
    if result.targets:
        print(f"{result.node} counts toward ({len(result.targets)} within {result.depth} steps):")
    for t in result.targets:
        print(f"  {t.node} (distance {t.distance})")
        for path in t.paths:
            steps = []
            for step in path:
                needs = "nothing else" if step.also_needs is None else describe(step.also_needs)
                steps.append(f"{step.rule} -> {step.grants} (also needs {needs})")
            print("    via " + "; then ".join(steps))
    if result.pool_targets:
        shown = len(result.pool_targets)
        more = f", the {shown} largest shares shown" if shown < result.pool_targets_total else ""
        print(f"{result.node} fills part of a credit pool toward ({result.pool_targets_total}{more}):")
        for p in result.pool_targets:
            needs = "nothing else" if p.also_needs is None else describe(p.also_needs)
            print(f"  {p.node} by {p.rule}: {p.share:.1%} of the pool (also needs {needs})")
    return 0
