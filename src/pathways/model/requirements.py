"""Requirements: the seven shapes of SPEC section 3, parsed, validated and written back.

A requirement is a JSON object with exactly one shape. Parsing collects every problem with
its JSON path instead of stopping at the first, so a registrar sees all of them at once.

Example:
    >>> req = parse_requirement({"at_least": 1, "of": [{"node": "A:1"}, {"node": "A:2", "min_grade": "B"}]})
    >>> req
    AtLeast(k=1, of=(NodeLeaf(node='A:1', min_grade=None, max_grade=None), NodeLeaf(node='A:2', min_grade='B', max_grade=None)))
    >>> requirement_to_json(req)["of"][1]
    {'node': 'A:2', 'min_grade': 'B'}
    >>> sorted(mentioned_nodes(req))
    ['A:1', 'A:2']
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from ..errors import InvalidInput, Problem
from .grades import GRADES, LETTERS
from .ids import id_problem

__all__ = [
    "All",
    "Any_",
    "AtLeast",
    "Average",
    "CompetencyLeaf",
    "CreditsOf",
    "CreditsWhere",
    "Filter",
    "NODE_KINDS",
    "NodeLeaf",
    "Requirement",
    "average_to_json",
    "mentioned_competencies",
    "mentioned_nodes",
    "parse_requirement",
    "requirement_problems",
    "requirement_to_json",
    "requirement_unit",
    "walk",
]

NODE_KINDS: tuple[str, ...] = ("course", "micro_credential", "credential", "competency", "admission")


@dataclass(frozen=True, slots=True)
class NodeLeaf:
    """``{"node": ID}``, optionally with ``"min_grade"`` and/or ``"max_grade"``: one holding of
    that node graded inside the range."""

    node: str
    min_grade: str | None = None
    max_grade: str | None = None


@dataclass(frozen=True, slots=True)
class CompetencyLeaf:
    """``{"competency": ID}``: one holding of the competency or of a node demonstrating it."""

    competency: str


@dataclass(frozen=True, slots=True)
class All:
    """``{"all": [...]}``: every child is met."""

    of: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    """``{"any": [...]}``: at least one child is met (named ``Any_`` to keep ``typing.Any``)."""

    of: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True)
class AtLeast:
    """``{"at_least": k, "of": [...]}``: at least k children are met."""

    k: int
    of: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True)
class CreditsOf:
    """``{"credits": c, "of": [...]}``: the credits used by the met children add up to >= c.

    With ``unit`` ``"hours"`` (``{"hours": h, "of": [...]}``) the nodes' ``hours`` are added
    instead, and ``credits`` holds the hours needed.
    """

    credits: float
    of: tuple[Requirement, ...]
    unit: str = "credits"


@dataclass(frozen=True, slots=True)
class Filter:
    """The ``where`` of a credit pool; a field left ``None`` matches anything."""

    institution: str | None = None
    subject: str | None = None
    kind: str | None = None
    level_min: int | None = None
    level_max: int | None = None


@dataclass(frozen=True, slots=True)
class CreditsWhere:
    """``{"credits": c, "where": F}``: credits of used holdings matching F add up to >= c.

    With ``unit`` ``"hours"`` (``{"hours": h, "where": F}``) the nodes' ``hours`` are added
    instead, and ``credits`` holds the hours needed.
    """

    credits: float
    where: Filter
    unit: str = "credits"


@dataclass(frozen=True, slots=True)
class Average:
    """``{"average": G, "of": [{"node": ID}, ...]}`` or ``{"average": G, "where": F[, "last_credits": n]}``:
    the credit-weighted grade-point average (:data:`~pathways.model.grades.GRADE_POINTS`) of the
    learning behind the held nodes named (``of``) or passing ``where`` reaches ``G``; with
    ``last_credits``, of the most recent such learning whose credits reach n.

    A condition over the record, not a part that uses holdings (second edition, amendment 7):
    it may stand wherever a requirement may, but inside a ``credits|hours ... of``.
    """

    grade: str
    of: tuple[str, ...] | None = None
    where: Filter | None = None
    last_credits: float | None = None


Requirement: TypeAlias = NodeLeaf | CompetencyLeaf | All | Any_ | AtLeast | CreditsOf | CreditsWhere | Average

_SHAPES = {
    frozenset({"node"}): "node",
    frozenset({"node", "min_grade"}): "node",
    frozenset({"node", "max_grade"}): "node",
    frozenset({"node", "min_grade", "max_grade"}): "node",
    frozenset({"competency"}): "competency",
    frozenset({"all"}): "all",
    frozenset({"any"}): "any",
    frozenset({"at_least", "of"}): "at_least",
    frozenset({"credits", "of"}): "credits_of",
    frozenset({"credits", "where"}): "credits_where",
    frozenset({"hours", "of"}): "credits_of",
    frozenset({"hours", "where"}): "credits_where",
    frozenset({"average", "of"}): "average",
    frozenset({"average", "where"}): "average",
    frozenset({"average", "where", "last_credits"}): "average",
}
_BOUNDS = tuple(g for g in LETTERS if g != "F")
"""The grades a leaf's ``min_grade`` or ``max_grade`` may name, best first."""
_FILTER_KEYS = ("institution", "subject", "kind", "level_min", "level_max")
_SHAPE_HELP = (
    'expected exactly one shape: {"node"[, "min_grade"][, "max_grade"]}, {"competency"}, {"all"}, {"any"}, '
    '{"at_least", "of"}, {"credits"|"hours", "of"}, {"credits"|"hours", "where"} or '
    '{"average", "of"|"where"[, "last_credits"]}'
)


def parse_requirement(value: object, path: str = "") -> Requirement:
    """Parse a JSON requirement, raising :class:`InvalidInput` with every problem found."""
    req, problems = requirement_problems(value, path)
    if problems or req is None:
        raise InvalidInput(problems or [Problem(path, "invalid requirement")])
    return req


def requirement_problems(value: object, path: str) -> tuple[Requirement | None, list[Problem]]:
    """Parse a JSON requirement, returning it (or ``None``) and the problems found."""
    problems: list[Problem] = []
    req = _parse(value, path, problems)
    if req is not None and not problems:
        _unit_problems(req, path, problems)
        _average_problems(req, path, problems)
    return (None if problems else req), problems


def _average_problems(req: Requirement, path: str, problems: list[Problem]) -> None:
    """An average is a condition, met or not, and may stand wherever a requirement may, but
    inside a ``credits|hours ... of``: it adds no credits or hours, so a pool cannot count it.
    There it is refused, at its path."""
    if isinstance(req, CreditsOf):
        for i, child in enumerate(req.of):
            _pooled_averages(child, f"{_join(path, 'of')}[{i}]", req.unit, problems)
    elif isinstance(req, (All, Any_, AtLeast)):
        key = {All: "all", Any_: "any"}.get(type(req), "of")
        for i, child in enumerate(req.of):
            _average_problems(child, f"{_join(path, key)}[{i}]", problems)


def _pooled_averages(req: Requirement, path: str, unit: str, problems: list[Problem]) -> None:
    if isinstance(req, Average):
        problems.append(Problem(path, f'an average adds no {unit}, so a "{unit} ... of" cannot count it: put it beside '
                                      f'the pool, e.g. {{"all": [{{"average": "C+", ...}}, {{"{unit}": 30, "of": [...]}}]}}'))
    elif isinstance(req, (All, Any_, AtLeast, CreditsOf)):
        key = {All: "all", Any_: "any"}.get(type(req), "of")
        for i, child in enumerate(req.of):
            _pooled_averages(child, f"{_join(path, key)}[{i}]", unit, problems)


def _unit_problems(req: Requirement, path: str, problems: list[Problem]) -> None:
    """One requirement counts credits or hours, not both: a holding carries one weight into
    the matching, so a pool of hours beside a pool of credits is refused, naming the first."""
    units = {r.unit for r in walk(req) if isinstance(r, (CreditsOf, CreditsWhere))}
    if len(units) > 1:
        problems.append(Problem(path, "credits and hours pools cannot be combined in one requirement"))


def requirement_unit(req: Requirement) -> str:
    """What the pools of ``req`` add up: ``"hours"`` when it has an hours pool, else ``"credits"``.

    >>> requirement_unit(parse_requirement({"hours": 135, "where": {"institution": "CAPU"}}))
    'hours'
    """
    return "hours" if any(isinstance(r, (CreditsOf, CreditsWhere)) and r.unit == "hours" for r in walk(req)) else "credits"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse(value: object, path: str, problems: list[Problem]) -> Requirement | None:
    if not isinstance(value, dict):
        problems.append(Problem(path, f"a requirement must be an object, not {_json_type(value)}"))
        return None
    shape = _SHAPES.get(frozenset(value))
    if shape is None:
        problems.append(Problem(path, f"{_SHAPE_HELP}; got keys {sorted(value)}"))
        return None
    if shape == "node":
        return _parse_node_leaf(value, path, problems)
    if shape == "average":
        return _parse_average(value, path, problems)
    if shape == "competency":
        ident = value["competency"]
        msg = id_problem(ident)
        if msg:
            problems.append(Problem(_join(path, "competency"), msg))
            return None
        return CompetencyLeaf(ident)
    unit = "hours" if "hours" in value else "credits"
    if shape == "credits_where":
        credits = _parse_credits(value[unit], _join(path, unit), problems)
        where = _parse_filter(value["where"], _join(path, "where"), problems)
        if credits is None or where is None:
            return None
        return CreditsWhere(credits, where, unit)
    key = {"all": "all", "any": "any"}.get(shape, "of")
    children = _parse_children(value[key], _join(path, key), problems)
    if children is None:
        return None
    if shape == "all":
        return All(children)
    if shape == "any":
        return Any_(children)
    if shape == "credits_of":
        credits = _parse_credits(value[unit], _join(path, unit), problems)
        return None if credits is None else CreditsOf(credits, children, unit)
    k = value["at_least"]
    if not isinstance(k, int) or isinstance(k, bool):
        problems.append(Problem(_join(path, "at_least"), f"must be an integer, not {_json_type(k)}"))
        return None
    if not 1 <= k <= len(children):
        problems.append(Problem(_join(path, "at_least"), f"must be between 1 and {len(children)} (the number of children), got {k}"))
        return None
    return AtLeast(k, children)


def _parse_node_leaf(value: dict[str, Any], path: str, problems: list[Problem]) -> NodeLeaf | None:
    ident = value["node"]
    msg = id_problem(ident)
    ok = True
    if msg:
        problems.append(Problem(_join(path, "node"), msg))
        ok = False
    bounds: dict[str, str | None] = {}
    for key in ("min_grade", "max_grade"):
        grade = value.get(key)
        if key in value and (grade not in GRADES or grade in ("F", "P")):
            problems.append(Problem(_join(path, key), f"unknown grade {grade!r}: expected one of {' '.join(_BOUNDS)}"))
            ok = False
        bounds[key] = grade
    lo, hi = bounds["min_grade"], bounds["max_grade"]
    if ok and lo is not None and hi is not None and _BOUNDS.index(lo) < _BOUNDS.index(hi):
        problems.append(Problem(_join(path, "max_grade"), f"{hi} is below min_grade {lo}: no grade meets both"))
        ok = False
    return NodeLeaf(ident, lo, hi) if ok else None


def _parse_average(value: dict[str, Any], path: str, problems: list[Problem]) -> Average | None:
    before = len(problems)
    grade = value["average"]
    if grade not in _BOUNDS:
        problems.append(Problem(_join(path, "average"), f"unknown grade {grade!r}: expected one of {' '.join(_BOUNDS)}"))
    of: tuple[str, ...] | None = None
    where: Filter | None = None
    last: float | None = None
    if "of" in value:
        items = value["of"]
        if not isinstance(items, list) or not items:
            problems.append(Problem(_join(path, "of"), 'must be a non-empty list of {"node": ID}'))
        else:
            ids = []
            for i, item in enumerate(items):
                at = f"{_join(path, 'of')}[{i}]"
                if not isinstance(item, dict) or set(item) != {"node"}:
                    problems.append(Problem(at, 'an average is taken over nodes: expected {"node": ID}'))
                elif (msg := id_problem(item["node"])) is not None:
                    problems.append(Problem(_join(at, "node"), msg))
                else:
                    ids.append(item["node"])
            of = tuple(ids)
    else:
        where = _parse_filter(value["where"], _join(path, "where"), problems)
        if "last_credits" in value:
            last = _parse_credits(value["last_credits"], _join(path, "last_credits"), problems)
    if len(problems) > before:
        return None
    return Average(grade, of, where, last)


def _parse_children(value: object, path: str, problems: list[Problem]) -> tuple[Requirement, ...] | None:
    if not isinstance(value, list) or not value:
        problems.append(Problem(path, "must be a non-empty list of requirements"))
        return None
    before = len(problems)
    children = [_parse(child, f"{path}[{i}]", problems) for i, child in enumerate(value)]
    if len(problems) > before:
        return None
    return tuple(c for c in children if c is not None)


def _parse_credits(value: object, path: str, problems: list[Problem]) -> float | None:
    if not _is_number(value) or value <= 0:  # type: ignore[operator]
        problems.append(Problem(path, f"must be a finite number > 0, got {value!r}"))
        return None
    return float(value)  # type: ignore[arg-type]


def _parse_filter(value: object, path: str, problems: list[Problem]) -> Filter | None:
    if not isinstance(value, dict):
        problems.append(Problem(path, f"must be an object, not {_json_type(value)}"))
        return None
    before = len(problems)
    for key in value:
        if key not in _FILTER_KEYS:
            problems.append(Problem(_join(path, key), f"unknown filter field; expected any of {', '.join(_FILTER_KEYS)}"))
    for key in ("institution", "subject"):
        if key in value and not (isinstance(value[key], str) and value[key]):
            problems.append(Problem(_join(path, key), "must be a non-empty string"))
    if "kind" in value and value["kind"] not in NODE_KINDS:
        problems.append(Problem(_join(path, "kind"), f"unknown node kind {value['kind']!r}: expected one of {', '.join(NODE_KINDS)}"))
    for key in ("level_min", "level_max"):
        v = value.get(key)
        if key in value and not (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 9):
            problems.append(Problem(_join(path, key), f"must be an integer from 1 to 9, got {v!r}"))
    if len(problems) > before:
        return None
    return Filter(**{k: value.get(k) for k in _FILTER_KEYS})


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def requirement_to_json(req: Requirement) -> dict[str, Any]:
    """The JSON form of a requirement, as SPEC writes it (integral credits as integers)."""
    if isinstance(req, NodeLeaf):
        out: dict[str, Any] = {"node": req.node}
        if req.min_grade is not None:
            out["min_grade"] = req.min_grade
        if req.max_grade is not None:
            out["max_grade"] = req.max_grade
        return out
    if isinstance(req, CompetencyLeaf):
        return {"competency": req.competency}
    if isinstance(req, Average):
        return average_to_json(req)
    if isinstance(req, All):
        return {"all": [requirement_to_json(c) for c in req.of]}
    if isinstance(req, Any_):
        return {"any": [requirement_to_json(c) for c in req.of]}
    if isinstance(req, AtLeast):
        return {"at_least": req.k, "of": [requirement_to_json(c) for c in req.of]}
    if isinstance(req, CreditsOf):
        return {req.unit: _number(req.credits), "of": [requirement_to_json(c) for c in req.of]}
    where = {k: getattr(req.where, k) for k in _FILTER_KEYS if getattr(req.where, k) is not None}
    return {req.unit: _number(req.credits), "where": where}


def average_to_json(avg: Average) -> dict[str, Any]:
    """The JSON form of an average (for ``missing`` and ``also_needs`` too).

    >>> average_to_json(Average("C+", where=Filter(institution="U"), last_credits=30.0))
    {'average': 'C+', 'where': {'institution': 'U'}, 'last_credits': 30}
    """
    out: dict[str, Any] = {"average": avg.grade}
    if avg.of is not None:
        out["of"] = [{"node": n} for n in avg.of]
        return out
    assert avg.where is not None
    out["where"] = {k: getattr(avg.where, k) for k in _FILTER_KEYS if getattr(avg.where, k) is not None}
    if avg.last_credits is not None:
        out["last_credits"] = _number(avg.last_credits)
    return out


def walk(req: Requirement) -> Iterator[Requirement]:
    """Every sub-requirement of ``req``, itself first, depth first."""
    yield req
    if isinstance(req, (All, Any_, AtLeast, CreditsOf)):
        for child in req.of:
            yield from walk(child)


def mentioned_nodes(req: Requirement) -> set[str]:
    """Ids of the nodes named by ``node`` leaves of ``req`` and by the ``of`` of its averages."""
    return {r.node for r in walk(req) if isinstance(r, NodeLeaf)} | {n for r in walk(req) if isinstance(r, Average) for n in r.of or ()}


def mentioned_competencies(req: Requirement) -> set[str]:
    """Ids of the competencies named by ``competency`` leaves of ``req``."""
    return {r.competency for r in walk(req) if isinstance(r, CompetencyLeaf)}
