"""The BC Transfer Guide notation: a few hundred lines written from the guide's published forms.

``data/notation_valid.csv`` pairs each line with its canonical form, written by hand from the
parts of the line (not by the parser); ``data/notation_invalid.csv`` gives each bad line the
1-based column where reading must stop and the start of the message.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways.io.transfer_notation import (
    EffectiveWindow,
    GrantedCourse,
    NotationError,
    TransferCredit,
    parse_course,
    parse_credit,
    parse_window,
    render_credit,
)

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


VALID = _rows("notation_valid.csv")
INVALID = _rows("notation_invalid.csv")


def test_the_data_files_hold_a_few_hundred_lines() -> None:
    assert len(VALID) >= 200 and len(INVALID) >= 60
    assert len({r["notation"] for r in VALID}) == len(VALID)


@pytest.mark.parametrize("row", VALID, ids=lambda r: r["notation"])
def test_valid_line_reads_to_its_canonical_form(row: dict[str, str]) -> None:
    credit = parse_credit(row["notation"])
    assert render_credit(credit) == row["canonical"]
    assert parse_credit(render_credit(credit)) == credit


@pytest.mark.parametrize("row", INVALID, ids=lambda r: r["notation"] or "(empty)")
def test_invalid_line_stops_at_its_column_with_a_message(row: dict[str, str]) -> None:
    with pytest.raises(NotationError) as err:
        parse_credit(row["notation"])
    assert (err.value.column, err.value.message[: len(row["message"])]) == (int(row["column"]), row["message"])
    assert str(err.value).startswith(f"column {row['column']}: ")


def test_published_examples_mean_what_the_guide_says() -> None:
    unassigned = parse_credit("SFU MATH 1XX (3)").grants[0]
    assert (unassigned.institution, unassigned.subject, unassigned.number, unassigned.credits) == ("SFU", "MATH", "1XX", 3)
    assert unassigned.unassigned and unassigned.level == 1
    assert parse_credit("UVIC HIST 200 level (1.5)").grants == (GrantedCourse("UVIC", "HIST", "2XX", 1.5),)
    assert parse_credit("UBCV ENGL 1st (3)").grants == (GrantedCourse("UBCV", "ENGL", "1XX", 3),)
    cluster = parse_credit("SFU MATH 150 (4) & MATH 151 (4)")
    assert [g.institution for g in cluster.grants] == ["SFU", "SFU"] and not cluster.grants[0].unassigned
    assert parse_credit("No credit").no_credit
    exempt = parse_credit("Exempt LING 311")
    assert exempt.exempt == ("", "LING", "311") and not exempt.no_credit and exempt.grants == ()
    assert parse_credit("SFU GEOG 1XX (3) B-Soc DE").designations == ("B-Soc", "DE")
    window = parse_credit("SFU MATH 1XX (3) Effective Sept/99 - Aug/02").window
    assert window == EffectiveWindow(dt.date(1999, 9, 1), dt.date(2002, 8, 31))
    assert parse_credit("SFU MATH 1XX (3) min grade C+").min_grade == "C+"


def test_two_digit_years_pivot_at_1950() -> None:
    assert parse_window("Jan/49 - Dec/49") == EffectiveWindow(dt.date(2049, 1, 1), dt.date(2049, 12, 31))
    assert parse_window("Jan/50 - present") == EffectiveWindow(dt.date(1950, 1, 1), None)
    assert parse_window("Feb/24 - Feb/24").end == dt.date(2024, 2, 29)


def test_sending_course_with_or_without_institution() -> None:
    assert parse_course("CAMO MATH 100") == ("CAMO", "MATH", "100")
    assert parse_course("math 100", "camo") == ("CAMO", "MATH", "100")
    with pytest.raises(NotationError, match="column 15: unexpected \"extra\""):
        parse_course("CAMO MATH 100 extra")


_subjects = st.sampled_from(["MATH", "ENGL", "HIST", "CMPT", "B1O", "ES"])
_numbers = st.one_of(st.integers(100, 499).map(str), st.integers(1, 4).map(lambda n: f"{n}XX"))
_credits = st.sampled_from([0.0, 0.5, 1.0, 1.5, 3.0, 4.0, 4.5, 6.0])
_insts = st.sampled_from(["SFU", "UVIC", "UBCV", "CAMO", "KPU"])


@st.composite
def _credit_values(draw: st.DrawFn) -> TransferCredit:
    first = draw(_insts)
    kind = draw(st.sampled_from(["grants", "none", "exempt"]))
    grants: tuple[GrantedCourse, ...] = ()
    exempt = None
    if kind == "grants":
        n = draw(st.integers(1, 3))
        grants = tuple(GrantedCourse(first if i == 0 else draw(_insts), draw(_subjects), draw(_numbers), draw(_credits)) for i in range(n))
    elif kind == "exempt":
        exempt = (draw(st.sampled_from(["", first])), draw(_subjects), draw(_numbers))
    designations = tuple(draw(st.lists(st.sampled_from(["DE", "QUAN", "B-Hum", "B-Sci", "Q", "W"]), max_size=2)))
    grade = draw(st.sampled_from([None, "C", "C+", "B-", "P"]))
    window = None
    if draw(st.booleans()):
        start = dt.date(draw(st.integers(1950, 2040)), draw(st.integers(1, 12)), 1)
        window = EffectiveWindow(start, None)
    return TransferCredit(grants, exempt, designations, grade, window)


@given(_credit_values())
def test_any_credit_written_in_the_notation_reads_back_the_same(credit: TransferCredit) -> None:
    assert parse_credit(render_credit(credit)) == credit
