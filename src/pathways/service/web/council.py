"""The transfer council's page: agreements between two institutions, and a node's neighbourhood.

- ``GET /council?from=&to=&status=&kind=&subject=&q=&in_effect=&as_of=&sort=``: the rules
  that take nodes of ``from`` to nodes of ``to`` as a sortable, filterable table, with counts
  per subject;
- ``GET /council/agreements.csv`` with the same parameters: that table as CSV;
- ``GET /council/node?id=``: the rules into and out of one node, drawn with cytoscape.js and
  listed in a table (the same edges, for a screen reader or a printout).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...model import Rule
from ...store import RuleQuery
from ..dependencies import Cache, CurrentStore
from ..engine_cache import Snapshot
from .rendering import plain_requirement, render, summaries

__all__ = ["COLUMNS", "agreement_rows", "router"]

router = APIRouter(prefix="/council", include_in_schema=False)

COLUMNS: dict[str, str] = {"rule": "Agreement", "from_label": "From", "to_label": "To", "credits": "Credits", "kind": "Kind",
                           "status": "Status", "valid_from": "From date", "valid_to": "To date", "in_effect": "In effect"}
"""The table's columns (sort keys) and headings."""


def _in_effect(rule: Rule, as_of: dt.date) -> bool:
    return (rule.status == "approved" and (rule.valid_from is None or rule.valid_from <= as_of)
            and (rule.valid_to is None or as_of <= rule.valid_to))


def agreement_rows(snapshot: Snapshot, source: str, target: str, as_of: dt.date) -> list[dict[str, Any]]:
    """One row per rule from ``source`` to ``target``: who, what, how many credits, when, in effect or not."""
    engine = snapshot.engine
    rows = []
    for rule_id in snapshot.pairs.get((source, target), []):
        rule = engine.rules[rule_id]
        sources = sorted(n for n in rule.mentions() if n in engine.nodes and engine.nodes[n].institution == source)
        grants = [g for g in rule.grants if engine.nodes[g.node].institution == target]
        names = summaries(snapshot, set(sources) | {g.node for g in grants})
        rows.append({
            "rule": rule_id, "kind": rule.kind, "status": rule.status,
            "from_label": "; ".join(names[n]["label"] for n in sources), "from_title": "; ".join(names[n]["title"] for n in sources),
            "requires": plain_requirement(rule.to_json()["requires"], names),
            # an agreement that grants nothing is the guide's "No credit"
            "to_label": "; ".join(names[g.node]["label"] for g in grants) if rule.grants else "No credit",
            "to_title": "; ".join(names[g.node]["title"] for g in grants),
            "credits": sum(float(g.credits if g.credits is not None else engine.nodes[g.node].credits) for g in grants),
            "valid_from": rule.valid_from.isoformat() if rule.valid_from else "",
            "valid_to": rule.valid_to.isoformat() if rule.valid_to else "",
            "in_effect": "yes" if _in_effect(rule, as_of) else "no",
            "subject": next((s for n in sources if (s := engine.nodes[n].subject)), ""),
        })
    return rows


def _filtered(rows: list[dict[str, Any]], status: str, kind: str, subject: str, q: str, in_effect: str, sort: str) -> list[dict[str, Any]]:
    words = q.lower().split()
    out = [r for r in rows
           if (not status or r["status"] == status) and (not kind or r["kind"] == kind) and (not subject or r["subject"] == subject)
           and (not in_effect or r["in_effect"] == in_effect)
           and all(w in " ".join(str(v) for v in r.values()).lower() for w in words)]
    key = sort.lstrip("-")
    if key in COLUMNS:
        out.sort(key=lambda r: (r[key], r["rule"]), reverse=sort.startswith("-"))
    return out


class Filters:
    """The query parameters the table and its CSV share."""

    def __init__(self,
                 from_: Annotated[str, Query(alias="from", max_length=100)] = "",
                 to: Annotated[str, Query(max_length=100)] = "",
                 status: Annotated[str, Query(max_length=20)] = "",
                 kind: Annotated[str, Query(max_length=20)] = "",
                 subject: Annotated[str, Query(max_length=40)] = "",
                 q: Annotated[str, Query(max_length=200)] = "",
                 in_effect: Annotated[str, Query(max_length=3)] = "",
                 as_of: Annotated[dt.date | None, Query()] = None,
                 sort: Annotated[str, Query(max_length=20)] = "rule") -> None:
        self.source, self.target, self.status, self.kind, self.subject = from_, to, status, kind, subject
        self.q, self.in_effect, self.as_of, self.sort = q, in_effect, as_of or dt.date.today(), sort

    def rows(self, snapshot: Snapshot) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every row of the pair, and the rows the filters keep, sorted."""
        every = agreement_rows(snapshot, self.source, self.target, self.as_of) if self.source and self.target else []
        return every, _filtered(every, self.status, self.kind, self.subject, self.q, self.in_effect, self.sort)

    def query(self, **change: str) -> str:
        """This page's query string with ``change`` applied (for sort links and the CSV link)."""
        values = {"from": self.source, "to": self.target, "status": self.status, "kind": self.kind, "subject": self.subject,
                  "q": self.q, "in_effect": self.in_effect, "as_of": self.as_of.isoformat(), "sort": self.sort} | change
        return urlencode({k: v for k, v in values.items() if v})


@router.get("", response_class=HTMLResponse)
def council_page(request: Request, cache: Cache, filters: Annotated[Filters, Depends()]) -> HTMLResponse:
    snapshot = cache.current()
    every, rows = filters.rows(snapshot)
    institutions = sorted(snapshot.engine.institutions.values(), key=lambda i: i.name)
    context: dict[str, Any] = {"f": filters, "rows": rows, "total": len(every), "institutions": institutions, "columns": COLUMNS,
               "subjects": Counter(r["subject"] for r in every), "statuses": sorted({r["status"] for r in every}),
               "kinds": sorted({r["kind"] for r in every})}
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "council_table.html" if partial else "council.html", **context)


@router.get("/agreements.csv")
def agreements_csv(cache: Cache, filters: Annotated[Filters, Depends()]) -> Response:
    """The filtered table as CSV, one row per agreement."""
    _, rows = filters.rows(cache.current())
    out = io.StringIO()
    fields = ["rule", "kind", "status", "from_label", "from_title", "requires", "to_label", "to_title", "credits",
              "valid_from", "valid_to", "in_effect", "subject"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    name = f"agreements-{filters.source}-{filters.target}.csv".lower()
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def neighbourhood(snapshot: Snapshot, rules: list[Rule], node: str) -> dict[str, Any]:
    """cytoscape.js elements of the rules around ``node``: an edge from each node a rule requires to each it grants."""
    edges, ids = [], {node}
    for rule in rules:
        for source in sorted(rule.mentions()):
            for g in rule.grants:
                edges.append({"data": {"id": f"{rule.id}|{source}|{g.node}", "source": source, "target": g.node,
                                       "label": rule.kind, "rule": rule.id}})
                ids |= {source, g.node}
    names = summaries(snapshot, ids)
    elements = [{"data": {"id": n, "label": names[n]["label"] if n in names else n, "focus": n == node}} for n in sorted(ids)]
    return {"elements": elements + edges, "edges": [e["data"] for e in edges], "nodes": names}


@router.get("/node", response_class=HTMLResponse)
def node_page(request: Request, cache: Cache, store: CurrentStore, id: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    snapshot = cache.current()
    if id not in snapshot.engine.nodes:
        return render(request, "council_node.html", status_code=404 if id else 200, node=None, id=id,
                      suggestions=snapshot.index.suggest(id) if id else [])
    rules = store.list_rules(RuleQuery(touches=id, limit=500))
    graph = neighbourhood(snapshot, rules, id)
    return render(request, "council_node.html", node=snapshot.summaries[id], id=id, graph=graph,
                  graph_json=json.dumps(graph["elements"]).replace("</", "<\\/"))
