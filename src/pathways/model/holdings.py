"""Holdings and the inputs of evaluation and planning (SPEC sections 4-5).

Example:
    >>> req = EvaluationRequest.from_json([{"node": "UFV:PS-ESS", "grade": "B+", "earned": "2025-04-30"}])
    >>> req.holdings[0].grade, req.include_pilot
    ('B+', False)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, WithJsonSchema, field_validator

from ..errors import InvalidInput, Problem
from .dates import IsoDate
from .document import pydantic_problems
from .grades import GRADES
from .ids import ID_JSON_SCHEMA, id_problem

__all__ = ["BadgeClaim", "EvaluationRequest", "Holding", "Objective", "PlanRequest"]

Objective = Literal["hours", "cost", "credits", "items"]


class Holding(BaseModel):
    """A node a learner presents, with an optional grade and the date it was earned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: Annotated[str, WithJsonSchema(ID_JSON_SCHEMA)]
    grade: str | None = None
    earned: IsoDate | None = None

    @field_validator("node")
    @classmethod
    def _node_id(cls, value: str) -> str:
        msg = id_problem(value)
        if msg:
            raise ValueError(msg)
        return value

    @field_validator("grade")
    @classmethod
    def _grade(cls, value: str | None) -> str | None:
        if value is not None and value not in GRADES:
            raise ValueError(f"unknown grade {value!r}: expected one of A+ A A- B+ B B- C+ C C- D+ D D- F P")
        return value


@dataclass(frozen=True, slots=True)
class BadgeClaim:
    """A presented Open Badges credential reduced to what evaluation needs.

    ``identifiers`` are the achievement id and alignment target URLs, in that order, matched
    against node ``identifiers``; ``earned`` is the credential's validFrom date; ``path`` locates
    the credential in the request (``credentials[0]``) for error messages; ``valid_until`` is its
    validUntil date, after which it is expired (recognized, not held).
    """

    identifiers: tuple[str, ...]
    earned: dt.date | None = None
    path: str = ""
    valid_until: dt.date | None = None


class EvaluationRequest(BaseModel):
    """The body of ``POST /evaluate``: holdings, presented Open Badges, as-of date, pilot flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holdings: list[Holding] = Field(default_factory=list)
    credentials: list[dict[str, Any]] = Field(default_factory=list)
    as_of: IsoDate | None = None
    # strict: 0, 1, "true" are refused (422), not read as booleans
    include_pilot: StrictBool = False

    @classmethod
    def from_json(cls, value: object) -> EvaluationRequest:
        """Validate JSON input (a bare list is taken as ``holdings``), naming every bad field."""
        return _validate(cls, {"holdings": value} if isinstance(value, list) else value)

    def resolved_as_of(self, today: dt.date | None = None) -> dt.date:
        """``as_of``, or today when the request leaves it out."""
        return self.as_of or today or dt.date.today()

    def check_dates(self, as_of: dt.date) -> None:
        """Raise :class:`InvalidInput` for any holding dated after ``as_of``."""
        problems = [
            Problem(f"holdings[{i}].earned", f"{h.earned} is after as_of {as_of}")
            for i, h in enumerate(self.holdings)
            if h.earned is not None and h.earned > as_of
        ]
        if problems:
            raise InvalidInput(problems)


class PlanRequest(EvaluationRequest):
    """The body of ``POST /plan``: an evaluation input plus the target and the objective."""

    target: str
    objective: Objective = "hours"
    institutions: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    alternatives: StrictInt = Field(default=1, ge=1, le=10)

    @classmethod
    def from_json(cls, value: object) -> PlanRequest:
        """Validate JSON input, naming every bad field."""
        return _validate(cls, value)


R = TypeVar("R", bound=BaseModel)


def _validate(cls: type[R], value: object) -> R:
    if not isinstance(value, dict):
        raise InvalidInput.one("", "expected a JSON object (or a list of holdings)")
    try:
        return cls.model_validate(value)
    except ValidationError as err:
        raise InvalidInput(pydantic_problems(err)) from None
