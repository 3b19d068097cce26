"""Settings: one declaration feeds the environment, the CLI defaults and the docs.

Only the CLI and the service read settings; the library takes explicit objects.

Example:
    >>> Settings.from_env({"PATHWAYS_STORE": "sqlite:///x.db"}).store_url
    'sqlite:///x.db'
    >>> [s.env for s in SETTINGS]
    ['PATHWAYS_STORE', 'PATHWAYS_TOKENS_FILE', 'PATHWAYS_HOST', 'PATHWAYS_PORT']
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
    """One setting: its field, environment variable, default and meaning."""

    name: str
    env: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store_url", "PATHWAYS_STORE", "sqlite:///./pathways.db",
            "the store: sqlite:///path/to/file.db, or bolt://user:pass@host:port/database (neo4j:// too)"),
    Setting("tokens_file", "PATHWAYS_TOKENS_FILE", None,
            "JSON object mapping the sha256 of each bearer token to a role (admin, registrar:INST, council), "
            "written by `pathways token mint`; unset: no writes over HTTP"),
    Setting("host", "PATHWAYS_HOST", "127.0.0.1", "address `pathways serve` listens on"),
    Setting("port", "PATHWAYS_PORT", "8000", "port `pathways serve` listens on"),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one process."""

    store_url: str = "sqlite:///./pathways.db"
    tokens_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from ``environ`` (default ``os.environ``), falling back to defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for s in SETTINGS:
            raw = env.get(s.env) or s.default
            values[s.name] = raw
        port = values["port"]
        try:
            values["port"] = int(str(port))
        except ValueError:
            raise InvalidInput.one("PATHWAYS_PORT", f"must be an integer, got {port!r}") from None
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
