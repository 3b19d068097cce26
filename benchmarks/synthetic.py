"""Synthetic graphs shaped like real transfer systems, and transcripts to evaluate against them.

:func:`generate` builds a :class:`~pathways.model.Document` in the ``cuny`` shape (about 1.5
million one-to-one transfer rules, mostly blanket credit; :mod:`benchmarks.cuny_shape`) or
the ``bc`` shape (239,000 course agreements, block transfers, guaranteed admissions,
micro-credential stacks, credentials with credit pools and limits; :mod:`benchmarks.bc_shape`),
scaled by ``scale`` and deterministic for a ``seed``. :func:`transcripts` draws learners'
holdings: courses from one or two institutions that rules mention, with grades and dates
inside the agreements' windows.

Example:
    >>> doc = generate(0.002, seed=1)
    >>> len(doc.institutions), len(doc.rules) > 2000
    (21, True)
    >>> generate(0.002, seed=1).to_json() == doc.to_json()
    True
    >>> requests = transcripts(doc, 3, 4, seed=1)
    >>> [len(r.holdings) for r in requests]
    [3, 3, 3, 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections import defaultdict
from typing import Literal

from pathways.model import Document, EvaluationRequest, Holding, NodeLeaf, walk

from . import bc_shape, cuny_shape

__all__ = ["AS_OF", "Shape", "add_transcript_arguments", "generate", "transcripts"]

Shape = Literal["cuny", "bc"]
AS_OF = dt.date(2025, 6, 30)
"""The evaluation date of every generated transcript: fixed, so results do not drift with the calendar."""

_GRADES = ("A+",) * 5 + ("A",) * 12 + ("A-",) * 12 + ("B+",) * 14 + ("B",) * 14 + ("B-",) * 10 + ("C+",) * 9 + ("C",) * 8 + (
    "C-",
) * 5 + ("D",) * 8 + ("F",) * 3
_YEARS_BACK = 12  # a learner started studying 1-12 years before as_of
_STUDY_YEARS = 5  # and earned every holding within five years
_WINDOWS_KEPT = 4  # windows remembered per course: enough to date a holding inside most of its agreements


def generate(scale: float = 1.0, *, seed: int = 0, shape: Shape = "cuny") -> Document:
    """A synthetic graph of the given shape; ``scale=1.0`` matches the published sizes.

    Raises:
        ValueError: for an unknown shape or a scale that is not positive.
    """
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    rng = random.Random(f"{shape}/{seed}")
    if shape == "cuny":
        return cuny_shape.build(scale, rng)
    if shape == "bc":
        return bc_shape.build(scale, rng)
    raise ValueError(f"unknown shape {shape!r}: expected 'cuny' or 'bc'")


def transcripts(doc: Document, n_holdings: int, count: int, seed: int = 0, *, as_of: dt.date = AS_OF) -> list[EvaluationRequest]:
    """``count`` evaluation requests of ``n_holdings`` holdings each, drawn from ``doc``.

    A learner studied for up to five years, ending no later than ``as_of``, at a home
    institution and, half the time, a second one; three quarters of the holdings come from
    home. Holdings are courses that some rule's requirement names (micro-courses graded
    ``P``, others a letter, a few ``F``), each earned inside the study years and inside the
    window of one of the rules that names it. A transcript has fewer than ``n_holdings``
    holdings only when the graph is too small to supply them.
    """
    rng = random.Random(f"transcripts/{seed}/{n_holdings}")
    nodes = {n.id: n for n in doc.nodes}
    windows: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for rule in doc.rules:
        if rule.status != "approved":
            continue
        start = rule.valid_from or dt.date(2000, 1, 1)
        end = min(rule.valid_to or as_of, as_of)
        if start > end:
            continue
        for req in walk(rule.requires):
            if isinstance(req, NodeLeaf):
                kept = windows.setdefault(req.node, [])
                if len(kept) < _WINDOWS_KEPT:
                    kept.append((start, end))
    by_institution: dict[str, list[str]] = defaultdict(list)
    for ident in sorted(windows):
        node = nodes[ident]
        if node.kind == "course" and node.institution is not None:
            by_institution[node.institution].append(ident)
    homes = sorted(i for i, courses in by_institution.items() if courses)
    weights = [len(by_institution[i]) for i in homes]
    requests = []
    for _ in range(count):
        home = rng.choices(homes, weights)[0]
        second = rng.choice(homes) if rng.random() < 0.5 and len(homes) > 1 else home
        span_start = as_of - dt.timedelta(days=rng.randrange(365, 365 * _YEARS_BACK))
        span = (span_start, min(as_of, span_start + dt.timedelta(days=365 * _STUDY_YEARS)))
        pools = [by_institution[home], by_institution[second]]
        available = len(set(pools[0]) | set(pools[1]))
        holdings: dict[str, Holding] = {}
        for _attempt in range(n_holdings * 50):
            if len(holdings) >= min(n_holdings, available):
                break
            ident = rng.choice(pools[0] if rng.random() < 0.75 else pools[1])
            if ident in holdings:
                continue
            inside = [(max(a, span[0]), min(b, span[1])) for a, b in windows[ident] if a <= span[1] and b >= span[0]]
            if not inside:
                continue
            start, end = rng.choice(inside)
            earned = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
            micro = nodes[ident].details.get("format") == "micro-course"
            grade = "P" if micro else _GRADES[rng.randrange(len(_GRADES))]
            holdings[ident] = Holding(node=ident, grade=grade, earned=earned)
        requests.append(EvaluationRequest(holdings=[holdings[i] for i in sorted(holdings)], as_of=as_of))
    return requests


def add_transcript_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options every benchmark of synthetic transcripts takes: ``--shape``, ``--scale``,
    ``--seed`` and ``--holdings`` (holdings per transcript).

    >>> parser = argparse.ArgumentParser()
    >>> add_transcript_arguments(parser)
    >>> vars(parser.parse_args(["--scale", "0.2"]))
    {'shape': 'bc', 'scale': 0.2, 'seed': 0, 'holdings': 10}
    """
    parser.add_argument("--shape", choices=("bc", "cuny"), default="bc", help="synthetic graph shape (default: bc)")
    parser.add_argument("--scale", type=float, default=1.0, help="synthetic graph scale (bc 1.0: 239,000 agreements)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdings", type=int, default=10, help="holdings per transcript")
