"""An institution's transfer agreements written as a transfer-guide table (the ``bctg`` layout).

The reverse of :mod:`pathways.io.csv_import`: every ``transfer`` rule that the institution
grants, or whose sending course is the institution's, becomes one row, its credit written
in the guide's notation (:func:`~pathways.io.transfer_notation.render_credit`). A rule the
notation cannot say (a requirement other than one course, a granted node whose id is not
``INST:SUBJ-NUMBER``) is left out and counted.

Example:
    >>> import io
    >>> from pathways.io.csv_import import read_transfer_table
    >>> from pathways.model import KnownIds
    >>> table = "sending_institution,sending_course,receiving_institution,transfer_credit\\n" \\
    ...         "CAMO,MATH 100,SFU,SFU MATH 1XX (3) QUAN\\n"
    >>> doc = read_transfer_table(table, known=KnownIds()).document
    >>> out = io.StringIO()
    >>> write_agreements(doc, "SFU", out)
    (1, 0)
    >>> out.getvalue().splitlines()[1]
    'CAMO,MATH 100,MATH 100,0,SFU,SFU MATH 1XX (3) QUAN,,'
"""

from __future__ import annotations

import csv
import re
from typing import TextIO

from ..model import Document, Node, NodeLeaf, Rule
from .csv_import import NOTE_PREFIX
from .transfer_notation import (
    EffectiveWindow,
    GrantedCourse,
    NotationError,
    TransferCredit,
    credits_text,
    parse_credit,
    render_credit,
    render_window,
)

__all__ = ["BCTG_HEADER", "write_agreements"]

BCTG_HEADER = ("sending_institution", "sending_course", "sending_title", "sending_credits",
               "receiving_institution", "transfer_credit", "effective", "min_grade")
"""The columns written, in order: what the ``bctg`` layout reads."""

_COURSE_ID = re.compile(r"(?P<inst>[^:\s]+):(?P<subject>[A-Z][A-Z0-9]{1,5})-(?P<number>\d[0-9A-Z]*)")


def _course(node_id: str) -> tuple[str, str, str] | None:
    m = _COURSE_ID.fullmatch(node_id)
    return (m["inst"], m["subject"], m["number"]) if m else None


def _row(rule: Rule, nodes: dict[str, Node]) -> list[str] | None:
    if not isinstance(rule.requires, NodeLeaf):
        return None
    sending = _course(rule.requires.node)
    if sending is None:
        return None
    written: TransferCredit | None = None
    if rule.note and rule.note.startswith(NOTE_PREFIX):
        try:
            written = parse_credit(rule.note[len(NOTE_PREFIX):].split("; ")[0])
        except NotationError:
            written = None
    grants: list[GrantedCourse] = []
    for grant in rule.grants:
        course = _course(grant.node)
        if course is None:
            return None
        node = nodes.get(grant.node)
        credits = grant.credits if grant.credits is not None else (node.credits if node else 0)
        grants.append(GrantedCourse(*course, credits))
    if written is not None and written.exempt is not None and len(grants) == 1:
        credit = TransferCredit(exempt=("", grants[0].subject, grants[0].number), designations=written.designations)
    else:
        credit = TransferCredit(tuple(grants), designations=written.designations if written else ())
    source = nodes.get(rule.requires.node)
    window = render_window(EffectiveWindow(rule.valid_from, rule.valid_to)) if rule.valid_from else ""
    return [sending[0], f"{sending[1]} {sending[2]}", source.title if source else "", credits_text(source.credits) if source else "",
            rule.granted_by, render_credit(credit), window, rule.requires.min_grade or ""]


def write_agreements(doc: Document, institution: str, out: TextIO) -> tuple[int, int]:
    """Write the ``transfer`` rules touching ``institution`` as CSV; return (written, left out)."""
    nodes = {n.id: n for n in doc.nodes}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BCTG_HEADER)
    written = skipped = 0
    for rule in sorted(doc.rules, key=lambda r: r.id):
        if rule.kind != "transfer" or rule.status == "retired":
            continue
        sending_inst = next((nodes[n].institution for n in sorted(rule.mentions()) if n in nodes), None)
        if institution not in (rule.granted_by, sending_inst):
            continue
        row = _row(rule, nodes)
        if row is None:
            skipped += 1
        else:
            writer.writerow(row)
            written += 1
    return written, skipped
