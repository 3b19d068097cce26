"""The domain model of SPEC sections 1-3: institutions, nodes, rules, requirements, grades.

It depends on nothing else in pathways. Every other layer speaks these types.
"""

from __future__ import annotations

from .document import FORMAT, Document, KnownIds, check_references, parse_document, parse_entity, reference_problems
from .entities import Grant, Institution, Limits, Node, NodeKind, Rule, RuleKind, RuleStatus
from .grades import GRADE_POINTS, GRADES, LETTERS, counted_grade, grade_rank, lowest_letter, meets_grade, meets_min_grade
from .holdings import BadgeClaim, EvaluationRequest, Holding, Objective, PlanRequest
from .requirements import (
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Filter,
    NodeLeaf,
    Requirement,
    average_to_json,
    mentioned_competencies,
    mentioned_nodes,
    parse_requirement,
    requirement_to_json,
    requirement_unit,
    walk,
)

__all__ = [
    "FORMAT",
    "GRADES",
    "GRADE_POINTS",
    "LETTERS",
    "All",
    "Any_",
    "AtLeast",
    "Average",
    "BadgeClaim",
    "CompetencyLeaf",
    "CreditsOf",
    "CreditsWhere",
    "Document",
    "EvaluationRequest",
    "Filter",
    "Grant",
    "Holding",
    "Institution",
    "KnownIds",
    "Limits",
    "Node",
    "NodeKind",
    "NodeLeaf",
    "Objective",
    "PlanRequest",
    "Requirement",
    "Rule",
    "RuleKind",
    "RuleStatus",
    "average_to_json",
    "check_references",
    "counted_grade",
    "grade_rank",
    "lowest_letter",
    "meets_grade",
    "meets_min_grade",
    "mentioned_competencies",
    "mentioned_nodes",
    "parse_document",
    "parse_entity",
    "parse_requirement",
    "reference_problems",
    "requirement_to_json",
    "requirement_unit",
    "walk",
]
