"""``import-csv``: a transfer-guide table imported in one transaction, with a progress bar.

Every row is read and checked before anything is written; one bad row and nothing is
(the error lists every bad row by line and column). Long tables show a ``rich`` progress
bar on standard error while rows are read.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import InvalidInput
from ..io.csv_import import LAYOUTS, CsvImport, Layout, Mapping, read_transfer_table
from ..io.document import read_file, read_json
from ..model import KnownIds
from . import Context

__all__ = ["PROGRESS_ROWS", "import_table", "register"]

PROGRESS_ROWS = 2000
"""Tables with at least this many rows show a progress bar."""


def register(sub: Any) -> None:
    """Add ``import-csv`` to the ``pathways`` parser."""
    p = sub.add_parser("import-csv", help="import a transfer-guide table (CSV): courses, unassigned credit and transfer rules")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--layout", choices=LAYOUTS, default="bctg", help="bctg (BC Transfer Guide columns) or generic (with --mapping)")
    p.add_argument("--mapping", metavar="JSON", help="generic layout: {\"columns\": {field: header}, \"date_format\": ...}")
    p.add_argument("--actor", default="cli", help="who the audit log names (default: cli)")
    p.add_argument("--json", action="store_true", help="print the import summary as JSON")
    p.set_defaults(handler=_import_csv)


def _read_text(path: str) -> str:
    try:
        return read_file(path).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInput.one(path, f"not UTF-8 text: {err}") from None


def import_table(text: str, known: KnownIds, *, layout: Layout, mapping: Mapping | None, source: str,
                 show_progress: bool) -> CsvImport:
    """Read ``text``, with a progress bar on standard error when it is long and ``show_progress``."""
    total = text.count("\n")
    if not show_progress or total < PROGRESS_ROWS:
        return read_transfer_table(text, known=known, layout=layout, mapping=mapping, source=source)
    columns = (TextColumn("reading rows"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("rows", total=total)

        def update(rows: int) -> None:
            if rows % 500 == 0:
                bar.update(task, completed=rows)

        return read_transfer_table(text, known=known, layout=layout, mapping=mapping, source=source, progress=update)


def _import_csv(args: argparse.Namespace, ctx: Context) -> int:
    mapping = Mapping.from_json(read_json(args.mapping), args.mapping) if args.mapping else None
    text = _read_text(args.file)
    store = ctx.store()
    result = import_table(text, store.known_ids(), layout=args.layout, mapping=mapping, source=args.file,
                          show_progress=not args.json)
    started = time.perf_counter()
    summary = store.import_document(result.document, actor=args.actor, action=f"import-csv {args.file}")
    elapsed = time.perf_counter() - started
    no_credit = [{"line": r.line, "sending": r.sending, "receiving_institution": r.receiving_institution} for r in result.no_credit]
    if args.json:
        ctx.print_json({"version": summary.version, "rows": result.rows, "changes": summary.counts(), "no_credit_not_written": no_credit})
        return 0
    counts = ", ".join(f"{n} {k}" for k, n in sorted(summary.counts().items())) or "no changes"
    print(f"imported {result.rows} rows in {elapsed:.1f}s: {counts}; graph version {summary.version}")
    if no_credit:
        lines = ", ".join(str(r["line"]) for r in no_credit)
        print(f"{len(no_credit)} \"No credit\" row(s) read but not written (the rule model needs at least one grant): lines {lines}",
              file=sys.stderr)
    return 0
