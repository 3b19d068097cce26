"""The service's cost limits, from settings: holdings, reach depth and size, impact and validation size, request time.

Every limit is a setting (:mod:`pathways.settings`) and every refusal names it: a body over
the holdings limit is a 422 on ``holdings`` before anything is parsed or evaluated, a reach
deeper than allowed a 422 on ``depth``. The GraphQL limits (cost and depth) are applied by
:mod:`pathways.service.graphql.cost`.

Example:
    >>> limits = Limits(max_holdings=2)
    >>> limits.check_holdings({"holdings": [{"node": "A"}, {"node": "B"}, {"node": "C"}]})
    Traceback (most recent call last):
    pathways.errors.InvalidInput: holdings: 3 holdings and credentials: more than the limit of 2 (PATHWAYS_MAX_HOLDINGS)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import Deadline
from ..errors import InvalidInput
from ..settings import Settings

__all__ = ["Limits"]

_DEFAULTS = Settings()


@dataclass(frozen=True, slots=True)
class Limits:
    """The cost limits one app enforces (defaults as in :class:`~pathways.settings.Settings`)."""

    max_holdings: int = _DEFAULTS.max_holdings
    max_reach_depth: int = _DEFAULTS.max_reach_depth
    max_reach_paths: int = _DEFAULTS.max_reach_paths
    graphql_max_cost: int = _DEFAULTS.graphql_max_cost
    graphql_max_depth: int = _DEFAULTS.graphql_max_depth
    request_time_limit: float = _DEFAULTS.request_time_limit
    impact_max_listed: int = _DEFAULTS.impact_max_listed
    validate_max_listed: int = _DEFAULTS.validate_max_listed

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.max_holdings, settings.max_reach_depth, settings.max_reach_paths,
                   settings.graphql_max_cost, settings.graphql_max_depth, settings.request_time_limit,
                   settings.impact_max_listed, settings.validate_max_listed)

    def deadline(self) -> Deadline:
        """A new request's deadline: ``request_time_limit`` seconds from now."""
        return Deadline.after(self.request_time_limit)

    def check_holdings(self, body: object) -> None:
        """422 when an evaluation or plan body carries more holdings and credentials than allowed.

        Counted on the raw JSON (a bare list is the holdings), before any parsing, so an
        oversized body costs no more than reading it.
        """
        if isinstance(body, list):
            count = len(body)
        elif isinstance(body, dict):
            count = sum(len(v) for key in ("holdings", "credentials") if isinstance(v := body.get(key), list))
        else:
            return
        if count > self.max_holdings:
            raise InvalidInput.one("holdings", f"{count} holdings and credentials: more than the limit of "
                                               f"{self.max_holdings} (PATHWAYS_MAX_HOLDINGS)")

    def check_depth(self, depth: int) -> None:
        """422 when a reach asks deeper than allowed (the API's own bound is 1-10)."""
        if not 1 <= depth <= self.max_reach_depth:
            raise InvalidInput.one("depth", f"must be between 1 and {self.max_reach_depth} "
                                            f"(PATHWAYS_MAX_REACH_DEPTH), got {depth}")
