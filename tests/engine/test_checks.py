"""Registrar checks: ambiguous, circular, inflating, retired references; dependents of a rule."""

from __future__ import annotations

from pathways.engine.checks import check_graph, dependents
from pathways.model import Document, parse_document


def graph(rules: list[dict], nodes: list[dict] | None = None) -> Document:
    base = [{"id": f"U:{x}", "kind": "course", "institution": "U", "title": x, "credits": c}
            for x, c in (("A", 1), ("B", 1), ("C", 3), ("D", 3))]
    return parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
                           "nodes": base + (nodes or []), "rules": rules})


def rule(id: str, requires: dict, grants: str, *, by: str = "U", status: str = "approved", credits: float | None = None) -> dict:
    grant = {"node": grants} if credits is None else {"node": grants, "credits": credits}
    return {"id": id, "kind": "transfer", "granted_by": by, "requires": requires, "grants": [grant], "status": status}


def checks(doc: Document) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.check, f.rules) for f in check_graph(doc)]


def test_a_clean_graph_has_no_findings() -> None:
    doc = graph([rule("R1", {"all": [{"node": "U:A"}, {"node": "U:B"}]}, "U:C", credits=2),
                 rule("R2", {"node": "U:C"}, "U:D")])
    assert checks(doc) == []


def test_ambiguous_rules_of_one_institution() -> None:
    doc = graph([rule("R1", {"node": "U:C"}, "U:D"), rule("R2", {"node": "U:C"}, "U:B"),
                 rule("R3", {"node": "U:C"}, "U:A", by="V"), rule("R4", {"node": "U:C", "min_grade": "B"}, "U:A")])
    assert checks(doc) == [("ambiguous", ("R1", "R2"))]


def test_circular_rules() -> None:
    doc = graph([rule("R1", {"node": "U:C"}, "U:D"), rule("R2", {"node": "U:D"}, "U:C"), rule("R3", {"node": "U:A"}, "U:B")])
    assert checks(doc) == [("circular", ("R1", "R2"))]


def test_inflating_credit() -> None:
    doc = graph([rule("R1", {"node": "U:A"}, "U:C"),
                 rule("R2", {"any": [{"node": "U:A"}, {"node": "U:D"}]}, "U:B", credits=2),
                 rule("R3", {"at_least": 1, "of": [{"node": "U:C"}, {"node": "U:D"}]}, "U:B", credits=3),
                 rule("R4", {"credits": 6, "where": {"institution": "U"}}, "U:C")])
    assert checks(doc) == [("inflating", ("R1",)), ("inflating", ("R2",))]


def test_proposed_and_retired_rules_are_not_checked_and_retired_nodes_are_flagged() -> None:
    doc = graph([rule("R1", {"node": "U:A"}, "U:C", status="proposed"), rule("R2", {"node": "U:X"}, "U:D")],
                nodes=[{"id": "U:X", "kind": "course", "institution": "U", "title": "X", "credits": 3, "status": "retired"}])
    assert checks(doc) == [("retired_reference", ("R2",))]


def test_findings_filtered_by_institution() -> None:
    doc = graph([rule("R1", {"node": "U:A"}, "U:C"), rule("R2", {"node": "U:B"}, "U:D", by="V")])
    assert [f.rules for f in check_graph(doc, institution="V")] == [("R2",)]


def test_dependents_follow_chains_and_cycles() -> None:
    doc = graph([rule("R1", {"node": "U:A"}, "U:B"), rule("R2", {"all": [{"node": "U:B"}, {"node": "U:A"}]}, "U:C", credits=1),
                 rule("R3", {"node": "U:C"}, "U:D"), rule("R4", {"node": "U:D"}, "U:C"), rule("R5", {"node": "U:A"}, "U:D")])
    assert dependents(doc, "R1") == ["R2", "R3", "R4"]
    assert dependents(doc, "R3") == ["R4"]
    assert dependents(doc, "nope") == []
