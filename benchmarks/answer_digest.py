"""Check: digests of ``POST /evaluate`` answers on a synthetic graph, to show a speed-up changed no byte.

For each transcript (:func:`benchmarks.synthetic.transcripts`) the shaped default answer, the
full answer (``"progress_limit": null``) and a shaped answer focused on the learner's first
institution with grants grouped, each encoded by orjson as the service does and hashed
(SHA-256). ``python -m benchmarks.answer_digest --scale 1.0 --out before.txt`` writes one line
per answer and prints a digest of them all; run it again after a change and compare the files
(``diff`` names the transcripts whose answers differ).

Example:
    >>> lines = digests(scale=0.002, holdings=3, count=2)
    >>> len(lines), lines[0].split()[:2]
    (6, ['3/0', 'shaped'])
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Sequence
from typing import Any

import orjson

from pathways.answers import node_summaries, shaped_evaluation_json
from pathways.engine import Engine

from .synthetic import Shape, add_transcript_arguments, generate, transcripts

__all__ = ["digests", "main"]


def _variants(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    home = body["holdings"][0]["node"].split(":", 1)[0] if body["holdings"] else ""
    return {"shaped": body, "full": body | {"progress_limit": None},
            "focused": body | {"institutions": [home], "progress_limit": 5, "group_grants": True}}


def digests(*, shape_name: Shape = "bc", scale: float = 1.0, seed: int = 0, holdings: int = 10,
            count: int = 300) -> list[str]:
    """One line per answer: ``holdings/index variant sha256``."""
    doc = generate(scale, seed=seed, shape=shape_name)
    engine = Engine(doc)
    summaries = node_summaries(engine)
    bodies = [r.model_dump(mode="json", exclude_none=True) for r in transcripts(doc, holdings, count, seed=seed)]
    lines = []
    for i, body in enumerate(bodies):
        for name, variant in _variants(body).items():
            encoded = orjson.dumps(shaped_evaluation_json(engine, summaries, variant))
            lines.append(f"{holdings}/{i} {name} {hashlib.sha256(encoded).hexdigest()}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.answer_digest", description=__doc__.split("\n\n")[0])
    add_transcript_arguments(parser)
    parser.add_argument("--transcripts", type=int, default=300)
    parser.add_argument("--out", help="write the per-answer lines here")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    lines = digests(shape_name=args.shape, scale=args.scale, seed=args.seed, holdings=args.holdings,
                    count=args.transcripts)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    total = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    print(f"{len(lines)} answers, digest {total} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
