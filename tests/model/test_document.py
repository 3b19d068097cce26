"""pathways/1 documents: entity fields, every problem with its JSON path, reference checks."""

from __future__ import annotations

import pytest

from pathways.errors import InvalidDocument
from pathways.model import Document, KnownIds, Node, Rule, parse_document, reference_problems


def doc(**parts: list) -> dict:
    return {"format": "pathways/1", **parts}


INST = [{"id": "UFV", "name": "University of the Fraser Valley"}]
COURSE = {"id": "UFV:GD157", "kind": "course", "institution": "UFV", "title": "Digital Imaging", "credits": 3}


def problems_of(value: object) -> list[str]:
    with pytest.raises(InvalidDocument) as err:
        parse_document(value)
    return [str(p) for p in err.value.problems]


def test_spec_example_parses() -> None:
    d = parse_document(doc(
        institutions=[{"id": "UFV", "name": "University of the Fraser Valley", "jurisdiction": "BC", "type": "university"}],
        nodes=[{"id": "UFV:PS-ESS", "kind": "course", "institution": "UFV", "title": "Photoshop Essentials",
                "credits": 1, "level": 1, "subject": "DM", "hours": 30, "cost": 350,
                "competencies": [], "prerequisites": None,
                "identifiers": ["https://badges.example.org/achievements/ps-ess"], "status": "active",
                "details": {"delivery_mode": "online", "assessment_method": "proficiency"}}, COURSE],
        rules=[{"id": "UFV-GD157-PLAR", "kind": "plar", "granted_by": "UFV",
                "requires": {"all": [{"node": "UFV:PS-ESS"}]}, "grants": [{"node": "UFV:GD157"}],
                "valid_from": "2021-09-01", "valid_to": None, "max_age_years": None,
                "status": "approved", "approved_by": "UFV Senate", "note": "n", "source": "BCcampus toolkit"}],
    ))
    assert reference_problems(d, KnownIds()) == []
    assert d.rules[0].valid_from.isoformat() == "2021-09-01"
    assert d.nodes[0].credits == 1 and d.nodes[0].to_json()["credits"] == 1 and isinstance(d.nodes[0].to_json()["credits"], int)


def test_defaults() -> None:
    node = Node.model_validate({"id": "C", "kind": "competency", "title": "Teamwork"})
    assert (node.credits, node.status, node.institution, node.competencies) == (0, "active", None, [])
    rule = Rule.model_validate({"id": "R", "kind": "stack", "granted_by": "X", "requires": {"node": "A"}, "grants": [{"node": "B"}]})
    assert rule.status == "approved"


@pytest.mark.parametrize(("node", "expected"), [
    ({"id": "A", "kind": "badge", "institution": "UFV", "title": "t"}, "nodes[0].kind: Input should be"),
    ({"id": "A", "kind": "course", "title": "t"}, "nodes[0]: institution is required for a course node"),
    ({"id": "A", "kind": "course", "institution": "UFV"}, "nodes[0].title: Field required"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "credits": -1}, "nodes[0].credits: Input should be greater than or equal to 0"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "hours": float("nan")}, "nodes[0].hours: Input should be a finite number"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "cost": "cheap"}, "nodes[0].cost: Input should be a valid number"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "level": 10}, "nodes[0].level: Input should be less than or equal to 9"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "status": "gone"}, "nodes[0].status"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "colour": "red"}, "nodes[0].colour: Extra inputs are not permitted"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "limits": {"max_recognized_credits": 3}},
     "nodes[0]: limits are allowed on credential nodes only"),
    ({"id": "A", "kind": "course", "institution": "UFV", "title": "t", "prerequisites": {"all": []}},
     "nodes[0].prerequisites.all: must be a non-empty list"),
    ({"id": "A\tB", "kind": "course", "institution": "UFV", "title": "t"}, "nodes[0].id: an id must not contain whitespace"),
])
def test_bad_nodes(node: dict, expected: str) -> None:
    found = problems_of(doc(institutions=INST, nodes=[node]))
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(("rule", "expected"), [
    ({"kind": "swap"}, "rules[0].kind: Input should be"),
    ({"grants": []}, "rules[0].grants: a plar rule must grant at least one node (only a transfer rule may grant none: no credit)"),
    ({"grants": [{"node": "UFV:GD157", "credits": -1}]}, "rules[0].grants[0].credits: Input should be greater than or equal to 0"),
    ({"requires": {"at_least": 2, "of": [{"node": "UFV:GD157"}]}}, "rules[0].requires.at_least: must be between 1 and 1"),
    ({"requires": None}, "rules[0].requires"),
    ({"valid_from": "2024-01-01", "valid_to": "2023-01-01"}, "rules[0]: valid_from 2024-01-01 is after valid_to 2023-01-01"),
    ({"valid_from": "not a date"}, "rules[0].valid_from"),
    ({"status": "draft"}, "rules[0].status"),
    ({"max_age_years": -5}, "rules[0].max_age_years"),
])
def test_bad_rules(rule: dict, expected: str) -> None:
    base = {"id": "R", "kind": "plar", "granted_by": "UFV", "requires": {"node": "UFV:GD157"}, "grants": [{"node": "UFV:GD157"}]}
    found = problems_of(doc(institutions=INST, nodes=[COURSE], rules=[{**base, **rule}]))
    assert any(p.startswith(expected) for p in found), found


def test_document_level_problems_are_all_listed() -> None:
    found = problems_of({"format": "pathways/0", "nodes": {}, "extra": 1,
                         "institutions": [{"id": "UFV", "name": "a"}, {"id": "UFV", "name": "b"}, "x"]})
    assert found == [
        "format: must be \"pathways/1\", got 'pathways/0'",
        "extra: unknown field; expected format, institutions, nodes, rules",
        'institutions[1].id: duplicate id "UFV" (also institutions[0])',
        "institutions[2]: must be an object",
        "nodes: must be a list",
    ]
    assert problems_of([]) == ["a pathways/1 document must be a JSON object"]


def test_reference_problems_name_every_unresolved_reference() -> None:
    d = parse_document(doc(
        institutions=INST,
        nodes=[COURSE,
               {"id": "X:1", "kind": "course", "institution": "NOPE", "title": "t", "competencies": ["K", "UFV:GD157"],
                "prerequisites": {"any": [{"node": "UFV:GD157"}, {"node": "GONE"}]}}],
        rules=[{"id": "R", "kind": "transfer", "granted_by": "SFU",
                "requires": {"all": [{"node": "UFV:GD157"}, {"credits": 3, "where": {"institution": "UVIC"}}]},
                "grants": [{"node": "SFU:IAT"}]}],
    ))
    assert [str(p) for p in reference_problems(d, KnownIds())] == [
        'nodes[1].institution: unknown institution "NOPE"',
        'nodes[1].competencies[0]: unknown competency "K"',
        'nodes[1].competencies[1]: "UFV:GD157" is a course node, not a competency',
        'nodes[1].prerequisites.any[1].node: unknown node "GONE"',
        'rules[0].granted_by: unknown institution "SFU"',
        'rules[0].requires.all[1].where.institution: unknown institution "UVIC"',
        'rules[0].grants[0].node: unknown node "SFU:IAT"',
    ]
    known = KnownIds(institutions={"NOPE", "SFU", "UVIC"}, nodes={"K": "competency", "GONE": "course", "SFU:IAT": "course"})
    assert [str(p) for p in reference_problems(d, known)] == ['nodes[1].competencies[1]: "UFV:GD157" is a course node, not a competency']


def test_to_json_round_trip() -> None:
    value = doc(institutions=INST, nodes=[COURSE], rules=[
        {"id": "R", "kind": "plar", "granted_by": "UFV", "requires": {"credits": 3, "where": {"subject": "GD"}},
         "grants": [{"node": "UFV:GD157", "credits": 1.5}], "valid_from": "2021-09-01", "max_age_years": 5}])
    d = parse_document(value)
    assert parse_document(d.to_json()) == d
    assert d.to_json()["rules"][0] == {**value["rules"][0], "status": "approved"}
    assert Document().to_json() == {"format": "pathways/1", "institutions": [], "nodes": [], "rules": []}
