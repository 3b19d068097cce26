"""Transfer-guide tables (CSV) read into a ``pathways/1`` document: courses, unassigned credit, rules.

Two layouts. ``bctg`` reads a BC-Transfer-Guide-style table, one agreement a row:

=======================  ========  ==============================================
column                   required  example
=======================  ========  ==============================================
sending_institution      yes       ``CAMO``
sending_course           yes       ``MATH 100`` (or ``CAMO MATH 100``)
sending_title            no        ``Precalculus``
sending_credits          no        ``3``
receiving_institution    yes       ``SFU``
transfer_credit          yes       ``SFU MATH 1XX (3) QUAN`` (:mod:`~pathways.io.transfer_notation`)
effective                no        ``Sept/99 - Aug/02``
min_grade                no        ``C``
=======================  ========  ==============================================

Headers are matched case-insensitively, spaces and hyphens read as ``_``. ``generic`` reads
any table (a TES-style equivalency export) through a :class:`Mapping` from these field
names, plus ``receiving_subject``, ``receiving_number``, ``receiving_credits``,
``valid_from``, ``valid_to`` and ``note``, to the table's own headers.

Each row becomes a ``transfer`` rule granted by the receiving institution, requiring the
sending course (at ``min_grade``), granting each course of the credit with its credits,
inside the effective window. Courses and institutions the store does not know are created:
``SFU MATH 1XX (3)`` creates ``SFU:MATH-1XX``, an unassigned first-year course of 3 credits
marked ``{"unassigned": true, "repeatable": true}`` in its details. Every bad row is an
:class:`~pathways.errors.InvalidInput` problem whose path names the line and column
(``line 7, column 6 (transfer_credit)``); nothing is returned when any row is bad.

Example:
    >>> from pathways.model import KnownIds
    >>> table = "sending_institution,sending_course,receiving_institution,transfer_credit\\n" \\
    ...         "CAMO,MATH 100,SFU,SFU MATH 1XX (3) QUAN\\n"
    >>> result = read_transfer_table(table, known=KnownIds())
    >>> [n.id for n in result.document.nodes], [r.id for r in result.document.rules]
    (['CAMO:MATH-100', 'SFU:MATH-1XX'], ['TG:CAMO:MATH-100:SFU'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import InvalidInput, Problem
from ..model import GRADES, Document, Institution, KnownIds, Node, Rule
from ..model.document import pydantic_problems
from ..model.ids import id_problem
from .transfer_notation import EffectiveWindow, GrantedCourse, NotationError, TransferCredit, parse_course, parse_credit, parse_window, render_credit

__all__ = ["LAYOUTS", "NOTE_PREFIX", "CsvImport", "Layout", "Mapping", "NoCreditRow", "course_id", "read_transfer_table"]

Layout = Literal["bctg", "generic"]
LAYOUTS: tuple[Layout, ...] = ("bctg", "generic")
NOTE_PREFIX = "Transfer guide: "
"""Rules read from a table keep the credit as written, after this prefix, in their ``note``."""

_BCTG_REQUIRED = ("sending_institution", "sending_course", "receiving_institution", "transfer_credit")
_BCTG_OPTIONAL = ("sending_title", "sending_credits", "effective", "min_grade")
_FIELDS = _BCTG_REQUIRED + _BCTG_OPTIONAL + (
    "sending_subject", "sending_number", "receiving_subject", "receiving_number", "receiving_credits",
    "valid_from", "valid_to", "note",
)


@dataclass(frozen=True, slots=True)
class Mapping:
    """How a generic table's headers map to the fields above, and how its dates are written.

    Read from a JSON file: ``{"columns": {"sending_institution": "Sending Institution", ...},
    "date_format": "%m/%d/%Y"}``.
    """

    columns: dict[str, str]
    date_format: str = "%Y-%m-%d"

    @classmethod
    def from_json(cls, data: object, path: str = "mapping") -> Mapping:
        """Validate a mapping object, naming every bad field."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InvalidInput.one(f"{path}.columns", "must be an object mapping field names to column headers")
        problems = [Problem(f"{path}.columns.{k}", f"unknown field; expected one of {', '.join(_FIELDS)}")
                    for k in data["columns"] if k not in _FIELDS]
        problems += [Problem(f"{path}.columns.{k}", "must be a column header (a string)")
                     for k, v in data["columns"].items() if not isinstance(v, str)]
        fmt = data.get("date_format", "%Y-%m-%d")
        if not isinstance(fmt, str):
            problems.append(Problem(f"{path}.date_format", "must be a strptime format such as %m/%d/%Y"))
        cols = data["columns"]
        if "sending_institution" not in cols or "receiving_institution" not in cols:
            problems.append(Problem(f"{path}.columns", "must map sending_institution and receiving_institution"))
        if "sending_course" not in cols and not {"sending_subject", "sending_number"} <= cols.keys():
            problems.append(Problem(f"{path}.columns", "must map sending_course, or sending_subject and sending_number"))
        if "transfer_credit" not in cols and not {"receiving_subject", "receiving_number"} <= cols.keys():
            problems.append(Problem(f"{path}.columns", "must map transfer_credit, or receiving_subject and receiving_number"))
        if problems:
            raise InvalidInput(problems)
        return cls(dict(cols), str(fmt))


@dataclass(frozen=True, slots=True)
class NoCreditRow:
    """A ``No credit`` row: read and checked, kept here when the rule model cannot hold it."""

    line: int
    sending: str
    receiving_institution: str


@dataclass(frozen=True)
class CsvImport:
    """What a table yields: the document to import, the rows read, and no-credit rows not in it."""

    document: Document
    rows: int
    no_credit: tuple[NoCreditRow, ...] = ()


def course_id(institution: str, subject: str, number: str) -> str:
    """The node id of a course: ``SFU:MATH-1XX``.

    >>> course_id("SFU", "MATH", "150")
    'SFU:MATH-150'
    """
    return f"{institution}:{subject}-{number}"


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    columns: dict[str, int]
    headers: dict[str, str]

    def path(self, name: str) -> str:
        return f"line {self.line}, column {self.columns[name]} ({self.headers[name]})"

    def get(self, name: str) -> str:
        return self.cells.get(name, "").strip()


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            # a cell over the csv module's field size limit (131,072 characters), a NUL byte
            raise InvalidInput.one(f"line {start}", f"not a CSV row: {err}") from None
        yield start, record
        start = reader.line_num + 1


@dataclass
class _Builder:
    known: KnownIds
    source: str
    institutions: dict[str, Institution] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    rules: dict[str, tuple[int, Rule]] = field(default_factory=dict)
    no_credit: list[NoCreditRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def institution(self, code: str) -> None:
        if code and code not in self.known.institutions and code not in self.institutions:
            self.institutions[code] = Institution(id=code, name=code)

    def node(self, path: str, node_id: str, data: dict[str, Any]) -> None:
        if node_id in self.known.nodes or node_id in self.nodes:
            return
        try:
            self.nodes[node_id] = Node.model_validate({"id": node_id, "kind": "course", **data})
        except ValidationError as err:
            self.problems.extend(Problem(path, f"course {node_id}: {p.message}") for p in pydantic_problems(err))

    def granted(self, path: str, grant: GrantedCourse) -> str:
        self.institution(grant.institution)
        node_id = course_id(grant.institution, grant.subject, grant.number)
        data: dict[str, Any] = {"institution": grant.institution, "subject": grant.subject, "credits": grant.credits,
                                "level": grant.level}
        if grant.unassigned:
            data["title"] = f"{grant.subject} {grant.number[0]}XX: unassigned year-{grant.number[0]} credit"
            data["details"] = {"unassigned": True, "repeatable": True}
        else:
            data["title"] = f"{grant.subject} {grant.number}"
        self.node(path, node_id, data)
        return node_id


def _date(row: _Row, name: str, fmt: str, problems: list[Problem]) -> dt.date | None:
    raw = row.get(name)
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, fmt).date()
    except ValueError:
        problems.append(Problem(row.path(name), f'"{raw}" is not a date in the form {fmt}'))
        return None


def _number(row: _Row, name: str, problems: list[Problem]) -> float | None:
    raw = row.get(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        problems.append(Problem(row.path(name), f'"{raw}" is not a number of credits (>= 0)'))
        return None
    return value


def _credit(row: _Row, mapping: Mapping | None, problems: list[Problem]) -> tuple[TransferCredit | None, str]:
    """The row's transfer credit and the column to blame for it."""
    if mapping is None or "transfer_credit" in mapping.columns:
        raw = row.get("transfer_credit")
        try:
            return parse_credit(raw), "transfer_credit"
        except NotationError as err:
            problems.append(Problem(row.path("transfer_credit"), f"character {err.column}: {err.message} in {raw!r}"))
            return None, "transfer_credit"
    credits = _number(row, "receiving_credits", problems) if "receiving_credits" in mapping.columns else None
    text = f"{row.get('receiving_institution')} {row.get('receiving_subject')} {row.get('receiving_number')} ({credits or 0:g})"
    try:
        return parse_credit(text), "receiving_number"
    except NotationError as err:
        problems.append(Problem(row.path("receiving_number"), f"{err.message} in {text!r}"))
        return None, "receiving_number"


def _window(row: _Row, mapping: Mapping | None, credit: TransferCredit, problems: list[Problem]) -> EffectiveWindow | None:
    if mapping is not None and "valid_from" in mapping.columns:
        start = _date(row, "valid_from", mapping.date_format, problems)
        end = _date(row, "valid_to", mapping.date_format, problems) if "valid_to" in mapping.columns else None
        if start is None:
            return None
        if end is not None and end < start:
            problems.append(Problem(row.path("valid_to"), f"the window ends ({end}) before it starts ({start})"))
        return EffectiveWindow(start, end)
    raw = row.get("effective") if "effective" in row.columns else ""
    if not raw:
        return credit.window
    try:
        return parse_window(raw)
    except NotationError as err:
        problems.append(Problem(row.path("effective"), f"character {err.column}: {err.message} in {raw!r}"))
        return None


def _read_row(b: _Builder, row: _Row, mapping: Mapping | None) -> None:
    before = len(b.problems)
    sending_inst = row.get("sending_institution").upper()
    receiving = row.get("receiving_institution").upper()
    for name in ("sending_institution", "receiving_institution"):
        if not row.get(name):
            b.problems.append(Problem(row.path(name), "must not be empty"))
        elif problem := id_problem(row.get(name)):
            b.problems.append(Problem(row.path(name), f"{row.get(name)!r} is not an institution code: {problem}"))
    if len(b.problems) > before:
        return
    if mapping is not None and "sending_course" not in mapping.columns:
        course_text, course_col = f"{row.get('sending_subject')} {row.get('sending_number')}", "sending_number"
    else:
        course_text, course_col = row.get("sending_course"), "sending_course"
    try:
        inst, subject, number = parse_course(course_text, sending_inst or None)
    except NotationError as err:
        b.problems.append(Problem(row.path(course_col), f"{err.message} in {course_text!r}"))
        return
    credit, credit_col = _credit(row, mapping, b.problems)
    title = row.get("sending_title") if "sending_title" in row.columns else ""
    sending_credits = _number(row, "sending_credits", b.problems) if "sending_credits" in row.columns else None
    min_grade = row.get("min_grade").upper() if "min_grade" in row.columns and row.get("min_grade") else None
    if min_grade is not None and min_grade not in GRADES - {"F"}:
        b.problems.append(Problem(row.path("min_grade"), f'"{min_grade}" is not a passing letter grade (A+ ... D, or P)'))
    if credit is None or len(b.problems) > before:
        return
    named = {g.institution for g in credit.grants} | ({credit.exempt[0]} - {""} if credit.exempt else set())
    if named - {receiving}:
        b.problems.append(Problem(row.path(credit_col), f"the credit names {', '.join(sorted(named - {receiving}))}, "
                                                        f"but the receiving institution is {receiving}"))
        return
    window = _window(row, mapping, credit, b.problems)
    if len(b.problems) > before:
        return
    min_grade = min_grade or credit.min_grade
    sending = course_id(inst, subject, number)
    b.institution(inst)
    b.institution(receiving)
    b.node(row.path(course_col), sending, {
        "institution": inst, "subject": subject, "title": title or f"{subject} {number}",
        "credits": sending_credits or 0, "level": int(number[0]) if number[0] in "123456789" else None})
    if credit.no_credit:
        _no_credit(b, row, sending, receiving, window)
        return
    if credit.exempt is not None:
        _, ex_subject, ex_number = credit.exempt
        grants = [{"node": b.granted(row.path(credit_col), GrantedCourse(receiving, ex_subject, ex_number, 0)), "credits": 0}]
    else:
        grants = [{"node": b.granted(row.path(credit_col), g), "credits": g.credits} for g in credit.grants]
    rule_id = _rule_id(sending, receiving, window)
    note = NOTE_PREFIX + render_credit(TransferCredit(credit.grants, credit.exempt, credit.designations))
    if mapping is not None and row.get("note"):
        note += f"; {row.get('note')}"
    _add_rule(b, row, rule_id, {
        "id": rule_id, "kind": "transfer", "granted_by": receiving,
        "requires": {"node": sending, **({"min_grade": min_grade} if min_grade else {})},
        "grants": grants, "valid_from": window.start if window else None, "valid_to": window.end if window else None,
        "note": note, "source": f"{b.source} line {row.line}".strip()}, credit_col)


def _rule_id(sending: str, receiving: str, window: EffectiveWindow | None) -> str:
    """``TG:CAMO:MATH-100:SFU``, and ``:199909`` when the agreement has a window, so that
    successive agreements for one course keep their own rules and a re-import of the same
    agreement (an end date added, say) updates its rule."""
    return f"TG:{sending}:{receiving}" + (f":{window.start:%Y%m}" if window else "")


def _add_rule(b: _Builder, row: _Row, rule_id: str, data: dict[str, Any], column: str) -> None:
    if rule_id in b.rules:
        b.problems.append(Problem(row.path(column), f"line {b.rules[rule_id][0]} already gives this agreement ({rule_id})"))
        return
    try:
        b.rules[rule_id] = (row.line, Rule.model_validate(data))
    except ValidationError as err:
        b.problems.extend(Problem(row.path(column), p.message) for p in pydantic_problems(err))


def _no_credit(b: _Builder, row: _Row, sending: str, receiving: str, window: EffectiveWindow | None) -> None:
    """A no-credit rule is a transfer rule granting nothing; a model that insists on at least one
    grant cannot hold it, and then the row is kept aside rather than rejected or dropped."""
    rule_id = _rule_id(sending, receiving, window)
    data: dict[str, Any] = {"id": rule_id, "kind": "transfer", "granted_by": receiving, "requires": {"node": sending}, "grants": [],
            "valid_from": window.start if window else None, "valid_to": window.end if window else None,
            "note": NOTE_PREFIX + "No credit", "source": f"{b.source} line {row.line}".strip()}
    try:
        rule = Rule.model_validate(data)
    except ValidationError:
        b.no_credit.append(NoCreditRow(row.line, sending, receiving))
        return
    b.rules[rule_id] = (row.line, rule)


def _header(record: list[str], layout: Layout, mapping: Mapping | None) -> tuple[dict[str, int], dict[str, str], list[Problem]]:
    """Field name -> 0-based index and -> header as written, for the fields the layout reads."""
    if mapping is None:
        found = {_norm(h): i for i, h in enumerate(record)}
        wanted = {f: f for f in _BCTG_REQUIRED + _BCTG_OPTIONAL}
        required: tuple[str, ...] = _BCTG_REQUIRED
    else:
        found = {h.strip(): i for i, h in enumerate(record)}
        wanted = dict(mapping.columns)
        required = tuple(mapping.columns)
    index = {f: found[h] for f, h in wanted.items() if h in found}
    missing = [wanted[f] for f in required if f not in index]
    problems = [Problem("line 1", f"missing column {', '.join(missing)} (the {layout} layout needs {', '.join(wanted[f] for f in required)})")] if missing else []
    return index, {f: record[i].strip() for f, i in index.items()}, problems


def read_transfer_table(text: str, *, known: KnownIds, layout: Layout = "bctg", mapping: Mapping | None = None,
                        source: str = "", progress: Callable[[int], None] | None = None) -> CsvImport:
    """Read a whole table; raise :class:`InvalidInput` listing every bad row, or return the document.

    ``known`` holds what the store already has (those courses and institutions are not
    created again); ``progress`` is called with the number of rows read so far.
    """
    if layout not in LAYOUTS:
        raise InvalidInput.one("layout", f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if layout == "generic" and mapping is None:
        raise InvalidInput.one("mapping", "the generic layout needs a mapping of fields to columns")
    records = _records(text.lstrip("\ufeff"))
    first = next(records, None)
    if first is None:
        raise InvalidInput.one("line 1", "empty table: expected a header row")
    index, headers, problems = _header(first[1], layout, mapping if layout == "generic" else None)
    if problems:
        raise InvalidInput(problems)
    builder = _Builder(known, source)
    rows = 0
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        rows += 1
        cells = {f: record[i] if i < len(record) else "" for f, i in index.items()}
        _read_row(builder, _Row(line, cells, {f: i + 1 for f, i in index.items()}, headers), mapping if layout == "generic" else None)
        if progress is not None:
            progress(rows)
    if builder.problems:
        raise InvalidInput(builder.problems)
    doc = Document(institutions=list(builder.institutions.values()), nodes=list(builder.nodes.values()),
                   rules=[r for _, r in builder.rules.values()])
    return CsvImport(doc, rows, tuple(builder.no_credit))
