"""Graph commands: ``load``, ``export``, ``validate`` and ``info``.

``load`` reads every file first, merges them, and imports the lot in one transaction, so a
reference from one file into another resolves and a bad file writes nothing at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from typing import Any, TextIO

from ..errors import InvalidInput, Problem
from ..io.csv_export import write_agreements
from ..io.ctdl import ctdl_document, read_ctdl
from ..io.document import merge_documents, read_document, read_json, write_document
from ..io.openbadges import achievements
from ..engine.checks import check_graph
from ..errors import InvalidInput
from ..model import Document, check_references
from . import Context

__all__ = ["EXPORT_FORMATS", "register"]

EXPORT_FORMATS = ("pathways", "csv", "ctdl", "ob3")
"""What ``pathways export --format`` writes."""

_LARGE_FILE = 5 * 1024 * 1024


def register(sub: Any) -> None:
    """Add the graph commands to the ``pathways`` parser."""
    p = sub.add_parser("load", help="import pathways/1 documents (merge by id; all or nothing)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--if-empty", action="store_true", help="do nothing when the store already holds a graph")
    p.add_argument("--format", choices=("pathways", "ctdl"), default="pathways",
                   help="pathways (pathways/1 documents) or ctdl (CTDL JSON-LD: organizations, courses, credentials, transfer value profiles)")
    p.add_argument("--actor", default="cli", help="who the audit log names (default: cli)")
    p.add_argument("--json", action="store_true", help="print the import summary as JSON")
    p.set_defaults(handler=_load)

    p = sub.add_parser("export", help="write the store as one pathways/1 document, or as CSV, CTDL or Open Badges")
    p.add_argument("file", nargs="?", metavar="FILE", help="output file (default: standard output)")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="pathways",
                   help="pathways (pathways/1), csv (an institution's agreements, bctg layout), ctdl (JSON-LD), "
                        "ob3 (Open Badges 3.0 achievements of micro-credentials)")
    p.add_argument("--institution", metavar="INST", help="csv: whose agreements (required); ctdl, ob3: only this institution's")
    p.add_argument("--json", action="store_true", help="accepted for symmetry; export is always JSON")
    p.set_defaults(handler=_export)

    p = sub.add_parser("validate", help="check documents, or the stored graph (ambiguous, circular, inflating rules)")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="documents to check (shape, references); without FILE: registrar checks of the store's graph")
    p.add_argument("--institution", metavar="INST", help="without FILE: only findings touching rules INST grants or its nodes")
    p.add_argument("--review-years", type=float, metavar="N",
                   help="without FILE: years a pilot may run before it is flagged (default: PATHWAYS_PILOT_REVIEW_YEARS, 2)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_validate)

    p = sub.add_parser("info", help="summarize the store: counts by kind and institution")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=_info)


def _read_all(files: list[str], progress: bool) -> Document:
    docs = []
    for path in files:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        started = time.perf_counter()
        if progress and size >= _LARGE_FILE:
            print(f"reading {path} ({size / 1e6:.1f} MB)...", file=sys.stderr)
        doc = read_document(path)
        if progress and size >= _LARGE_FILE:
            print(
                f"  {len(doc.institutions)} institutions, {len(doc.nodes)} nodes, {len(doc.rules)} rules "
                f"validated in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
        docs.append(doc)
    return merge_documents(docs)


def _read_ctdl(path: str) -> Document:
    """One CTDL JSON-LD file as a document; problem paths are prefixed with the file name."""
    try:
        return read_ctdl(read_json(path))
    except InvalidInput as err:
        raise InvalidInput([Problem(f"{path}: {p.path}", p.message) for p in err.problems]) from None


def _load(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    if args.if_empty and any(store.counts().values()):
        if not args.json:
            print(f"store already holds a graph (version {store.version()}); nothing loaded")
        return 0
    if args.format == "ctdl":
        doc = merge_documents([_read_ctdl(path) for path in args.files])
    else:
        doc = _read_all(args.files, progress=not args.json)
    started = time.perf_counter()
    summary = store.import_document(doc, actor=args.actor, action="load")
    elapsed = time.perf_counter() - started
    if args.json:
        ctx.print_json({"version": summary.version, "changes": summary.counts()})
    else:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(summary.counts().items())) or "no changes"
        print(f"loaded {len(args.files)} file(s) in {elapsed:.1f}s: {counts}; graph version {summary.version}")
    return 0


def _write_export(args: argparse.Namespace, doc: Document, out: TextIO) -> str:
    """Write ``doc`` in the chosen format; return what was written, for the message."""
    if args.format == "csv":
        written, skipped = write_agreements(doc, args.institution, out)
        return f"{written} agreements of {args.institution}" + (f" ({skipped} not expressible in the notation left out)" if skipped else "")
    if args.format == "ctdl":
        graph = ctdl_document(doc, institution=args.institution)
        json.dump(graph, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return f"{len(graph['@graph'])} CTDL resources"
    if args.format == "ob3":
        items = achievements(doc, institution=args.institution)
        json.dump(items, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return f"{len(items)} Open Badges achievements"
    write_document(doc, out)
    return f"{len(doc.nodes)} nodes, {len(doc.rules)} rules"


def _export(args: argparse.Namespace, ctx: Context) -> int:
    if args.format == "csv" and not args.institution:
        raise InvalidInput.one("--institution", "the csv format writes one institution's agreements: name it")
    doc = ctx.store().export()
    if args.institution and args.institution not in {i.id for i in doc.institutions}:
        raise InvalidInput.one("--institution", f'unknown institution "{args.institution}"')
    if args.file:
        with open(args.file, "w", encoding="utf-8", newline="") as out:
            what = _write_export(args, doc, out)
        print(f"exported {what} to {args.file}", file=sys.stderr)
    else:
        _write_export(args, doc, sys.stdout)
    return 0


def _validate(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    if args.files:
        doc = _read_all(args.files, progress=False)
        check_references(doc, store.known_ids())
        result: dict[str, Any] = {"valid": True, "institutions": len(doc.institutions), "nodes": len(doc.nodes), "rules": len(doc.rules)}
        if args.json:
            ctx.print_json(result)
        else:
            print(f"valid: {result['institutions']} institutions, {result['nodes']} nodes, {result['rules']} rules")
        return 0
    years = args.review_years if args.review_years is not None else ctx.settings.pilot_review_years
    if not 0 < years < 100:
        raise InvalidInput.one("--review-years", f"must be between 0 and 100 years, got {years:g}")
    findings = check_graph(store.export(), institution=args.institution, pilot_review_years=years)
    if args.json:
        ctx.print_json({"findings": [f.as_json() for f in findings]})
    else:
        for f in findings:
            print(f"{f.severity:8} {f.check:22} {', '.join(f.rules or f.nodes)}: {f.message}")
        print(f"{len(findings)} finding(s)")
    return 0


def _summarize(doc: Document) -> dict[str, Any]:
    """Counts of nodes by kind, rules by kind and status, and nodes and rules by institution."""
    return {
        "institutions": len(doc.institutions),
        "nodes": len(doc.nodes),
        "rules": len(doc.rules),
        "nodes_by_kind": dict(sorted(Counter(n.kind for n in doc.nodes).items())),
        "rules_by_kind": dict(sorted(Counter(r.kind for r in doc.rules).items())),
        "rules_by_status": dict(sorted(Counter(r.status for r in doc.rules).items())),
        "by_institution": {
            i.id: {
                "nodes": sum(1 for n in doc.nodes if n.institution == i.id),
                "rules": sum(1 for r in doc.rules if r.granted_by == i.id),
            }
            for i in sorted(doc.institutions, key=lambda i: i.id)
        },
    }


def _info(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    summary = _summarize(store.export())
    if args.json:
        ctx.print_json({"store": store.kind, "version": store.version(), **summary})
        return 0
    print(f"{store.kind} store, graph version {store.version()}: "
          f"{summary['institutions']} institutions, {summary['nodes']} nodes, {summary['rules']} rules")
    for title, key in (("nodes by kind", "nodes_by_kind"), ("rules by kind", "rules_by_kind"), ("rules by status", "rules_by_status")):
        print(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in summary[key].items()))
    print("  by institution:")
    for inst, c in summary["by_institution"].items():
        print(f"    {inst:10} {c['nodes']:5} nodes {c['rules']:5} rules")
    return 0
