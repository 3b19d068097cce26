"""The transfer-credit notation of the BC Transfer Guide, as a small grammar.

A transfer guide writes what a receiving institution grants for a sending course in one
cell of a table. The grammar (case-insensitive keywords; ``[...]`` optional, ``{...}``
repeated)::

    credit      = "No credit" [tail]
                | "Exempt" [INST] SUBJ NUMBER [tail]
                | grant {"&" grant} [tail]
    grant       = [INST] SUBJ number "(" CREDITS ")"
    number      = DIGITS [LETTER]               assigned:   MATH 150, BIOL 150A
                | DIGIT "XX"                    unassigned: MATH 1XX
                | DIGIT "00" "level"            unassigned: HIST 200 level
                | "1st" | "2nd" | "3rd" | "4th" unassigned: ENGL 1st
    tail        = {designation | "min grade" GRADE | "Effective" window}
    window      = MONTH "/" YEAR ["-" (MONTH "/" YEAR | "present")]
    designation = a code of up to 12 characters starting with a capital: DE, QUAN, B-Hum, Q, W

``INST`` is an institution code (``SFU``, ``UVIC``, ``UBCV``); later grants of a ``&`` list
may leave it out and take the first one's. ``CREDITS`` is a number (``1.5``). Months are
three or four letters (``Sept``), years two digits (``99`` is 1999, ``02`` is 2002) or four.
``GRADE`` is a passing letter grade (``A+`` ... ``D``) or ``P``. A window or a grade given
twice, and ``or``/``and`` alternatives, are errors.

:func:`parse_credit` returns a :class:`TransferCredit`; a line it cannot read raises
:class:`NotationError` carrying the 1-based column where reading stopped.

Example:
    >>> credit = parse_credit("SFU MATH 150 (4) & MATH 151 (4) QUAN")
    >>> [(g.institution, g.subject, g.number, g.credits) for g in credit.grants], credit.designations
    ([('SFU', 'MATH', '150', 4.0), ('SFU', 'MATH', '151', 4.0)], ('QUAN',))
    >>> parse_credit("UVIC HIST 200 level (1.5)").grants[0].number
    '2XX'
    >>> render_credit(parse_credit("ubcv engl 1st (3)"))
    'UBCV ENGL 1XX (3)'
    >>> parse_credit("SFU MATH 1XX 3")
    Traceback (most recent call last):
    pathways.io.transfer_notation.NotationError: column 14: expected "(" and the credits after "MATH 1XX"
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from ..model.grades import LETTERS, PASS

__all__ = [
    "EffectiveWindow",
    "GrantedCourse",
    "NotationError",
    "TransferCredit",
    "credits_text",
    "parse_course",
    "parse_credit",
    "parse_window",
    "render_credit",
    "render_window",
]

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MIN_GRADES = (*LETTERS[:-1], PASS)
_ORDINALS = {"1st": "1", "2nd": "2", "3rd": "3", "4th": "4"}

_TOKEN = re.compile(r"[()&]|-(?=\s|$)|[^\s()&]+")
_PUNCTUATION = {"&": "amp", "(": "lpar", ")": "rpar", "-": "dash"}
_SUBJECT = re.compile(r"[A-Z][A-Z0-9]{1,5}")
_ASSIGNED = re.compile(r"\d{3,4}[A-Z]?")
_UNASSIGNED = re.compile(r"\d(?:XX|xx)")
_LEVEL = re.compile(r"\d00")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DESIGNATION = re.compile(r"[A-Z][A-Za-z0-9/+-]{0,11}")
_MONTH_YEAR = re.compile(r"(?P<month>[A-Za-z]{3,4})/(?P<year>\d{2}|\d{4})")


class NotationError(ValueError):
    """A transfer-credit cell that does not follow the grammar; ``column`` is 1-based."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(f"column {column}: {message}")
        self.column = column
        self.message = message


@dataclass(frozen=True, slots=True)
class GrantedCourse:
    """One course a receiving institution grants: assigned (``150``) or unassigned (``1XX``)."""

    institution: str
    subject: str
    number: str
    credits: float

    @property
    def unassigned(self) -> bool:
        """True for year-level credit (``1XX``): a placeholder a learner may earn more than once."""
        return self.number.endswith("XX")

    @property
    def level(self) -> int | None:
        """The year level 1-9 the number implies (``150`` and ``1XX`` are 1)."""
        return int(self.number[0]) if self.number[0].isdigit() and self.number[0] != "0" else None


@dataclass(frozen=True, slots=True)
class EffectiveWindow:
    """An agreement window: the first day of its first month to the last day of its last (open: None)."""

    start: dt.date
    end: dt.date | None


@dataclass(frozen=True, slots=True)
class TransferCredit:
    """A parsed cell: the grants (empty for no credit), an exemption, designations, grade and window."""

    grants: tuple[GrantedCourse, ...] = ()
    exempt: tuple[str, str, str] | None = None
    designations: tuple[str, ...] = ()
    min_grade: str | None = None
    window: EffectiveWindow | None = field(default=None)

    @property
    def no_credit(self) -> bool:
        """True for ``No credit``: the receiving institution grants nothing for the course."""
        return not self.grants and self.exempt is None


@dataclass(slots=True)
class _Tok:
    kind: str
    text: str
    column: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(_PUNCTUATION.get(m[0], "word"), m[0], m.start() + 1) for m in _TOKEN.finditer(text)]


class _Reader:
    """A cursor over the tokens of one cell; columns are 1-based character positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def end_column(self) -> int:
        return len(self.text.rstrip()) + 1

    def column(self) -> int:
        tok = self.peek()
        return tok.column if tok else self.end_column()

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def word(self, value: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.kind == "word" and tok.text.lower() == value


def _number(reader: _Reader, subject: str) -> str:
    tok = reader.peek()
    if tok is None or tok.kind != "word":
        raise NotationError(reader.column(), f'expected a course number after "{subject}"')
    text = tok.text
    if _UNASSIGNED.fullmatch(text):
        reader.take()
        return text.upper()
    if text.lower() in _ORDINALS:
        reader.take()
        return f"{_ORDINALS[text.lower()]}XX"
    if _LEVEL.fullmatch(text) and reader.word("level", 1):
        reader.take()
        reader.take()
        return f"{text[0]}XX"
    if _ASSIGNED.fullmatch(text.upper()):
        reader.take()
        return text.upper()
    raise NotationError(tok.column, f'"{text}" is not a course number (150, 1XX, 200 level or 1st)')


def _number_like(tok: _Tok | None) -> bool:
    return tok is not None and tok.kind == "word" and (tok.text[:1].isdigit() or tok.text.lower() in _ORDINALS)


def _course(reader: _Reader, default_institution: str | None) -> tuple[str, str, str]:
    """``[INST] SUBJ NUMBER``. Subjects start with a letter and numbers with a digit, so an
    institution code is present exactly when the second word is not a course number."""
    first = reader.peek()
    if first is None or first.kind != "word":
        raise NotationError(reader.column(), "expected a course such as SFU MATH 150")
    second = reader.peek(1)
    if default_institution is not None and (second is None or second.kind != "word" or not _SUBJECT.fullmatch(second.text.upper())):
        institution = default_institution
    elif _number_like(second):
        raise NotationError(first.column, f'expected an institution code before "{first.text}"')
    else:
        institution = reader.take().text.upper()
    tok = reader.peek()
    if tok is None or tok.kind != "word" or not _SUBJECT.fullmatch(tok.text.upper()):
        raise NotationError(reader.column(), "expected a subject code such as MATH")
    subject = reader.take().text.upper()
    return institution, subject, _number(reader, subject)


def _grant(reader: _Reader, default_institution: str | None) -> GrantedCourse:
    institution, subject, number = _course(reader, default_institution)
    tok = reader.peek()
    if tok is None or tok.kind != "lpar":
        raise NotationError(reader.column(), f'expected "(" and the credits after "{subject} {number}"')
    reader.take()
    tok = reader.peek()
    if tok is None or tok.kind != "word" or not _NUMBER.fullmatch(tok.text):
        raise NotationError(reader.column(), "expected a number of credits such as 3 or 1.5")
    credits = float(reader.take().text)
    tok = reader.peek()
    if tok is None or tok.kind != "rpar":
        raise NotationError(reader.column(), 'expected ")" after the credits')
    reader.take()
    return GrantedCourse(institution, subject, number, credits)


def _month_year(tok: _Tok, *, end: bool) -> dt.date:
    m = _MONTH_YEAR.fullmatch(tok.text)
    if m is None:
        raise NotationError(tok.column, f'expected a month and year such as Sept/99, got "{tok.text}"')
    month = _MONTHS.get(m["month"].lower())
    if month is None:
        raise NotationError(tok.column, f'"{m["month"]}" is not a month (Jan ... Dec, Sept)')
    year = int(m["year"])
    if len(m["year"]) == 2:
        year += 1900 if year >= 50 else 2000
    day = calendar.monthrange(year, month)[1] if end else 1
    return dt.date(year, month, day)


def _window(reader: _Reader) -> EffectiveWindow:
    tok = reader.peek()
    if tok is None or tok.kind != "word":
        raise NotationError(reader.column(), "expected the start of the window, such as Sept/99")
    first = reader.take()
    if "-" in first.text:
        left, right = first.text.split("-", 1)
        start = _month_year(_Tok("word", left, first.column), end=False)
        if right.lower() == "present":
            return EffectiveWindow(start, None)
        end_tok = _Tok("word", right, first.column + len(left) + 1)
        last = _month_year(end_tok, end=True)
        if last < start:
            raise NotationError(end_tok.column, f"the window ends ({right}) before it starts")
        return EffectiveWindow(start, last)
    start = _month_year(first, end=False)
    end: dt.date | None = None
    tok = reader.peek()
    if tok is not None and tok.kind == "word" and _MONTH_YEAR.fullmatch(tok.text):
        raise NotationError(tok.column, 'expected "-" between the start and the end of the window')
    if tok is not None and tok.kind == "dash":
        reader.take()
        tok = reader.peek()
        if tok is None or tok.kind != "word":
            raise NotationError(reader.column(), 'expected the end of the window, such as Aug/02 or "present"')
        if tok.text.lower() != "present":
            end = _month_year(tok, end=True)
            if end < start:
                raise NotationError(tok.column, f"the window ends ({tok.text}) before it starts")
        reader.take()
    return EffectiveWindow(start, end)


def _tail(reader: _Reader, credit: TransferCredit) -> TransferCredit:
    designations: list[str] = []
    min_grade = credit.min_grade
    window = credit.window
    while (tok := reader.peek()) is not None:
        if tok.kind != "word":
            raise NotationError(tok.column, f'unexpected "{tok.text}"')
        if tok.text.lower() == "effective":
            if window is not None:
                raise NotationError(tok.column, 'the effective window is given twice')
            reader.take()
            window = _window(reader)
        elif tok.text.lower() == "min" and reader.word("grade", 1):
            if min_grade is not None:
                raise NotationError(tok.column, "the minimum grade is given twice")
            reader.take()
            reader.take()
            grade = reader.peek()
            if grade is None or grade.kind != "word" or grade.text.upper() not in _MIN_GRADES:
                raise NotationError(reader.column(), f"expected a passing letter grade ({' '.join(_MIN_GRADES)})")
            min_grade = reader.take().text.upper()
        elif _DESIGNATION.fullmatch(tok.text):
            designations.append(reader.take().text)
        elif tok.text.lower() in ("or", "and"):
            raise NotationError(tok.column, f'"{tok.text}" alternatives are not part of the notation: write one row per alternative')
        else:
            raise NotationError(tok.column, f'"{tok.text}" is not a designation such as DE, QUAN or B-Hum')
    return TransferCredit(credit.grants, credit.exempt, tuple(designations), min_grade, window)


def parse_credit(text: str) -> TransferCredit:
    """Parse one transfer-credit cell; raise :class:`NotationError` with the column where it stops."""
    reader = _Reader(text)
    if not reader.toks:
        raise NotationError(1, 'empty transfer credit (write "No credit" for none)')
    if reader.word("no") and reader.word("credit", 1):
        reader.take()
        reader.take()
        return _tail(reader, TransferCredit())
    if reader.word("exempt"):
        reader.take()
        return _tail(reader, TransferCredit(exempt=_course(reader, "")))
    grants = [_grant(reader, None)]
    while (tok := reader.peek()) is not None and tok.kind == "amp":
        reader.take()
        grants.append(_grant(reader, grants[0].institution))
    return _tail(reader, TransferCredit(tuple(grants)))


def parse_course(text: str, institution: str | None = None) -> tuple[str, str, str]:
    """Parse a sending course such as ``CAMO MATH 100`` (or ``MATH 100`` with ``institution``).

    >>> parse_course("MATH 100", "CAMO")
    ('CAMO', 'MATH', '100')
    """
    reader = _Reader(text)
    course = _course(reader, institution.upper() if institution else None)
    tok = reader.peek()
    if tok is not None:
        raise NotationError(tok.column, f'unexpected "{tok.text}" after the course')
    return course


def parse_window(text: str) -> EffectiveWindow:
    """Parse an effective window such as ``Sept/99 - Aug/02`` or ``Sep/15 - present``.

    >>> parse_window("Sept/99 - Aug/02")
    EffectiveWindow(start=datetime.date(1999, 9, 1), end=datetime.date(2002, 8, 31))
    """
    reader = _Reader(text)
    if reader.word("effective"):
        reader.take()
    window = _window(reader)
    tok = reader.peek()
    if tok is not None:
        raise NotationError(tok.column, f'unexpected "{tok.text}" after the window')
    return window


def credits_text(value: float) -> str:
    """Credits as the guide writes them: ``3``, ``1.5``.

    >>> credits_text(3.0), credits_text(1.5)
    ('3', '1.5')
    """
    return str(int(value)) if float(value).is_integer() else str(value)


def render_window(window: EffectiveWindow) -> str:
    """The window in the guide's notation: ``Sep/99 - Aug/02`` (``present`` when open).

    >>> render_window(parse_window("Sept/99 - present"))
    'Sep/99 - present'
    """
    def month_year(d: dt.date) -> str:
        return f"{calendar.month_abbr[d.month]}/{d.year % 100:02d}"

    return f"{month_year(window.start)} - {month_year(window.end) if window.end else 'present'}"


def render_credit(credit: TransferCredit) -> str:
    """Write ``credit`` back in the notation (institution named once, unassigned as ``1XX``)."""
    if credit.exempt is not None:
        inst, subject, number = credit.exempt
        parts = [f"Exempt {inst + ' ' if inst else ''}{subject} {number}"]
    elif not credit.grants:
        parts = ["No credit"]
    else:
        first = credit.grants[0].institution
        parts = [
            " & ".join(
                f"{g.institution + ' ' if i == 0 or g.institution != first else ''}{g.subject} {g.number} ({credits_text(g.credits)})"
                for i, g in enumerate(credit.grants)
            )
        ]
    parts.extend(credit.designations)
    if credit.min_grade:
        parts.append(f"min grade {credit.min_grade}")
    if credit.window:
        parts.append(f"Effective {render_window(credit.window)}")
    return " ".join(parts)
