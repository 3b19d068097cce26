"""Settings: one declaration feeds the environment, the CLI defaults and the docs.

Only the CLI and the service read settings; the library takes explicit objects. The cost
limits (holdings, reach depth and answer size, GraphQL cost and depth, request time) are
settings too: each names what it bounds, and its default comes from measured costs
(docs/limits.md).

Example:
    >>> Settings.from_env({"PATHWAYS_STORE": "sqlite:///x.db"}).store_url
    'sqlite:///x.db'
    >>> [s.env for s in SETTINGS][:5]
    ['PATHWAYS_STORE', 'PATHWAYS_TOKENS_FILE', 'PATHWAYS_HOST', 'PATHWAYS_PORT', 'PATHWAYS_PILOT_REVIEW_YEARS']
    >>> Settings.from_env({"PATHWAYS_MAX_HOLDINGS": "50"}).max_holdings
    50
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from .errors import InvalidInput

__all__ = ["SETTINGS", "Setting", "Settings"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its field, environment variable, default, meaning, type (``str``, ``int``
    or ``float``; numbers must be positive), and what a number stands for in its error."""

    name: str
    env: str
    default: str | None
    help: str
    type: type = str
    what: str | None = None

    def parse(self, raw: str | None) -> object:
        """The value of ``raw`` (from the environment or the default), or a one-line error."""
        if raw is None or self.type is str:
            return raw
        try:
            value = self.type(raw)
        except ValueError:
            what = self.what or ("an integer" if self.type is int else "a number")
            raise InvalidInput.one(self.env, f"must be {what}, got {raw!r}") from None
        if value <= 0:
            raise InvalidInput.one(self.env, f"must be positive, got {raw!r}")
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting("store_url", "PATHWAYS_STORE", "sqlite:///./pathways.db",
            "the store: sqlite:///path/to/file.db, or bolt://user:pass@host:port/database (neo4j:// too)"),
    Setting("tokens_file", "PATHWAYS_TOKENS_FILE", None,
            "JSON object mapping the sha256 of each bearer token to a role (admin, registrar:INST, council), "
            "written by `pathways token mint`; unset: no writes over HTTP"),
    Setting("host", "PATHWAYS_HOST", "127.0.0.1", "address `pathways serve` listens on"),
    Setting("port", "PATHWAYS_PORT", "8000", "port `pathways serve` listens on", int),
    Setting("pilot_review_years", "PATHWAYS_PILOT_REVIEW_YEARS", "2",
            "years a pilot rule may run before validation flags it (pilot_overdue)", float, "a number of years"),
    Setting("max_holdings", "PATHWAYS_MAX_HOLDINGS", "500",
            "most holdings plus presented credentials in one evaluation or plan (422 beyond)", int),
    Setting("max_reach_depth", "PATHWAYS_MAX_REACH_DEPTH", "10", "deepest reach a request may ask for (422 beyond)", int),
    Setting("max_reach_paths", "PATHWAYS_MAX_REACH_PATHS", "5000",
            "most paths one reach may find before it stops with a 422 asking for a smaller depth", int),
    Setting("graphql_max_cost", "PATHWAYS_GRAPHQL_MAX_COST", "10000",
            "most cost units one GraphQL operation may ask for (fields, aliases and list sizes counted; "
            "reach, countToward and plan weighted)", int),
    Setting("graphql_max_depth", "PATHWAYS_GRAPHQL_MAX_DEPTH", "12", "deepest selection nesting of a GraphQL operation", int),
    Setting("request_time_limit", "PATHWAYS_REQUEST_TIME_LIMIT", "30",
            "seconds an evaluation, reach, plan, impact, validation or GraphQL operation may compute before it stops with 503",
            float),
    Setting("engine_threads", "PATHWAYS_ENGINE_THREADS", "1",
            "engine computations (evaluation, reach, plan, GraphQL, impact, validation) one worker process runs at once; "
            "the others wait their turn (interleaved, each costs about a third more CPU)", int),
    Setting("impact_max_listed", "PATHWAYS_IMPACT_MAX_LISTED", "1000",
            "most reach pairs, and most routes, one impact answer lists per list (gained, lost); the totals stay exact", int),
    Setting("validate_max_listed", "PATHWAYS_VALIDATE_MAX_LISTED", "1000",
            "most findings one validation answer lists (errors first); `findings_total` stays exact", int),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one process."""

    store_url: str = "sqlite:///./pathways.db"
    tokens_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    pilot_review_years: float = 2.0
    max_holdings: int = 500
    max_reach_depth: int = 10
    max_reach_paths: int = 5000
    graphql_max_cost: int = 10000
    graphql_max_depth: int = 12
    request_time_limit: float = 30.0
    engine_threads: int = 1
    impact_max_listed: int = 1000
    validate_max_listed: int = 1000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from ``environ`` (default ``os.environ``), falling back to defaults."""
        env = os.environ if environ is None else environ
        values = {s.name: s.parse(env.get(s.env) or s.default) for s in SETTINGS}
        years = values["pilot_review_years"]
        if not isinstance(years, float) or years >= 100:
            raise InvalidInput.one("PATHWAYS_PILOT_REVIEW_YEARS", f"must be between 0 and 100 years, got {years!r}")
        assert {f.name for f in fields(cls)} == set(values)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def store_display(self) -> str:
        """The store URL with any password masked, for what a process prints or logs.

        >>> Settings(store_url="bolt://neo4j:s3cret@db:7687/neo4j").store_display
        'bolt://neo4j:***@db:7687/neo4j'
        """
        parts = urlsplit(self.store_url)
        if parts.password is None:
            return self.store_url
        return self.store_url.replace(f":{parts.password}@", ":***@", 1)
