"""The planner's program on cycles of transfers: a node held through a cycle needs a derivation from outside it."""

from __future__ import annotations

import datetime as dt

from pathways.engine import Engine, plan
from pathways.engine.plan_model import PlanModel
from pathways.model import Document, PlanRequest

AS_OF = dt.date(2026, 1, 10)


def ring(size: int, *, pairs: bool = False, kind: str = "stack") -> Engine:
    """Courses E0..E{size-1} (E0 dear, the others 10 + i hours), each granting the next round a ring (rules of
    ``kind``: a stack chains, a transfer does not, transfer credit being assessed at its origin); T needs E0.

    With ``pairs`` every other transfer also needs F and G, derived from courses Z and Y (1 hour each): those
    rules mention three derivable nodes, so the ring is no cycle of rules with one or two.
    """
    courses = [{"id": f"U:E{i}", "kind": "course", "institution": "U", "title": f"E{i}", "hours": 100 if i == 0 else 10 + i}
               for i in range(size)]  # fmt: skip
    courses += [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": 1} for c in ("Y", "Z")]
    rules = []
    for i in range(size):
        source: dict[str, object] = {"node": f"U:E{i}"}
        requires = {"all": [source, {"node": "U:F"}, {"node": "U:G"}]} if pairs and i % 2 else source
        rules.append({"id": f"X{i}", "kind": kind, "granted_by": "U", "requires": requires, "grants": [{"node": f"U:E{(i + 1) % size}"}]})
    rules.append({"id": "RT", "kind": "stack", "granted_by": "U", "requires": {"node": "U:E0"}, "grants": [{"node": "U:T"}]})
    rules.append({"id": "RF", "kind": "stack", "granted_by": "U", "requires": {"node": "U:Z"}, "grants": [{"node": "U:F"}]})
    rules.append({"id": "RG", "kind": "stack", "granted_by": "U", "requires": {"node": "U:Y"}, "grants": [{"node": "U:G"}]})
    return Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [*courses, *({"id": f"U:{c}", "kind": "credential", "institution": "U", "title": c} for c in ("T", "F", "G"))],
        "rules": rules,
    }))  # fmt: skip


def model_of(engine: Engine) -> PlanModel:
    return PlanModel(engine, target="U:T", held={}, weight=lambda n: engine.nodes[n].hours, as_of=AS_OF, include_pilot=False)


def test_a_ring_of_equivalents_is_held_only_from_a_course_taken() -> None:
    # Every E reaches E0 around the ring; a relaxation without founded support holds the whole ring for nothing.
    model = model_of(ring(12))
    assert model.solve() == (frozenset({"U:E1"}), 11.0)  # E1 -> E2 -> ... -> E11 -> E0 -> T
    assert model.solves == 1


def test_a_ring_of_paired_stacks_is_founded_in_one_solve() -> None:
    # Half the rules also need F and G: the integer program used before needed its loop rows one solve at a time.
    engine = ring(8, pairs=True)
    model = model_of(engine)
    found = model.solve()
    assert model.solves == 1
    assert found == (frozenset({"U:E1", "U:Y", "U:Z"}), 13.0)  # founded, lineages aside


def test_transfer_credit_is_not_transferred_again_in_the_program() -> None:
    # A ring of transfers: transfer credit is assessed at its origin, so the program, like evaluation, reaches E0
    # only by one transfer from a course taken. Without it every solve chained transfers around the ring and
    # failed verification, one cut per course (on BC-shaped graphs, hundreds of cuts per question).
    model = model_of(ring(12, kind="transfer"))
    assert model.solve() == (frozenset({"U:E11"}), 21.0)
    assert model.solves == 1
    paired = ring(8, pairs=True, kind="transfer")
    model = model_of(paired)
    assert model.solve() == (frozenset({"U:E7", "U:Y", "U:Z"}), 19.0)
    result = plan(paired, PlanRequest(target="U:T", as_of=AS_OF))
    assert [(p.items, p.total) for p in result.plans] == [(("U:E7", "U:Y", "U:Z"), 19.0)]
