"""What every page shares: the Jinja2 templates, plain-language helpers, form bodies.

Templates live in this package's ``templates/`` directory (package data) and are rendered
with autoescaping on. Nodes are shown in BC Transfer Guide notation ("UVIC HIST 1XX (1.5)")
with their title and institution name beside; requirements and skip reasons are said in
plain words.

Example:
    >>> plain_requirement({"all": [{"node": "U:A"}, {"node": "U:B", "min_grade": "C"}]}, {})
    'all of: U A; U B with C or better'
    >>> plain_requirement({"credits": 6, "where": {"institution": "UVIC", "subject": "HIST"}}, {})
    '6 credits of UVIC HIST courses'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from ..engine_cache import Snapshot
from ...engine.holdings import number
from ...answers import label, summaries_of

__all__ = ["KIND_WORDS", "SKIP_WORDS", "form_data", "node_label", "plain_requirement", "render", "summaries"]

ENV = Environment(loader=PackageLoader("pathways.service.web", "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)

SKIP_WORDS: dict[str, str] = {
    "pilot": "this agreement is a pilot, not yet in force (tick \"include pilots\" to count it)",
    "outside_window": "your holding was earned outside the dates of the agreement",
    "expired": "your holding is older than the agreement accepts",
    "limits": "the credential caps how much recognized or transferred credit counts",
}
"""Why a rule did not fire, in plain words, by SPEC's reason."""

KIND_WORDS: dict[str, str] = {
    "stack": "stacks into", "ladder": "ladders into", "plar": "prior learning (PLAR) for",
    "transfer": "transfers as", "admission": "admits to",
}


def node_label(node: str, nodes: Mapping[str, Mapping[str, Any]]) -> str:
    """A node's BC Transfer Guide label from the answer's ``nodes`` (or from its id alone).

    >>> node_label("UVIC:HIST-1XX", {"UVIC:HIST-1XX": {"label": "UVIC HIST 1XX (1.5)"}}), node_label("U:A-1", {})
    ('UVIC HIST 1XX (1.5)', 'U A 1')
    """
    info = nodes.get(node)
    return str(info["label"]) if info is not None else label({"id": node})


def plain_requirement(req: Any, nodes: Mapping[str, Mapping[str, Any]]) -> str:
    """A requirement (or what is ``missing`` of one) in plain words.

    >>> plain_requirement({"hours": 9, "where": {"institution": "CAPU", "subject": "LDR"}}, {})
    '9 hours of CAPU LDR courses'
    """
    if not isinstance(req, dict):
        return ""
    if "node" in req:
        grade = f" with {req['min_grade']} or better" if req.get("min_grade") else ""
        return node_label(req["node"], nodes) + grade
    if "competency" in req:
        return f"the competency {req['competency']}"
    unit = "hours" if "hours" in req else "credits"
    if "of" in req and unit in req:
        return f"{req[unit]} {unit} from: " + "; ".join(plain_requirement(r, nodes) for r in req["of"])
    if unit in req:
        where = req.get("where") or {}
        what = " ".join(str(where[k]) for k in ("institution", "subject") if where.get(k))
        level = f" at level {where['level_min']}+" if where.get("level_min") else ""
        return f"{req[unit]} {unit} of {what + ' ' if what else ''}courses{level}"
    if "all" in req:
        return "all of: " + "; ".join(plain_requirement(r, nodes) for r in req["all"])
    if "any" in req:
        return "one of: " + "; ".join(plain_requirement(r, nodes) for r in req["any"])
    if "at_least" in req:
        return f"at least {req['at_least']} of: " + "; ".join(plain_requirement(r, nodes) for r in req["of"])
    return ""


ENV.filters["plain"] = plain_requirement
ENV.filters["num"] = number
ENV.globals["SKIP_WORDS"] = SKIP_WORDS
ENV.globals["KIND_WORDS"] = KIND_WORDS


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered with ``context``, the request and the page's path (for the navigation)."""
    html = ENV.get_template(template).render(request=request, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)


async def form_data(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body, each field's values in order."""
    return parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)


def summaries(snapshot: Snapshot, ids: set[str] | list[str]) -> dict[str, Mapping[str, Any]]:
    """The summaries of ``ids`` (those the graph holds), for templates: an answer's ``nodes``."""
    return summaries_of(snapshot.summaries, ids)
