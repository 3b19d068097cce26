"""Benchmarks of pathways on synthetic graphs shaped like real transfer systems (CUNY, BC).

``python -m benchmarks.run`` runs them at a small scale and prints the table;
``benchmarks.synthetic.generate`` builds the graphs; ``benchmarks.machine`` says where the
figures were measured. See ``docs/benchmarks.md``.
"""

from __future__ import annotations

__all__: list[str] = []
