"""Answers shaped for people: node titles beside ids, progress ranked and cut, grants by institution.

``POST /evaluate`` (and GraphQL ``countToward``) take, besides SPEC section 4's body
(:class:`ShapedEvaluationRequest`),
``institutions`` (receiving institutions of interest), ``targets`` (credentials of interest),
``progress_limit`` (default :data:`DEFAULT_PROGRESS_LIMIT`, ``null`` for every entry) and
``group_grants``. The answer keeps SPEC's keys and adds:

- ``progress_total``: how many progress entries there were before the cut; the entries kept
  are the closest first (largest fraction, then fewest credits still needed, ``credits_needed``,
  then rule id: :mod:`pathways.engine.ranking`, where the evaluation computes only those);
- ``nodes``: for every node id the answer mentions, its title, kind, credits, institution,
  institution name and BC Transfer Guide label (``"UVIC HIST 1XX (1.5)"``);
- ``by_institution`` (with ``group_grants``): the grants grouped by the granted node's institution.

``POST /destinations`` answers Transferology's question, "where do my credits go": for each
institution, the credits granted there, the share of the learner's own credits it accepts,
the credentials reached there and the closest progress.

Example:
    >>> label({"id": "UVIC:HIST-1XX", "credits": 1.5})
    'UVIC HIST 1XX (1.5)'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from .engine import NEVER, Deadline, Engine, Evaluation, ProgressEntry, ProgressFocus, evaluate
from .engine.holdings import number
from .engine.ranking import focused
from .io.openbadges import badge_claims
from .model import EvaluationRequest

__all__ = [
    "DEFAULT_PROGRESS_LIMIT",
    "ShapedEvaluationRequest",
    "destinations",
    "destinations_json",
    "label",
    "learner_json",
    "node_summaries",
    "plan_nodes",
    "reach_nodes",
    "requirement_nodes",
    "shaped_evaluation_json",
    "summaries_of",
]

DEFAULT_PROGRESS_LIMIT = 20
"""Progress entries an answer carries unless ``progress_limit`` says otherwise."""

class ShapedEvaluationRequest(EvaluationRequest):
    """The body of ``POST /evaluate``: SPEC section 4's request and how to shape the answer."""

    institutions: list[str] | None = Field(default=None, description="receiving institutions of interest: grants, progress "
                                           "and skips there only")
    targets: list[str] | None = Field(default=None, description="credentials of interest: progress and skips toward them only")
    progress_limit: int | None = Field(default=DEFAULT_PROGRESS_LIMIT, ge=0,
                                       description="progress entries kept, closest first (null: all)")
    group_grants: bool = Field(default=False, description="add `by_institution`: the grants grouped by institution")

    def focus(self) -> ProgressFocus:
        """The progress this answer shows, for :func:`~pathways.engine.evaluate`."""
        return ProgressFocus(limit=self.progress_limit,
                             institutions=None if self.institutions is None else frozenset(self.institutions),
                             targets=None if self.targets is None else frozenset(self.targets))

    @classmethod
    def from_json(cls, value: object) -> ShapedEvaluationRequest:
        """Validate JSON input (a bare list is taken as ``holdings``), naming every bad field."""
        request = super().from_json(value)
        assert isinstance(request, ShapedEvaluationRequest)
        return request


def label(node: Mapping[str, Any]) -> str:
    """A node's id in BC Transfer Guide notation: institution, subject and number, credits in brackets."""
    code = str(node["id"]).replace(":", " ", 1).replace("-", " ")
    credits = node.get("credits") or 0
    return f"{code} ({number(float(credits))})" if credits else code


def node_summaries(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every node's summary for answers: title, kind, credits, institution and its name, label."""
    names = {i.id: i.name for i in engine.institutions.values()}
    out: dict[str, dict[str, Any]] = {}
    for node in engine.nodes.values():
        data = {"id": node.id, "title": node.title, "kind": node.kind, "credits": number(float(node.credits)),
                "institution": node.institution, "institution_name": names.get(node.institution or ""), "status": node.status}
        data["label"] = label(data)
        out[node.id] = data
    return out


def summaries_of(summaries: Mapping[str, Mapping[str, Any]], ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """The summaries of ``ids`` that the graph holds, by id in order: an answer's ``nodes``.

    >>> summaries_of({"A": {"title": "a"}, "B": {"title": "b"}}, ["B", "X"])
    {'B': {'title': 'b'}}
    """
    return {n: summaries[n] for n in sorted(set(ids)) if n in summaries}


def plan_nodes(answer: Mapping[str, Any], summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """``nodes`` of a plan answer (SPEC section 5): the target, every item, and what each plan grants."""
    ids = {answer["target"]}
    for option in answer["plans"]:
        ids.update(option["items"])
        for g in option["granted"]:
            ids.add(g["node"])
            ids.update(g["uses"])
            ids.update(g["lineage"])
    return summaries_of(summaries, ids)


def reach_nodes(answer: Mapping[str, Any], summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """``nodes`` of a reach answer: the node, every target (credit-pool targets too), and what
    each step grants and still needs."""
    ids = {answer["node"]}
    for target in answer["targets"]:
        ids.add(target["node"])
        for path in target["paths"]:
            for step in path:
                ids.add(step["grants"])
                requirement_nodes(step["also_needs"], ids)
    for pool in answer.get("pool_targets", ()):
        ids.add(pool["node"])
        requirement_nodes(pool["also_needs"], ids)
    return summaries_of(summaries, ids)


def _mentioned(answer: Mapping[str, Any]) -> set[str]:
    ids: set[str] = set()
    for g in answer["granted"]:
        ids.add(g["node"])
        ids.update(g["uses"])
        ids.update(g["lineage"])
    for p in answer["progress"]:
        ids.add(p["target"])
        ids.update(p["uses"])
        requirement_nodes(p["missing"], ids)
    return ids


def requirement_nodes(requirement: Any, into: set[str]) -> None:
    """Add to ``into`` the node ids a requirement (as JSON) names.

    >>> found = set(); requirement_nodes({"any": [{"node": "A"}, {"credits": 3, "of": [{"node": "B"}]}]}, found); sorted(found)
    ['A', 'B']
    """
    if isinstance(requirement, dict):
        if "node" in requirement:
            into.add(requirement["node"])
        for key in ("all", "any", "of"):
            for part in requirement.get(key) or []:
                requirement_nodes(part, into)


def _at(summaries: Mapping[str, Mapping[str, Any]], node: str, institutions: frozenset[str]) -> bool:
    info = summaries.get(node)
    return info is not None and info["institution"] in institutions


def shape(evaluation: Evaluation, engine: Engine, summaries: Mapping[str, Mapping[str, Any]],
          shaping: ShapedEvaluationRequest) -> dict[str, Any]:
    """SPEC section 4's JSON of ``evaluation``, filtered, ranked, cut and annotated as ``shaping`` says.

    ``evaluation`` was made under ``shaping.focus()`` (its progress is already what the answer
    shows), or without a focus (every entry: filtered, ranked and cut here).
    """
    focus = shaping.focus()
    if evaluation.focus == focus:
        entries, total = evaluation.progress, evaluation.progress_total
    elif evaluation.focus is None:
        entries, total = focused(evaluation.progress, focus, institution=lambda n: engine.nodes[n].institution)
    else:
        raise ValueError(f"an evaluation made under {evaluation.focus} cannot be shaped to {focus}")
    granted = [h.to_json() for h in evaluation.granted]
    progress = [_progress_json(p) for p in entries]
    skipped = [s.to_json() for s in evaluation.skipped]
    if shaping.institutions is not None:
        where = frozenset(shaping.institutions)
        granted = [g for g in granted if _at(summaries, g["node"], where)]
        skipped = [s for s in skipped if any(_at(summaries, g.node, where) for g in engine.rules[s["rule"]].grants)]
    if shaping.targets is not None:
        targets = frozenset(shaping.targets)
        skipped = [s for s in skipped if any(g.node in targets for g in engine.rules[s["rule"]].grants)]
    no_credit = [n.to_json() for n in evaluation.no_credit]
    if shaping.institutions is not None:
        no_credit = [n for n in no_credit if n["granted_by"] in shaping.institutions]
    answer: dict[str, Any] = {"as_of": evaluation.as_of.isoformat(), "granted": granted, "no_credit": no_credit,
                              "progress": progress, "progress_total": total, "skipped": skipped,
                              "unrecognized": list(evaluation.unrecognized),
                              "recognized": [r.to_json() for r in evaluation.recognized]}
    if shaping.group_grants:
        answer["by_institution"] = by_institution(granted, summaries)
    answer["nodes"] = summaries_of(summaries, _mentioned(answer))
    return answer


def _progress_json(entry: ProgressEntry) -> dict[str, Any]:
    return entry.to_json() | {"credits_needed": number(entry.credits_needed)}


def by_institution(granted: Iterable[Mapping[str, Any]], summaries: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Grants grouped by the institution of the node granted: most credits first, then by id."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for g in granted:
        groups[summaries[g["node"]]["institution"] or ""].append(g)
    rows = [{"institution": inst, "name": _name(summaries, items[0]["node"]),
             "credits": number(sum(float(g["credits"]) for g in items)), "granted": list(items)}
            for inst, items in groups.items()]
    return sorted(rows, key=lambda r: (-r["credits"], r["institution"]))


def _name(summaries: Mapping[str, Mapping[str, Any]], node: str) -> str | None:
    name: str | None = summaries[node]["institution_name"]
    return name


def _evaluate(engine: Engine, request: EvaluationRequest, deadline: Deadline, focus: ProgressFocus | None = None) -> Evaluation:
    return evaluate(engine, request, badges=badge_claims(request.credentials), deadline=deadline, focus=focus)


def shaped_evaluation_json(engine: Engine, summaries: Mapping[str, Mapping[str, Any]], body: object, *,
                           deadline: Deadline = NEVER) -> dict[str, Any]:
    """``POST /evaluate``: validate the body (422 with paths), evaluate under ``deadline``, shape."""
    request = ShapedEvaluationRequest.from_json(body)
    return shape(_evaluate(engine, request, deadline, request.focus()), engine, summaries, request)


def learner_json(engine: Engine, summaries: Mapping[str, Mapping[str, Any]], body: object, *,
                 deadline: Deadline = NEVER) -> tuple[dict[str, Any], dict[str, Any]]:
    """One evaluation shaped both ways: ``POST /evaluate``'s answer and ``POST /destinations``' (the learner's page)."""
    request = ShapedEvaluationRequest.from_json(body)
    evaluation = _evaluate(engine, request, deadline)
    return shape(evaluation, engine, summaries, request), destinations(evaluation, engine, summaries)


def destinations_json(engine: Engine, summaries: Mapping[str, Mapping[str, Any]], body: object, *,
                      deadline: Deadline = NEVER) -> dict[str, Any]:
    """``POST /destinations``: validate the body (422 with paths), evaluate under ``deadline``, :func:`destinations`."""
    return destinations(_evaluate(engine, EvaluationRequest.from_json(body), deadline), engine, summaries)


def destinations(evaluation: Evaluation, engine: Engine, summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per institution, what an evaluation's holdings are worth there, best first.

    Each row: ``credits`` granted there (credentials and admissions aside), ``share`` of the
    learner's own credits that some grant there stands on, ``credentials`` (and admissions)
    reached there, and ``closest``, the progress entry there with the largest fraction.
    Rows are ranked by credentials reached, then credits, then share, then id.
    """
    own = {h.node: h.credits for h in evaluation.held.values() if h.direct}
    total_own = sum(own.values())
    rows: dict[str, dict[str, Any]] = {}

    def row(inst: str) -> dict[str, Any]:
        if inst not in rows:
            rows[inst] = {"institution": inst, "name": engine.institutions[inst].name if inst in engine.institutions else None,
                          "credits": 0.0, "accepted": set(), "credentials": [], "granted": 0, "closest": None}
        return rows[inst]

    for h in evaluation.held.values():
        info = summaries.get(h.node)
        if info is None or info["institution"] is None:
            continue
        r = row(info["institution"])
        r["accepted"].update(n for n in h.lineage if n in own)
        if h.direct:
            continue
        r["granted"] += 1
        if info["kind"] in ("credential", "admission", "micro_credential"):
            r["credentials"].append(h.node)
        if info["kind"] != "credential" and info["kind"] != "admission":
            r["credits"] += h.credits
    for p in sorted(evaluation.progress, key=lambda p: (-p.fraction, p.rule)):
        info = summaries.get(p.target)
        if info is None or info["institution"] is None:
            continue
        r = row(info["institution"])
        if r["closest"] is None:
            r["closest"] = _progress_json(p)
    out = []
    for r in rows.values():
        accepted = sum(own[n] for n in r.pop("accepted"))
        if r["granted"] == 0 and r["closest"] is None:
            continue
        r["credits"] = number(r["credits"])
        r["share"] = round(accepted / total_own, 3) if total_own > 0 else 0.0
        r["credentials"].sort()
        out.append(r)
    out.sort(key=lambda r: (-len(r["credentials"]), -r["credits"], -r["share"], r["institution"]))
    mentioned = {n for r in out for n in r["credentials"]}
    for r in out:
        if r["closest"] is not None:
            mentioned.add(r["closest"]["target"])
            mentioned.update(r["closest"]["uses"])
    return {"as_of": evaluation.as_of.isoformat(), "destinations": out,
            "nodes": summaries_of(summaries, mentioned)}
