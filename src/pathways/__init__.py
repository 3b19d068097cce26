"""pathways: a credit-transfer and educational-pathway graph engine.

Micro-credentials, courses, competencies, credentials and admission routes are nodes;
stacking, laddering, PLAR, transfer and admission rules are hyperedges. The package layers:
``model`` (SPEC's vocabulary), ``engine`` (evaluation, reach, planning), ``store`` (SQLite,
Neo4j), ``io`` (external formats), ``service`` (REST + GraphQL) and ``cli``.
"""

from __future__ import annotations

from .errors import PathwaysError

__all__ = ["PathwaysError", "__version__"]

__version__ = "0.1.0"
