"""Transfer-guide tables read into documents, every bad row named by line and column, and written back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.errors import InvalidInput
from pathways.io.csv_export import BCTG_HEADER, write_agreements
from pathways.io.csv_import import Mapping, read_transfer_table
from pathways.model import Document, KnownIds

DATA = Path(__file__).resolve().parent / "data"
CAMOSUN = (DATA / "bctg_camosun.csv").read_text(encoding="utf-8")
HEADER = "sending_institution,sending_course,receiving_institution,transfer_credit,effective\n"


def _invalid_lines() -> list[dict[str, str]]:
    with open(DATA / "notation_invalid.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_table_creates_courses_unassigned_credit_and_rules() -> None:
    result = read_transfer_table(CAMOSUN, known=KnownIds(), source="bctg_camosun.csv")
    doc = result.document
    nodes = {n.id: n for n in doc.nodes}
    unassigned = nodes["SFU:MATH-1XX"]
    assert (unassigned.kind, unassigned.institution, unassigned.credits, unassigned.level) == ("course", "SFU", 3, 1)
    assert unassigned.details == {"unassigned": True, "repeatable": True}
    assert nodes["UVIC:HIST-2XX"].credits == 1.5 and nodes["UVIC:HIST-2XX"].level == 2
    assert nodes["CAMO:MATH-100"].title == "Precalculus Mathematics" and nodes["CAMO:MATH-100"].credits == 3
    rules = {r.id: r for r in doc.rules}
    early = rules["TG:CAMO:MATH-100:SFU:199909"]
    assert (early.granted_by, early.kind, early.valid_from, early.valid_to) == ("SFU", "transfer", dt.date(1999, 9, 1), dt.date(2002, 8, 31))
    assert early.to_json()["requires"] == {"node": "CAMO:MATH-100"}
    assert rules["TG:CAMO:MATH-100:SFU:200209"].to_json()["requires"] == {"node": "CAMO:MATH-100", "min_grade": "C-"}
    cluster = rules["TG:CAMO:MATH-101:SFU:201009"]
    assert [(g.node, g.credits) for g in cluster.grants] == [("SFU:MATH-150", 4), ("SFU:MATH-151", 4)]
    exempt = rules["TG:CAMO:LING-100:SFU:201809"]
    assert [(g.node, g.credits) for g in exempt.grants] == [("SFU:LING-311", 0)] and exempt.note == "Transfer guide: Exempt LING 311"
    assert rules["TG:CAMO:HIST-110:UBCV:201501"].note == "Transfer guide: UBCV HIST 1XX (3) B-Hum"
    assert rules["TG:CAMO:MATH-100:SFU:199909"].source == "bctg_camosun.csv line 2"
    assert {i.id for i in doc.institutions} == {"CAMO", "SFU", "UVIC", "UBCV", "UBCO"}
    assert result.rows == 13


def test_no_credit_rows_are_rules_granting_nothing() -> None:
    result = read_transfer_table(CAMOSUN, known=KnownIds())
    rules = [r.to_json() for r in result.document.rules if r.to_json()["requires"] == {"node": "CAMO:PE-150"}]
    assert [(r["kind"], r["granted_by"], r["grants"]) for r in rules] == [("transfer", "SFU", [])]
    assert rules[0]["note"] == "Transfer guide: No credit"
    assert "CAMO:PE-150" in {n.id for n in result.document.nodes}


def test_what_the_store_knows_is_not_created_again() -> None:
    known = KnownIds({"CAMO", "SFU"}, {"CAMO:MATH-100": "course", "SFU:MATH-1XX": "course"})
    doc = read_transfer_table(HEADER + "CAMO,MATH 100,SFU,SFU MATH 1XX (3),\n", known=known).document
    assert doc.institutions == [] and doc.nodes == [] and [r.id for r in doc.rules] == ["TG:CAMO:MATH-100:SFU"]


def test_every_bad_row_is_reported_with_line_and_column_and_nothing_returned() -> None:
    """Each invalid line of the notation data, between good rows: one problem per bad row, at its line."""
    bad = _invalid_lines()
    lines = [HEADER.strip()]
    for i, row in enumerate(bad):
        quoted = '"' + row["notation"].replace('"', '""') + '"'
        lines.append(f"CAMO,MATH {100 + i},SFU,{quoted},")
        lines.append(f"CAMO,ENGL {100 + i},SFU,SFU ENGL 1XX (3),")
    with pytest.raises(InvalidInput) as err:
        read_transfer_table("\n".join(lines) + "\n", known=KnownIds())
    problems = err.value.problems
    assert [p.path for p in problems] == [f"line {2 + 2 * i}, column 4 (transfer_credit)" for i in range(len(bad))]
    for problem, row in zip(problems, bad, strict=True):
        assert problem.message.startswith(f"character {row['column']}: {row['message']}"), problem


def test_other_columns_are_checked_too() -> None:
    table = (
        "sending_institution,sending_course,sending_credits,receiving_institution,transfer_credit,effective,min_grade\n"
        "CAMO,MATH,3,SFU,SFU MATH 1XX (3),,\n"
        "CAMO,MATH 101,three,SFU,SFU MATH 1XX (3),,\n"
        ",MATH 102,3,SFU,SFU MATH 1XX (3),,\n"
        "CAMO,MATH 103,3,SFU,SFU MATH 1XX (3),Sept/99 - Aug/92,\n"
        "CAMO,MATH 104,3,SFU,SFU MATH 1XX (3),,E\n"
        "CAMO,MATH 105,3,SFU,SFU MATH 1XX (3),Sep/99 - present,\n"
        "CAMO,MATH 105,3,SFU,SFU MATH 1XX (4),Sep/99 - present,\n"
    )
    with pytest.raises(InvalidInput) as err:
        read_transfer_table(table, known=KnownIds())
    assert [(p.path, p.message.split(":")[0]) for p in err.value.problems] == [
        ("line 2, column 2 (sending_course)", 'expected a course number after "MATH" in \'MATH\''),
        ("line 3, column 3 (sending_credits)", '"three" is not a number of credits (>= 0)'),
        ("line 4, column 1 (sending_institution)", "must not be empty"),
        ("line 5, column 6 (effective)", "character 11"),
        ("line 6, column 7 (min_grade)", '"E" is not a passing letter grade (A+ ... D, or P)'),
        ("line 8, column 5 (transfer_credit)", "line 7 already gives this agreement (TG"),
    ]


def test_a_missing_column_or_an_empty_table_is_one_problem() -> None:
    with pytest.raises(InvalidInput, match="missing column transfer_credit"):
        read_transfer_table("sending_institution,sending_course,receiving_institution\nCAMO,MATH 100,SFU\n", known=KnownIds())
    with pytest.raises(InvalidInput, match="empty table"):
        read_transfer_table("", known=KnownIds())
    with pytest.raises(InvalidInput, match="unknown layout"):
        read_transfer_table(CAMOSUN, known=KnownIds(), layout="tes")  # type: ignore[arg-type]


def test_progress_is_reported_row_by_row() -> None:
    seen: list[int] = []
    read_transfer_table(CAMOSUN, known=KnownIds(), progress=seen.append)
    assert seen == list(range(1, 14))


TES = """Equivalency Id,Sending Institution,Sending Subject,Sending Number,Sending Title,Receiving Institution,Receiving Subject,Receiving Number,Receiving Credits,Begin Date,End Date,Minimum Grade
1,KCTCS,CIT,105,Intro to Computers,UK,ICT,1XX,3,08/15/2019,,C
2,KCTCS,ENG,101,Writing I,UK,WRD,110,3,08/15/2019,05/31/2024,
"""
TES_MAPPING = {
    "columns": {"sending_institution": "Sending Institution", "sending_subject": "Sending Subject",
                "sending_number": "Sending Number", "sending_title": "Sending Title",
                "receiving_institution": "Receiving Institution", "receiving_subject": "Receiving Subject",
                "receiving_number": "Receiving Number", "receiving_credits": "Receiving Credits",
                "valid_from": "Begin Date", "valid_to": "End Date", "min_grade": "Minimum Grade"},
    "date_format": "%m/%d/%Y",
}


def test_generic_layout_reads_a_tes_style_export_through_a_mapping() -> None:
    doc = read_transfer_table(TES, known=KnownIds(), layout="generic", mapping=Mapping.from_json(TES_MAPPING)).document
    rules = {r.id: r.to_json() for r in doc.rules}
    assert rules["TG:KCTCS:CIT-105:UK:201908"] == {
        "id": "TG:KCTCS:CIT-105:UK:201908", "kind": "transfer", "granted_by": "UK", "requires": {"node": "KCTCS:CIT-105", "min_grade": "C"},
        "grants": [{"node": "UK:ICT-1XX", "credits": 3}], "valid_from": "2019-08-15", "status": "approved",
        "note": "Transfer guide: UK ICT 1XX (3)", "source": "line 2"}
    assert rules["TG:KCTCS:ENG-101:UK:201908"]["valid_to"] == "2024-05-31"
    assert {n.id: n.title for n in doc.nodes}["KCTCS:CIT-105"] == "Intro to Computers"


def test_a_bad_mapping_or_bad_generic_row_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        Mapping.from_json({"columns": {"sending_institution": "A", "receivng_institution": "B"}})
    assert "mapping.columns.receivng_institution" in [p.path for p in err.value.problems]
    bad = TES.replace("08/15/2019,,C", "2019-08-15,,C")
    with pytest.raises(InvalidInput) as err:
        read_transfer_table(bad, known=KnownIds(), layout="generic", mapping=Mapping.from_json(TES_MAPPING))
    assert [p.path for p in err.value.problems] == ["line 2, column 10 (Begin Date)"]
    with pytest.raises(InvalidInput, match="needs a mapping"):
        read_transfer_table(TES, known=KnownIds(), layout="generic")


def test_agreements_written_back_read_again_to_the_same_rules() -> None:
    doc = read_transfer_table(CAMOSUN, known=KnownIds()).document
    out = io.StringIO()
    written, skipped = write_agreements(doc, "SFU", out)
    assert (written, skipped) == (7, 0)
    assert out.getvalue().splitlines()[0] == ",".join(BCTG_HEADER)
    again = read_transfer_table(out.getvalue(), known=KnownIds()).document
    sfu = sorted((r for r in doc.rules if r.granted_by == "SFU"), key=lambda r: r.id)
    assert [_meaning(r) for r in sorted(again.rules, key=lambda r: r.id)] == [_meaning(r) for r in sfu]


def _meaning(rule: object) -> tuple[object, ...]:
    data = rule.to_json()  # type: ignore[attr-defined]
    return (data["id"], data["granted_by"], data["requires"], data["grants"], data.get("valid_from"), data.get("valid_to"), data["note"])


def test_the_export_leaves_out_what_the_notation_cannot_say(seed_document: Document) -> None:
    out = io.StringIO()
    written, skipped = write_agreements(seed_document, "UVIC", out)
    assert written + skipped >= 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert all(r["receiving_institution"] == "UVIC" or r["sending_institution"] == "UVIC" for r in rows)


def test_the_credit_must_be_the_receiving_institutions() -> None:
    with pytest.raises(InvalidInput) as err:
        read_transfer_table(HEADER + "CAMO,MATH 100,UVIC,SFU MATH 1XX (3),\nCAMO,LING 100,UVIC,Exempt SFU LING 311,\n", known=KnownIds())
    assert [str(p) for p in err.value.problems] == [
        "line 2, column 4 (transfer_credit): the credit names SFU, but the receiving institution is UVIC",
        "line 3, column 4 (transfer_credit): the credit names SFU, but the receiving institution is UVIC",
    ]


def test_an_institution_code_must_be_an_id() -> None:
    with pytest.raises(InvalidInput) as err:
        read_transfer_table(HEADER + "CA MO,MATH 100,SFU,SFU MATH 1XX (3),\nCAMO,MATH 101,S F U,SFU MATH 1XX (3),\n", known=KnownIds())
    assert [p.path for p in err.value.problems] == ["line 2, column 1 (sending_institution)", "line 3, column 3 (receiving_institution)"]
    assert "whitespace" in err.value.problems[0].message


_cell = st.text(alphabet="ACFMSUX01359 ()&-/.,\"\n+ab", max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_cell, min_size=0, max_size=6), max_size=6))
def test_any_table_is_read_or_refused_with_problems_never_a_crash(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sending_institution", "sending_course", "receiving_institution", "transfer_credit", "effective", "min_grade"])
    writer.writerows(rows)
    try:
        result = read_transfer_table(out.getvalue(), known=KnownIds())
    except InvalidInput as err:
        assert err.problems and all(p.path.startswith("line ") for p in err.problems)
    else:
        assert len(result.document.rules) <= result.rows
