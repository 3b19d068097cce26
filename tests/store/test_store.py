"""The store suite: one set of tests, run against every Store implementation."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from pathways.errors import InvalidDocument
from pathways.model import Document, Institution, Node, Rule, parse_document
from pathways.store import AuditQuery, NodeQuery, RuleQuery, Store


def tiny() -> Document:
    return parse_document({
        "format": "pathways/1",
        "institutions": [
            {"id": "UFV", "name": "University of the Fraser Valley", "jurisdiction": "BC", "type": "university"},
            {"id": "SFU", "name": "Simon Fraser University"},
        ],
        "nodes": [
            {"id": "CMP:IMAGE", "kind": "competency", "title": "Image editing"},
            {"id": "UFV:PS-ESS", "kind": "course", "institution": "UFV", "title": "Photoshop Essentials", "credits": 1,
             "hours": 30, "cost": 350, "competencies": ["CMP:IMAGE"], "identifiers": ["https://badges.example.org/ps-ess"],
             "details": {"delivery_mode": "online"}},
            {"id": "UFV:IL-GD", "kind": "course", "institution": "UFV", "title": "Illustrator for Graphic Design", "credits": 1},
            {"id": "UFV:GD157", "kind": "course", "institution": "UFV", "title": "Digital Imaging", "credits": 3, "level": 1,
             "subject": "GD", "prerequisites": {"node": "UFV:PS-ESS"}, "excludes": ["UFV:IL-GD"]},
            {"id": "SFU:IAT1XX", "kind": "course", "institution": "SFU", "title": "IAT 1XX", "credits": 3, "repeatable": True},
            {"id": "SFU:BA", "kind": "credential", "institution": "SFU", "title": "BA",
             "limits": {"max_recognized_credits": 60, "min_residency_credits": 30}},
        ],
        "rules": [
            {"id": "UFV-GD157-PLAR", "kind": "plar", "granted_by": "UFV",
             "requires": {"all": [{"node": "UFV:PS-ESS"}, {"node": "UFV:IL-GD"}]}, "grants": [{"node": "UFV:GD157"}],
             "valid_from": "2021-09-01", "note": "micro-courses = GD 157"},
            {"id": "UFV-SFU-GD157", "kind": "transfer", "granted_by": "SFU",
             "requires": {"node": "UFV:GD157", "min_grade": "C"}, "grants": [{"node": "SFU:IAT1XX", "credits": 3}]},
            {"id": "SFU-BA", "kind": "stack", "granted_by": "SFU", "status": "proposed",
             "requires": {"credits": 120, "where": {"institution": "SFU", "level_min": 1}}, "grants": [{"node": "SFU:BA"}]},
        ],
    })


def test_empty_store(store: Store) -> None:
    assert store.counts() == {"institutions": 0, "nodes": 0, "rules": 0}
    assert store.version() == 0
    assert store.export() == Document()
    assert store.audit() == []


def test_import_then_export_reproduces_the_document(store: Store) -> None:
    doc = tiny()
    summary = store.import_document(doc, actor="admin")
    assert len(summary.changes) == 2 + 6 + 3
    assert {c.op for c in summary.changes} == {"created"}
    assert store.export().to_json() == doc.to_json()
    assert store.counts() == {"institutions": 2, "nodes": 6, "rules": 3}


def test_reads_by_id(store: Store) -> None:
    doc = tiny()
    store.import_document(doc, actor="admin")
    assert store.get_node("UFV:PS-ESS") == next(n for n in doc.nodes if n.id == "UFV:PS-ESS")
    assert store.get_node("SFU:IAT1XX").repeatable  # type: ignore[union-attr]
    assert store.get_rule("UFV-SFU-GD157") == next(r for r in doc.rules if r.id == "UFV-SFU-GD157")
    assert store.get_institution("SFU") == Institution(id="SFU", name="Simon Fraser University")
    assert store.get_node("nope") is None and store.get_rule("nope") is None and store.get_institution("nope") is None
    assert [i.id for i in store.list_institutions()] == ["SFU", "UFV"]


def test_import_merges_by_id_and_reports_changes(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    v = store.version()
    changed = Node(id="UFV:IL-GD", kind="course", institution="UFV", title="Illustrator (renamed)", credits=1)
    added = Node(id="UFV:PS-GD", kind="course", institution="UFV", title="Photoshop for GD", credits=1)
    summary = store.import_document(Document(nodes=[changed, added]), actor="registrar:UFV")
    assert sorted((c.id, c.op) for c in summary.changes) == [("UFV:IL-GD", "updated"), ("UFV:PS-GD", "created")]
    assert summary.version == v + 1 == store.version()
    assert store.get_node("UFV:IL-GD") == changed
    assert store.counts()["nodes"] == 7


def test_unchanged_import_writes_nothing(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    v, audit = store.version(), store.audit()
    summary = store.import_document(tiny(), actor="admin")
    assert summary.changes == () and store.version() == v and store.audit() == audit


def test_bad_reference_rejects_the_whole_document(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    before, v = store.export(), store.version()
    good = [Node(id=f"UFV:MC{i:03}", kind="course", institution="UFV", title=f"Micro-course {i}", credits=1) for i in range(200)]
    bad_rule = Rule.model_validate({"id": "BAD", "kind": "plar", "granted_by": "UFV",
                                    "requires": {"any": [{"node": "UFV:MC001"}, {"node": "UFV:XX"}]},
                                    "grants": [{"node": "UFV:GD157"}]})
    with pytest.raises(InvalidDocument) as err:
        store.import_document(Document(nodes=good, rules=[bad_rule]), actor="admin")
    assert [str(p) for p in err.value.problems] == ['rules[0].requires.any[1].node: unknown node "UFV:XX"']
    assert store.export() == before and store.version() == v


def test_references_resolve_against_the_store(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    rule = Rule.model_validate({"id": "NEW", "kind": "ladder", "granted_by": "UFV", "requires": {"competency": "CMP:IMAGE"},
                                "grants": [{"node": "UFV:GD157"}]})
    store.import_document(Document(rules=[rule]), actor="admin")
    assert store.get_rule("NEW") == rule
    wrong = Rule.model_validate({"id": "NEW2", "kind": "ladder", "granted_by": "NOPE", "requires": {"competency": "UFV:GD157"},
                                 "grants": [{"node": "UFV:GD157"}]})
    with pytest.raises(InvalidDocument) as err:
        store.import_document(Document(rules=[wrong]), actor="admin")
    assert sorted(str(p) for p in err.value.problems) == [
        'rules[0].granted_by: unknown institution "NOPE"',
        'rules[0].requires.competency: "UFV:GD157" is a course node, not a competency',
    ]


def test_a_node_s_excludes_resolve_against_the_store(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    assert store.get_node("UFV:GD157").excludes == ["UFV:IL-GD"]  # type: ignore[union-attr]
    anti = Node(id="UFV:PS-ALT", kind="course", institution="UFV", title="Photoshop (alternate)", credits=1, excludes=["UFV:PS-ESS"])
    store.import_document(Document(nodes=[anti]), actor="admin")
    assert store.get_node("UFV:PS-ALT") == anti
    wrong = Node(id="UFV:PS-BAD", kind="course", institution="UFV", title="Bad", excludes=["UFV:NOPE", "CMP:IMAGE"])
    with pytest.raises(InvalidDocument) as err:
        store.import_document(Document(nodes=[wrong]), actor="admin")
    assert [str(p) for p in err.value.problems] == [
        'nodes[0].excludes[0]: unknown node "UFV:NOPE"',
        'nodes[0].excludes[1]: "CMP:IMAGE" is a competency: only nodes with an institution exclude each other',
    ]


def test_list_nodes_filters_and_pages(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    assert [n.id for n in store.list_nodes(NodeQuery(institution="UFV"))] == ["UFV:GD157", "UFV:IL-GD", "UFV:PS-ESS"]
    assert [n.id for n in store.list_nodes(NodeQuery(kind="credential"))] == ["SFU:BA"]
    assert [n.id for n in store.list_nodes(NodeQuery(q="photoshop"))] == ["UFV:PS-ESS"]
    assert [n.id for n in store.list_nodes(NodeQuery(q="gd157"))] == ["UFV:GD157"]
    first = store.list_nodes(NodeQuery(limit=4))
    rest = store.list_nodes(NodeQuery(limit=4, after=first[-1].id))
    assert [n.id for n in first + rest] == sorted(n.id for n in tiny().nodes)
    assert len(first) == 4 and len(rest) == 2


def test_list_rules_filters(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    ids = lambda q: [r.id for r in store.list_rules(q)]  # noqa: E731
    assert ids(RuleQuery()) == ["SFU-BA", "UFV-GD157-PLAR", "UFV-SFU-GD157"]
    assert ids(RuleQuery(granted_by="SFU")) == ["SFU-BA", "UFV-SFU-GD157"]
    assert ids(RuleQuery(kind="plar")) == ["UFV-GD157-PLAR"]
    assert ids(RuleQuery(status="proposed")) == ["SFU-BA"]
    assert ids(RuleQuery(touches="UFV:GD157")) == ["UFV-GD157-PLAR", "UFV-SFU-GD157"]
    assert ids(RuleQuery(touches="UFV:IL-GD")) == ["UFV-GD157-PLAR"]
    assert ids(RuleQuery(limit=1, after="SFU-BA")) == ["UFV-GD157-PLAR"]


def test_touches_follows_an_updated_rule(store: Store) -> None:
    store.import_document(tiny(), actor="admin")
    rule = Rule.model_validate({"id": "UFV-GD157-PLAR", "kind": "plar", "granted_by": "UFV",
                                "requires": {"node": "UFV:PS-ESS"}, "grants": [{"node": "UFV:GD157"}]})
    store.import_document(Document(rules=[rule]), actor="admin")
    assert [r.id for r in store.list_rules(RuleQuery(touches="UFV:IL-GD"))] == []


def test_audit_records_who_when_and_what(store: Store) -> None:
    t0 = time.time()
    store.import_document(tiny(), actor="admin", action="load")
    node = Node(id="UFV:IL-GD", kind="course", institution="UFV", title="Illustrator II", credits=1)
    store.import_document(Document(nodes=[node]), actor="registrar:UFV", action="put_node")
    entries = store.audit()
    assert [(e.actor, e.action) for e in entries] == [("admin", "load"), ("registrar:UFV", "put_node")]
    assert entries[0].seq < entries[1].seq
    assert t0 - 5 <= entries[1].at.timestamp() <= time.time() + 5
    assert [c.as_json() for c in entries[1].changes] == [{"entity": "node", "id": "UFV:IL-GD", "op": "updated", "changes": [
        {"field": "title", "before": "Illustrator for Graphic Design", "after": "Illustrator II"}]}]
    assert len(entries[0].changes) == 11
    assert store.audit(after=entries[0].seq) == entries[1:]
    assert store.audit(limit=1) == entries[:1]


def test_version_increases_with_every_write(store: Store) -> None:
    versions = [store.version()]
    for i in range(3):
        store.import_document(Document(institutions=[Institution(id=f"I{i}", name=f"Inst {i}")]), actor="admin")
        versions.append(store.version())
    assert versions == sorted(set(versions)) and len(versions) == 4


def test_version_now_is_the_version_when_it_can_be_read_at_once(store: Store) -> None:
    store.import_document(Document(institutions=[Institution(id="I0", name="Inst 0")]), actor="admin")
    # a local file reads at once; a graph server is a round trip, never read "at once"
    assert store.version_now() == (store.version() if store.kind == "sqlite" else None)


def test_audit_diffs_name_every_changed_field_before_and_after(store: Store) -> None:
    store.import_document(tiny(), actor="admin", action="load")
    created = {c.id: c for c in store.audit()[0].changes}
    assert [f.as_json() for f in created["SFU:IAT1XX"].fields] == [
        {"field": "credits", "before": None, "after": 3}, {"field": "id", "before": None, "after": "SFU:IAT1XX"},
        {"field": "institution", "before": None, "after": "SFU"}, {"field": "kind", "before": None, "after": "course"},
        {"field": "repeatable", "before": None, "after": True},
        {"field": "status", "before": None, "after": "active"}, {"field": "title", "before": None, "after": "IAT 1XX"}]
    rule = store.get_rule("UFV-GD157-PLAR")
    assert rule is not None
    patched = rule.model_copy(update={"note": None, "status": "retired", "valid_to": dt.date(2026, 8, 31)})
    store.import_document(Document(rules=[patched]), actor="registrar:UFV", action="retire rule UFV-GD157-PLAR")
    (change,) = store.audit()[-1].changes
    assert (change.entity, change.id, change.op) == ("rule", "UFV-GD157-PLAR", "updated")
    assert [f.as_json() for f in change.fields] == [
        {"field": "note", "before": "micro-courses = GD 157", "after": None},
        {"field": "status", "before": "approved", "after": "retired"},
        {"field": "valid_to", "before": None, "after": "2026-08-31"}]


def test_audit_filters_by_entity_actor_and_since(store: Store) -> None:
    store.import_document(tiny(), actor="admin", action="load")
    first = store.audit()[0]
    for i, actor in enumerate(("registrar:UFV", "registrar:SFU", "registrar:UFV")):
        node = Node(id="UFV:IL-GD" if i != 1 else "SFU:IAT1XX", kind="course", institution="UFV" if i != 1 else "SFU",
                    title=f"title {i}")
        store.import_document(Document(nodes=[node]), actor=actor, action=f"write {i}")
    actions = lambda q: [e.action for e in store.audit(q)]  # noqa: E731
    assert actions(AuditQuery(entity="UFV:IL-GD")) == ["load", "write 0", "write 2"]
    assert actions(AuditQuery(entity="SFU:IAT1XX")) == ["load", "write 1"]
    assert actions(AuditQuery(entity="UFV")) == ["load"]
    assert actions(AuditQuery(entity="UFV:IL")) == []
    assert actions(AuditQuery(actor="registrar:UFV")) == ["write 0", "write 2"]
    assert actions(AuditQuery(actor="registrar:UFV", entity="UFV:IL-GD", limit=1)) == ["write 0"]
    after_load = store.audit()[1].at
    assert actions(AuditQuery(since=after_load)) == ["write 0", "write 1", "write 2"]
    assert actions(AuditQuery(since=after_load.astimezone(dt.timezone(dt.timedelta(hours=-8))))) == ["write 0", "write 1", "write 2"]
    assert actions(AuditQuery(since=first.at + dt.timedelta(days=1))) == []
    assert actions(AuditQuery(entity="UFV:IL-GD", after=store.audit()[1].seq)) == ["write 2"]
