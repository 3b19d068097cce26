"""The evaluation engine: functions over an in-memory snapshot of the graph.

It imports the model only, never a store, io or the service: a store hands it a
:class:`~pathways.model.Document` and :class:`Engine` compiles it once.

- :func:`evaluate`: what holdings (and presented badges) earn, here and elsewhere, and why;
  under a :class:`ProgressFocus`, only the progress an answer shows, ranked and cut.
- :func:`reach`: what one node counts toward, to a depth, each path explained.
- :func:`requirement_progress`: fraction and ``missing`` of a requirement for given holdings
  (the planner's view), :func:`synthetic_holdings`: holdings the planner adds.
- :func:`plan`: the proven cheapest routes from holdings to a target (SPEC section 5).
- :class:`Deadline`: what each of them takes to stop at a time (or when cancelled).
"""

from __future__ import annotations

from .deadline import NEVER, Deadline
from .evaluate import (
    SKIP_REASONS,
    Evaluation,
    HoldingState,
    ProgressEntry,
    ProgressFocus,
    Skipped,
    evaluate,
    requirement_progress,
    synthetic_holdings,
    years_before,
)
from .index import CompiledRule, Engine, compile_requirement, filter_matches
from .matching import Assignment, Candidate, Progress, best_assignment
from .progress import best_progress
from .plan import Plan, PlanResult, plan
from .reach import Reach, ReachPoolTarget, ReachStep, ReachTarget, reach

__all__ = [
    "NEVER",
    "SKIP_REASONS",
    "Assignment",
    "Candidate",
    "CompiledRule",
    "Deadline",
    "Engine",
    "Evaluation",
    "HoldingState",
    "Plan",
    "PlanResult",
    "Progress",
    "ProgressEntry",
    "ProgressFocus",
    "Reach",
    "ReachPoolTarget",
    "ReachStep",
    "ReachTarget",
    "Skipped",
    "best_assignment",
    "best_progress",
    "compile_requirement",
    "evaluate",
    "filter_matches",
    "plan",
    "reach",
    "requirement_progress",
    "synthetic_holdings",
    "years_before",
]
