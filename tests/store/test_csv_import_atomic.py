"""A transfer-guide table goes into each store in one transaction: all of it, or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.errors import InvalidDocument, InvalidInput
from pathways.io.csv_import import read_transfer_table
from pathways.model import KnownIds
from pathways.store import Store

RULES = 13
"""Rules the table gives: one a row; the "No credit" row too once the model holds it."""
TABLE = (Path(__file__).resolve().parents[1] / "io" / "data" / "bctg_camosun.csv").read_text(encoding="utf-8")


def test_a_table_is_imported_whole_and_again_changes_nothing(store: Store) -> None:
    result = read_transfer_table(TABLE, known=store.known_ids())
    summary = store.import_document(result.document, actor="registrar", action="import-csv")
    counts = store.counts()
    assert counts == {"institutions": 5, "nodes": len(result.document.nodes), "rules": RULES}
    assert summary.version == store.version()
    unassigned = store.get_node("SFU:MATH-1XX")
    assert unassigned is not None and unassigned.details == {"unassigned": True, "repeatable": True}
    again = read_transfer_table(TABLE, known=store.known_ids())
    assert again.document.nodes == [] and again.document.institutions == []
    assert store.import_document(again.document, actor="registrar").changes == ()
    assert store.counts() == counts


def test_one_bad_row_and_nothing_reaches_the_store(store: Store) -> None:
    bad = TABLE.replace("SFU MATH 150 (4) & MATH 151 (4)", "SFU MATH 150 (4) & MATH 151")
    with pytest.raises(InvalidInput) as err:
        store.import_document(read_transfer_table(bad, known=store.known_ids()).document, actor="registrar")
    assert [p.path for p in err.value.problems] == ["line 5, column 6 (Transfer Credit)"]
    assert store.counts() == {"institutions": 0, "nodes": 0, "rules": 0} and store.version() == 0


def test_a_table_read_against_stale_ids_fails_inside_the_transaction_and_writes_nothing(store: Store) -> None:
    """Between reading the table and writing it, a course the table relied on is gone (here: never
    there). The store's own reference check fails mid-import and the transaction rolls back."""
    stale = KnownIds({"CAMO"}, {"CAMO:MATH-100": "course"})
    doc = read_transfer_table(TABLE, known=stale).document
    assert "CAMO:MATH-100" not in {n.id for n in doc.nodes} and len(doc.rules) == RULES
    with pytest.raises(InvalidDocument) as err:
        store.import_document(doc, actor="registrar")
    assert any('unknown node "CAMO:MATH-100"' in p.message for p in err.value.problems)
    assert store.counts() == {"institutions": 0, "nodes": 0, "rules": 0} and store.version() == 0
    assert store.audit() == []
