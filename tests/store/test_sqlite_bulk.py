"""The SQLite store's bulk import and export: batched, with the garbage collector paused,
and with the same results as writing entity by entity."""

from __future__ import annotations

import gc
import threading
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathways.errors import InvalidDocument, StoreError
from pathways.model import Document, Grant, Institution, Node, Rule
from pathways.model.requirements import NodeLeaf
from pathways.store import RuleQuery
from pathways.store.base import Change
from pathways.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(str(tmp_path / "bulk.db"))
    yield s
    s.close()


def course(i: int) -> Node:
    return Node(id=f"U:C{i:04d}", kind="course", institution="U", title=f"Course {i}", credits=3)


def rule(i: int, requires: str, grants: str, note: str | None = None) -> Rule:
    return Rule(
        id=f"R{i:04d}", kind="transfer", granted_by="U", requires=NodeLeaf(requires), grants=[Grant(node=grants)], note=note
    )


def big(n: int) -> Document:
    """More nodes and rules than one batch of ids (500), so reads of held rows take several queries."""
    nodes = [course(i) for i in range(n)]
    rules = [rule(i, f"U:C{i:04d}", f"U:C{(i + 1) % n:04d}") for i in range(n)]
    return Document(institutions=[Institution(id="U", name="U")], nodes=nodes, rules=rules)


def touch_rows(store: SQLiteStore) -> list[tuple[str, str]]:
    return [(str(n), str(r)) for n, r in store._read("SELECT node, rule FROM rule_touches ORDER BY rule, node")]


def test_bulk_import_then_export_round_trips(store: SQLiteStore) -> None:
    doc = big(1200)
    summary = store.import_document(doc, actor="admin")
    assert summary.counts() == {"institutions created": 1, "nodes created": 1200, "rules created": 1200}
    assert [c.id for c in summary.changes][:3] == ["U", "U:C0000", "U:C0001"]
    assert store.export() == doc
    assert len(touch_rows(store)) == 2 * 1200
    assert [r.id for r in store.list_rules(RuleQuery(touches="U:C0700"))] == ["R0699", "R0700"]


def test_reimport_of_a_large_store_reports_only_what_changed(store: SQLiteStore) -> None:
    doc = big(1200)
    store.import_document(doc, actor="admin")
    assert store.import_document(doc, actor="admin").changes == ()
    assert store.version() == 1
    changed = rule(900, "U:C0005", "U:C0006", note="moved")
    summary = store.import_document(Document(rules=[*doc.rules[:10], changed, rule(5000, "U:C0001", "U:C0002")]), actor="admin")
    assert [(c.id, c.op) for c in summary.changes] == [("R0900", "updated"), ("R5000", "created")]
    assert store.get_rule("R0900") == changed
    assert [r for r in touch_rows(store) if r[1] == "R0900"] == [("U:C0005", "R0900"), ("U:C0006", "R0900")]
    assert [r.id for r in store.list_rules(RuleQuery(touches="U:C0900"))] == ["R0899"]
    assert store.version() == 2


def test_a_repeated_id_is_written_as_a_write_of_each_in_turn_would(store: SQLiteStore) -> None:
    base = big(3)
    store.import_document(base, actor="admin")
    first, second = rule(1, "U:C0000", "U:C0002", note="first"), rule(1, "U:C0002", "U:C0000", note="second")
    summary = store.import_document(Document(rules=[first, second, second, base.rules[1]]), actor="admin")
    assert [(c.id, c.op) for c in summary.changes] == [("R0001", "updated"), ("R0001", "updated"), ("R0001", "updated")]
    assert store.get_rule("R0001") == base.rules[1]
    assert [r for r in touch_rows(store) if r[1] == "R0001"] == [("U:C0001", "R0001"), ("U:C0002", "R0001")]
    fresh = store.import_document(Document(rules=[rule(9, "U:C0000", "U:C0001"), rule(9, "U:C0001", "U:C0002")]), actor="admin")
    assert [(c.id, c.op) for c in fresh.changes] == [("R0009", "created"), ("R0009", "updated")]
    assert [r for r in touch_rows(store) if r[1] == "R0009"] == [("U:C0001", "R0009"), ("U:C0002", "R0009")]


def test_a_repeated_id_in_a_later_batch_sees_the_earlier_write(store: SQLiteStore) -> None:
    base = big(3)
    filler = [rule(100 + i, "U:C0000", "U:C0001") for i in range(600)]
    first, second = rule(1, "U:C0000", "U:C0002", note="first"), rule(1, "U:C0002", "U:C0001", note="second")
    doc = Document(institutions=base.institutions, nodes=base.nodes, rules=[first, *filler, second, *filler[:3], second])
    summary = store.import_document(doc, actor="admin")
    assert [(c.id, c.op) for c in summary.changes if c.id == "R0001"] == [("R0001", "created"), ("R0001", "updated")]
    assert len(summary.changes) == 1 + 3 + 600 + 2
    assert store.get_rule("R0001") == second
    assert [r for r in touch_rows(store) if r[1] == "R0001"] == [("U:C0001", "R0001"), ("U:C0002", "R0001")]


def test_a_failed_bulk_import_writes_nothing(store: SQLiteStore) -> None:
    store.import_document(big(600), actor="admin")
    before = (store.export(), store.version(), touch_rows(store), store.audit())
    dangling = Document(rules=[rule(1, "U:C0001", "U:C0002", note="changed"), rule(7000, "U:NOPE", "U:C0001")])
    with pytest.raises(InvalidDocument):
        store.import_document(dangling, actor="admin")
    # A row SQLite refuses mid-write rolls back the rows the same import already wrote.
    store._db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON rules WHEN NEW.id = 'R9999' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    late = Document(institutions=[Institution(id="V", name="V")], nodes=[course(1).model_copy(update={"title": "new"})],
                    rules=[rule(2, "U:C0001", "U:C0009", note="changed"), rule(9999, "U:C0001", "U:C0002")])  # fmt: skip
    with pytest.raises(StoreError, match="nothing written.*refused"):
        store.import_document(late, actor="admin")
    assert (store.export(), store.version(), touch_rows(store), store.audit()) == before


@pytest.mark.parametrize("on", [True, False])
def test_bulk_work_leaves_the_collector_as_it_found_it(store: SQLiteStore, on: bool) -> None:
    was_on = gc.isenabled()
    (gc.enable if on else gc.disable)()
    try:
        store.import_document(big(10), actor="admin")
        assert gc.isenabled() is on
        store.export()
        assert gc.isenabled() is on
        with pytest.raises(InvalidDocument):
            store.import_document(Document(rules=[rule(1, "U:NOPE", "U:C0001")]), actor="admin")
        assert gc.isenabled() is on
    finally:
        (gc.enable if was_on else gc.disable)()


def test_stored_text_is_canonical_json(store: SQLiteStore) -> None:
    store.import_document(big(2), actor="admin")
    db = sqlite3.connect(store.path)
    try:
        (text,) = db.execute("SELECT data FROM rules WHERE id='R0000'").fetchone()
    finally:
        db.close()
    assert text == ('{"granted_by":"U","grants":[{"node":"U:C0001"}],"id":"R0000","kind":"transfer",'
                    '"requires":{"node":"U:C0000"},"status":"approved"}')  # fmt: skip


def test_the_audit_entry_is_written_as_one_json_list_of_the_changes(store: SQLiteStore) -> None:
    """The entry's text is built change by change (no list of every change's dict at once,
    which held gigabytes on a whole-graph import) and reads as ``json.dumps`` of that list."""
    summary = store.import_document(big(3), actor="admin")
    db = sqlite3.connect(store.path)
    try:
        (text,) = db.execute("SELECT changes FROM audit").fetchone()
    finally:
        db.close()
    assert text == json.dumps([c.as_json() for c in summary.changes])
    assert [Change.from_json(c) for c in json.loads(text)] == list(summary.changes)


def test_exported_entities_share_their_fields_sets_without_changing_them(store: SQLiteStore) -> None:
    doc = big(3)
    limited = Node(id="U:BA", kind="credential", institution="U", title="BA", limits={"max_recognized_credits": 30})
    other = Node(id="U:BB", kind="credential", institution="U", title="BB", limits={"max_recognized_credits": 60})
    store.import_document(
        Document(institutions=doc.institutions, nodes=[*doc.nodes, limited, other], rules=doc.rules), actor="admin"
    )
    out = store.export()
    a, b = out.rules[0], out.rules[1]
    assert a.model_fields_set is b.model_fields_set
    assert a.grants[0].model_fields_set is b.grants[0].model_fields_set
    assert out.nodes[0].model_fields_set is out.nodes[1].model_fields_set
    ba, bb = (n for n in out.nodes if n.limits is not None)
    assert ba.limits is not None and bb.limits is not None and ba.limits.model_fields_set is bb.limits.model_fields_set
    assert a.model_fields_set == Rule.model_validate_json(a.model_dump_json(exclude_unset=True)).model_fields_set
    copied = a.model_copy(update={"note": "copied"})
    assert "note" in copied.model_fields_set and "note" not in b.model_fields_set
    assert out.rules == doc.rules and a == doc.rules[0]


def test_a_bulk_import_puts_the_page_cache_back(store: SQLiteStore) -> None:
    def cache_size() -> int:
        return int(store._read("PRAGMA cache_size")[0][0])

    default = cache_size()
    store.import_document(big(600), actor="admin")
    assert cache_size() == default
    with pytest.raises(InvalidDocument):
        store.import_document(Document(rules=[rule(1, "U:NOPE", "U:C0001"), *big(600).rules]), actor="admin")
    assert cache_size() == default


def test_version_now_does_not_wait_for_a_write_in_progress(store: SQLiteStore) -> None:
    writing, done = threading.Event(), threading.Event()

    def write() -> None:
        with store._tx():  # a write of this process, held open
            writing.set()
            done.wait(5)

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait(5)
    try:
        assert store.version_now() is None
    finally:
        done.set()
        writer.join()
    assert store.version_now() == store.version()
