"""A brute-force evaluator written literally from SPEC section 4, for small graphs only.

It enumerates every assignment of every holding to every slot it fits (or to none), keeps
those that fire a rule, and picks the one SPEC reports. It shares no code with the engine
beyond the model's types and grade order, so agreement means something.

:func:`oracle_assignment` and :func:`oracle_progress` do the same for one requirement and a
list of candidates (anything with the attributes of the engine's ``Candidate``: ``node``,
``lineage``, ``credits``, ``slots``, ``recognized``, ``resident_of``), slots numbered as the
requirement's leaves are met in a left-to-right walk.
"""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

from pathways.model import (
    GRADE_POINTS,
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Document,
    LETTERS,
    NodeLeaf,
    Requirement,
    lowest_letter,
    meets_grade,
)

__all__ = ["in_hours_pools", "oracle_assignment", "oracle_evaluate", "oracle_progress"]

Held = list[dict[str, Any]]
"""Every holding: each attempt of a node presented more than once is one, and each copy of a
repeatable node (SPEC section 4, second edition). ``key`` names a holding in ``uses`` and in
SPEC's tie-break: the node id, then for the k-th copy of a repeatable node the id, a space and k."""


def _minus_years(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        out = day.replace(year=day.year - whole)
    except ValueError:
        out = day.replace(year=day.year - whole, day=28)
    return out - dt.timedelta(days=round((years - whole) * 365.2425))


def _leaves(req: Requirement, out: list[Requirement]) -> None:
    if isinstance(req, Average):  # a condition, no slot
        return
    if isinstance(req, (NodeLeaf, CompetencyLeaf, CreditsWhere)):
        out.append(req)
    else:
        for child in req.of:
            _leaves(child, out)


def _fits(doc_nodes: dict[str, Any], leaf: Requirement, h: dict[str, Any], pass_counts_as: str | None = None) -> bool:
    node = doc_nodes[h["node"]]
    if isinstance(leaf, NodeLeaf):
        grade = pass_counts_as if h["grade"] == "P" and pass_counts_as else h["grade"]
        return h["node"] == leaf.node and meets_grade(grade, leaf.min_grade, leaf.max_grade)
    if isinstance(leaf, CompetencyLeaf):
        return h["node"] == leaf.competency or leaf.competency in node.competencies
    if isinstance(leaf, Average):
        return h["node"] in leaf.of if leaf.of is not None else _fits(doc_nodes, CreditsWhere(1.0, leaf.where), h)  # type: ignore[arg-type]
    assert isinstance(leaf, CreditsWhere)
    w = leaf.where
    return (
        (w.institution is None or node.institution == w.institution)
        and (w.subject is None or node.subject == w.subject)
        and (w.kind is None or node.kind == w.kind)
        and (w.level_min is None or (node.level is not None and node.level >= w.level_min))
        and (w.level_max is None or (node.level is not None and node.level <= w.level_max))
    )


def in_hours_pools(req: dict[str, Any]) -> dict[str, Any]:
    """A JSON requirement with every credit pool turned into an hours pool of ten times the
    amount (for generators: one requirement counts one unit)."""
    out = {k: ([in_hours_pools(c) for c in v] if isinstance(v, list) else v) for k, v in req.items()}
    if "credits" in out:
        out["hours"] = 10 * out.pop("credits")
    return out


def _weight(h: dict[str, Any], pool: CreditsOf | CreditsWhere) -> float:
    """What a holding adds to ``pool``: its credits, or its node's hours in an hours pool (a
    candidate, which has no ``hours``, carries the pool's weight as its credits)."""
    return float(h.get("hours", h["credits"]) if pool.unit == "hours" else h["credits"])


def _weighed(doc_nodes: dict[str, Any], avg: Average, held: Held, pass_counts_as: str | None) -> list[tuple[dict[str, Any], float]]:
    """Amendment 7 read literally: the learning behind the holdings the average is taken over,
    each direct node once at its best attempt, with its grade points (the most recent, with
    ``last_credits``)."""
    learning = set().union(*(h["lineage"] for h in held if _fits(doc_nodes, avg, h)))
    graded = []
    for e in sorted(learning):
        best = _best_attempt(held, e)
        grade = pass_counts_as if best["grade"] == "P" and pass_counts_as else best["grade"]
        if grade in GRADE_POINTS:
            graded.append((best, GRADE_POINTS[grade]))
    if avg.last_credits is not None:
        graded.sort(key=lambda g: (-g[0]["earned"].toordinal(), g[0]["node"]))
        taken = 0
        while taken < len(graded) and sum(g[0]["credits"] for g in graded[:taken]) < avg.last_credits - 1e-9:
            taken += 1
        graded = graded[:taken]
    return graded


def _best_attempt(held: Held, node: str) -> dict[str, Any]:
    """The holding of ``node`` that counts: of a direct node presented more than once, the best
    (copies of a repeatable node granted by rules are not attempts)."""
    direct = [h for h in held if h["node"] == node and h["kind"] is None]
    return max(direct or [h for h in held if h["node"] == node], key=lambda h: (_rank(h["grade"]), h["earned"], h["grade"] == "P"))


def _average_met(doc_nodes: dict[str, Any], avg: Average, held: Held, pass_counts_as: str | None) -> bool:
    graded = _weighed(doc_nodes, avg, held, pass_counts_as)
    total = sum(h["credits"] for h, _ in graded)
    return total > 0 and sum(h["credits"] * points for h, points in graded) / total >= GRADE_POINTS[avg.grade] - 1e-9


def _averages(req: Requirement) -> list[Average]:
    if isinstance(req, Average):
        return [req]
    if isinstance(req, (NodeLeaf, CompetencyLeaf, CreditsWhere)):
        return []
    return [a for child in req.of for a in _averages(child)]


def _rests(req: Requirement, averages: dict[int, bool]) -> list[Average] | None:
    """The averages a requirement met with no holding rests on (``None``: it is not met so):
    every one of an ``all``, the first met of an ``any``, the first k met of an ``at_least k``."""
    if isinstance(req, Average):
        return [req] if averages[id(req)] else None
    if isinstance(req, (NodeLeaf, CompetencyLeaf, CreditsWhere, CreditsOf)):
        return None
    kids = [_rests(c, averages) for c in req.of]
    met = [k for k in kids if k is not None]
    if isinstance(req, All):
        return None if len(met) < len(kids) else [a for k in met for a in k]
    need = 1 if isinstance(req, Any_) else req.k
    return None if len(met) < need else [a for k in met[:need] for a in k]


def _resting(doc_nodes: dict[str, Any], rests: list[Average], held: Held, pass_counts_as: str | None) -> list[dict[str, Any]]:
    """The holdings a grant resting on ``rests`` uses: the held nodes each is taken over that
    stand on learning it weighs: each copy of a repeatable node, each direct node at the attempt
    that counts."""
    uses: set[tuple[str, frozenset[str]]] = set()
    for avg in rests:
        learning = {h["node"] for h, _ in _weighed(doc_nodes, avg, held, pass_counts_as)}
        uses |= {(h["node"], frozenset(h["lineage"])) for h in held if _fits(doc_nodes, avg, h) and h["lineage"] & learning}
    by_lineage = {(h["node"], frozenset(h["lineage"])): h for h in held}
    return [_best_attempt(held, n) if by_lineage[(n, lineage)]["kind"] is None else by_lineage[(n, lineage)]
            for n, lineage in sorted(uses, key=lambda u: (u[0], sorted(u[1])))]


def _met(req: Requirement, slot_of: dict[int, Requirement], placed: dict[int, list[dict[str, Any]]],
         averages: dict[int, bool] | None = None) -> tuple[bool, list[dict[str, Any]]]:
    """Whether ``req`` is met, and the holdings placed under its met parts (``averages``: whether
    each average, by id, is met)."""
    if isinstance(req, Average):
        return (averages or {}).get(id(req), False), []
    if isinstance(req, (NodeLeaf, CompetencyLeaf)):
        got = placed.get(id(req), [])
        return bool(got), got
    if isinstance(req, CreditsWhere):
        got = placed.get(id(req), [])
        ok = sum(_weight(h, req) for h in got) >= req.credits - 1e-9
        return ok, (got if ok else [])
    kids = [_met(c, slot_of, placed, averages) for c in req.of]
    met_kids = [k for k in kids if k[0]]
    if isinstance(req, All):
        ok = len(met_kids) == len(kids)
    elif isinstance(req, Any_):
        ok = bool(met_kids)
    elif isinstance(req, AtLeast):
        ok = len(met_kids) >= req.k
    else:
        assert isinstance(req, CreditsOf)
        ok = sum(_weight(h, req) for k in met_kids for h in k[1]) >= req.credits - 1e-9
    return ok, ([h for k in met_kids for h in k[1]] if ok else [])


def _taken(doc_nodes: dict[str, Any], rule: Any, held: Held) -> set[str]:
    """What a rule granting repeatable nodes must leave out once its other grants are held: the
    lineages of the copies held of its repeatable grants (it fires once per disjoint lineage)."""
    grants = [g.node for g in rule.grants]
    if any(not doc_nodes[g].repeatable and not any(h["node"] == g for h in held) for g in grants):
        return set()
    return {e for h in held if h["node"] in grants and doc_nodes[h["node"]].repeatable for e in h["lineage"]}


def _best(doc_nodes: dict[str, Any], rule: Any, held: Held, as_of: dt.date,
          losers: dict[str, str] | None = None) -> tuple[Any, list[dict[str, Any]]] | None:
    leaves: list[Requirement] = []
    _leaves(rule.requires, leaves)

    def in_window(h: dict[str, Any]) -> bool:
        if rule.valid_from is not None and h["earned"] < rule.valid_from:
            return False
        if rule.valid_to is not None and h["earned"] > rule.valid_to:
            return False
        if rule.max_age_years is not None and h["earned"] < _minus_years(as_of, rule.max_age_years):
            return False
        return True

    # transfer credit is assessed at its origin: a transfer rule never uses another's grant
    taken = _taken(doc_nodes, rule, held)
    holdings = [h for h in held if in_window(h) and not (rule.kind == "transfer" and h["kind"] == "transfer") and not h["lineage"] & taken]
    # a node that lost to an anti-requisite counts in no rule of its own institution
    holdings = [h for h in holdings if (losers or {}).get(h["node"], "") != getattr(rule, "granted_by", None)]
    # averages: a condition over the whole record (windows aside), using no holding
    averages = {id(a): _average_met(doc_nodes, a, held, getattr(rule, "pass_counts_as", None)) for a in _averages(rule.requires)}
    options = [[None, *[i for i, leaf in enumerate(leaves) if _fits(doc_nodes, leaf, h, getattr(rule, "pass_counts_as", None))]] for h in holdings]
    limits = []
    for g in rule.grants:
        n = doc_nodes[g.node]
        if n.kind == "credential" and n.limits is not None:
            limits.append((n.institution, n.limits.max_recognized_credits, n.limits.min_residency_credits))
    best: tuple[Any, list[dict[str, Any]], bool] | None = None
    if _met(rule.requires, {}, {}, averages)[0]:  # met by averages alone: that, or nothing
        options = [[None] for _ in holdings]
    for choice in itertools.product(*options):
        placed: dict[int, list[dict[str, Any]]] = {}
        ok = True
        for h, slot in zip(holdings, choice, strict=True):
            if slot is None:
                continue
            leaf = leaves[slot]
            if not isinstance(leaf, CreditsWhere) and placed.get(id(leaf)):
                ok = False
                break
            placed.setdefault(id(leaf), []).append(h)
        if not ok:
            continue
        met, used = _met(rule.requires, {}, placed, averages)
        if not met:
            continue
        seen: set[str] = set()
        resting = not used
        if resting:  # met by averages alone: the grant rests on what they weigh (lineages may overlap)
            used = _resting(doc_nodes, _rests(rule.requires, averages) or [], held, getattr(rule, "pass_counts_as", None))
        for h in used:
            if seen & h["lineage"] and not resting:
                ok = False
            seen |= h["lineage"]
        if not ok:
            continue
        for inst, _, min_res in limits:  # a recognized maximum never refuses (amendment 9)
            # residency: the credits of the used lineages' direct holdings earned at inst
            res = sum(float(doc_nodes[e].credits) for e in seen if doc_nodes[e].institution == inst)
            if min_res is not None and res < min_res - 1e-9:
                ok = False
        for g in rule.grants:  # a credential's credits past its recognized maximum: learning not recognized
            n = doc_nodes[g.node]
            cap = n.limits.max_recognized_credits if n.kind == "credential" and n.limits is not None else None
            if cap is not None and sum(h["credits"] for h in used if h["kind"] not in ("plar", "transfer")) < float(n.credits) - cap - 1e-9:
                ok = False
        if not ok:
            continue
        lineage = sorted(seen)
        key = (len(lineage), lineage, sorted(h["key"] for h in used))
        if best is None or key < best[0]:
            best = (key, used, resting)
    if best is None:
        return None
    if best[2]:  # each at the attempt the averages count
        return best[0], best[1]
    # the attempt reported for a node presented more than once: the best in the window (grade,
    # then date) among those meeting a leaf that names the node, when one does
    def reported(h: dict[str, Any]) -> dict[str, Any]:
        if h["kind"] is not None:
            return h
        mine = [a for a in holdings if a["node"] == h["node"] and a["kind"] is None]
        named = [leaf for leaf in leaves if isinstance(leaf, NodeLeaf) and leaf.node == h["node"]]
        pass_as = getattr(rule, "pass_counts_as", None)
        fit = [a for a in mine if any(meets_grade(pass_as if a["grade"] == "P" and pass_as else a["grade"], x.min_grade, x.max_grade)
                                      for x in named)] if named else mine
        return max(fit or mine, key=lambda a: (_rank(a["grade"]), a["earned"]))

    return best[0], [reported(h) for h in best[1]]


def _rank(grade: str | None) -> int:
    return len(LETTERS) - LETTERS.index(grade) if grade in LETTERS else 0


def _rule(doc: Document, rule_id: str) -> Any:
    return next(r for r in doc.rules if r.id == rule_id)


def _fixpoint(doc: Document, doc_nodes: dict[str, Any], holdings: list[tuple[str, str | None, dt.date]], as_of: dt.date,
              include_pilot: bool, excluded: set[str], losers: dict[str, str]) -> tuple[Held, list[dict[str, Any]]]:
    """Every holding and the derived ones, rounds to the fixpoint, ``excluded`` rules never firing."""
    held: Held = []
    for node, grade, earned in dict.fromkeys(holdings):
        if grade == "F":
            continue
        held.append({"node": node, "key": node, "grade": grade, "earned": earned, "credits": float(doc_nodes[node].credits),
                     "hours": float(doc_nodes[node].hours or 0),
                     "lineage": frozenset((node,)), "kind": None})
    granted: list[dict[str, Any]] = []
    while True:
        derivations: dict[str, tuple[Any, dict[str, Any]]] = {}
        copies: dict[str, list[tuple[Any, dict[str, Any]]]] = {}
        for rule in doc.rules:
            if not (rule.status == "approved" or (rule.status == "pilot" and include_pilot)) or rule.id in excluded:
                continue
            found = _best(doc_nodes, rule, held, as_of, losers)
            if found is None:
                continue
            (size, lineage, uses), used = found
            caps = [float(cap) for g in rule.grants if doc_nodes[g.node].kind == "credential" and doc_nodes[g.node].limits is not None
                    and (cap := doc_nodes[g.node].limits.max_recognized_credits) is not None]
            recognized = sum(u["credits"] for u in used if u["kind"] in ("plar", "transfer"))
            not_applied = max(0.0, recognized - min(caps)) if caps else 0.0
            for g in rule.grants:
                repeatable = doc_nodes[g.node].repeatable
                mine = [h for h in held if h["node"] == g.node]
                if mine and not (repeatable and lineage and not set(lineage) & {e for h in mine for e in h["lineage"]}):
                    continue
                h = {
                    "node": g.node,
                    "credits": float(g.credits if g.credits is not None else doc_nodes[g.node].credits),
                    "hours": float(doc_nodes[g.node].hours or 0),
                    "rule": rule.id,
                    "kind": rule.kind,
                    "granted_by": rule.granted_by,
                    "earned": max(u["earned"] for u in used),
                    "grade": lowest_letter([u["grade"] for u in used]),
                    "uses": uses,
                    "lineage": frozenset(lineage),
                    "not_applied": not_applied,
                }
                # precedence (second edition): higher priority, then more credits, then SPEC's order
                key = (-(rule.priority or 0), -h["credits"], size, lineage, rule.id)
                if repeatable:
                    copies.setdefault(g.node, []).append((key, h))
                elif g.node not in derivations or key < derivations[g.node][0]:
                    derivations[g.node] = (key, h)
        # a repeatable node: every derivation in precedence order whose lineage is disjoint from
        # the copies held and taken before it (an empty one only while none is held)
        won: dict[str, list[dict[str, Any]]] = {node: [h] for node, (_, h) in derivations.items()}
        for node, found in copies.items():
            keys = {h["key"] for h in held if h["node"] == node}
            taken = {e for h in held if h["node"] == node for e in h["lineage"]}
            for _, h in sorted(found, key=lambda x: x[0]):
                if h["lineage"] & taken or (keys and not h["lineage"]):
                    continue
                h["key"] = node if not keys else f"{node} {len(keys) + 1}"
                keys.add(h["key"])
                taken |= h["lineage"]
                won.setdefault(node, []).append(h)
        if not won:
            break
        for node in sorted(won):
            for h in won[node]:
                h.setdefault("key", node)
                held.append(h)
                granted.append(h)
    return held, granted


def oracle_evaluate(doc: Document, holdings: list[tuple[str, str | None, dt.date]], as_of: dt.date, include_pilot: bool) -> tuple[list[dict[str, Any]], set[str]]:
    """SPEC's ``granted`` list and the fired rule ids; ``holdings`` are known nodes, a node
    given more than once being several attempts."""
    doc_nodes = {n.id: n for n in doc.nodes}
    excluded: set[str] = set()
    losers: dict[str, str] = {}
    while True:  # passes: a rule that fired although the final holdings meet its unless is switched off,
        # and a node that lost to an anti-requisite stops counting at its institution; both for good
        held, granted = _fixpoint(doc, doc_nodes, holdings, as_of, include_pilot, excluded, losers)
        more = {h["rule"] for h in granted if (unless := _rule(doc, h["rule"]).unless) is not None
                and _best(doc_nodes, SimpleNamespace(requires=unless, kind="stack", grants=[], valid_from=None,
                                                     valid_to=None, max_age_years=None), held, as_of) is not None}
        lost = {n: i for n, i in _losers(doc_nodes, held).items() if n not in losers}
        if not more and not lost:
            break
        excluded |= more
        losers.update(lost)
    out = []
    for h in granted:
        credits = h["credits"]
        out.append({
            "node": h["node"], "credits": int(credits) if credits.is_integer() else credits, "rule": h["rule"],
            "kind": h["kind"], "granted_by": h["granted_by"], "earned": h["earned"].isoformat(), "grade": h["grade"],
            "uses": [u.partition(" ")[0] for u in h["uses"]], "lineage": sorted(h["lineage"]),
            "not_applied": int(h["not_applied"]) if float(h["not_applied"]).is_integer() else round(h["not_applied"], 6),
        })
    return out, {h["rule"] for h in granted}


def _losers(doc_nodes: dict[str, Any], held: Held) -> dict[str, str]:
    """Held nodes that lose to a held anti-requisite (either node listing the other): in order
    of first earned, higher credits, id, a node counts unless one counting already excludes it."""
    first: dict[str, Any] = {}
    for h in held:
        key = (h["earned"], -h["credits"], h["node"])
        first[h["node"]] = min(first.get(h["node"], key), key)

    def exclusive(a: str, b: str) -> bool:
        return b in doc_nodes[a].excludes or a in doc_nodes[b].excludes

    counted: list[str] = []
    out: dict[str, str] = {}
    for n in sorted(first, key=first.__getitem__):
        if any(exclusive(n, c) for c in counted):
            out[n] = doc_nodes[n].institution
        else:
            counted.append(n)
    return out


def _assignments(req: Requirement, cands: list[Any]) -> tuple[list[Requirement], list[dict[str, Any]], Any]:
    """The leaves, the candidates as holdings, and every placement (a slot or None each), a
    leaf taking at most one."""
    leaves: list[Requirement] = []
    _leaves(req, leaves)
    hs = [{"node": c.node, "credits": c.credits, "lineage": c.lineage, "recognized": c.recognized,
           "resident_of": c.resident_of, "slots": c.slots} for c in cands]

    def placements() -> Any:
        for choice in itertools.product(*[[None, *h["slots"]] for h in hs]):
            taken = [s for s in choice if s is not None and not isinstance(leaves[s], CreditsWhere)]
            if len(taken) == len(set(taken)):
                yield choice

    return leaves, hs, placements()


def _placed(leaves: list[Requirement], hs: list[dict[str, Any]], choice: tuple[int | None, ...]) -> dict[int, list[dict[str, Any]]]:
    placed: dict[int, list[dict[str, Any]]] = {}
    for h, s in zip(hs, choice, strict=True):
        if s is not None:
            placed.setdefault(id(leaves[s]), []).append(h)
    return placed


def _disjoint(hs: list[dict[str, Any]]) -> bool:
    seen: set[str] = set()
    for h in hs:
        if seen & h["lineage"]:
            return False
        seen |= h["lineage"]
    return True


def oracle_assignment(
    req: Requirement, cands: list[Any], limits: tuple[tuple[str | None, float | None, float | None], ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(sorted used holdings, sorted lineage) of the assignment SPEC reports, or None when the
    requirement cannot be met with disjoint lineages within ``limits``."""
    leaves, hs, choices = _assignments(req, cands)
    best: tuple[int, list[str], list[str]] | None = None
    for choice in choices:
        met, used = _met(req, {}, _placed(leaves, hs, choice))
        if not met or not _disjoint(used):
            continue
        ok = True
        for inst, max_rec, min_res in limits:
            rec = sum(h["credits"] for h in used if h["recognized"])
            # institution None: the credits not recognized (what a recognized maximum leaves over)
            res = sum(h["credits"] for h in used if (h["resident_of"] == inst if inst is not None else not h["recognized"]))
            if (max_rec is not None and rec > max_rec + 1e-9) or (min_res is not None and res < min_res - 1e-9):
                ok = False
        if not ok:
            continue
        lineage = sorted(e for h in used for e in h["lineage"])
        key = (len(lineage), lineage, sorted(h["node"] for h in used))
        if best is None or key < best:
            best = key
    return None if best is None else (tuple(best[2]), tuple(best[1]))


def _fraction(req: Requirement, placed: dict[int, list[dict[str, Any]]]) -> float:
    """SPEC's progress fraction of ``req`` for the holdings placed in its leaves."""
    if isinstance(req, (NodeLeaf, CompetencyLeaf)):
        return 1.0 if placed.get(id(req)) else 0.0
    if isinstance(req, CreditsWhere):
        return min(1.0, sum(_weight(h, req) for h in placed.get(id(req), [])) / req.credits)
    kids = [_fraction(c, placed) for c in req.of]
    if isinstance(req, All):
        return sum(kids) / len(kids)
    if isinstance(req, Any_):
        return max(kids)
    if isinstance(req, AtLeast):
        return sum(sorted(kids, reverse=True)[: req.k]) / req.k
    assert isinstance(req, CreditsOf)
    met_credits = 0.0
    for child in req.of:
        met, used = _met(child, {}, placed)
        if met:
            met_credits += sum(_weight(h, req) for h in used)
    return min(1.0, met_credits / req.credits)


def oracle_progress(req: Requirement, cands: list[Any]) -> tuple[float, list[tuple[str, int]]]:
    """The largest fraction over assignments with pairwise disjoint lineages, and the placements
    (node, slot) of the one reported: smallest (lineage size, sorted lineage, sorted holdings)
    among those reaching it, then, as the engine breaks the remaining ties, the smallest slot
    for each holding in the order of (lineage size, sorted lineage, node)."""
    leaves, hs, choices = _assignments(req, cands)
    order = {h["node"]: r for r, h in enumerate(sorted(hs, key=lambda h: (len(h["lineage"]), sorted(h["lineage"]), h["node"])))}
    scored = []
    for choice in choices:
        used = [h for h, s in zip(hs, choice, strict=True) if s is not None]
        if not _disjoint(used):
            continue
        fraction = _fraction(req, _placed(leaves, hs, choice))
        lineage = sorted(e for h in used for e in h["lineage"])
        slots = sorted((order[h["node"]], s) for h, s in zip(hs, choice, strict=True) if s is not None)
        scored.append((fraction, (len(lineage), lineage, sorted(h["node"] for h in used), slots), choice))
    top = max(f for f, _, _ in scored)
    _, _, choice = min((x for x in scored if x[0] > top - 1e-9), key=lambda x: x[1])
    return top, sorted((h["node"], s) for h, s in zip(hs, choice, strict=True) if s is not None)
