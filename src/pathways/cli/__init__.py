"""The ``pathways`` command: parse arguments, call the library, print.

Each command group lives in its own module exposing ``register(subparsers)``; handlers take
``(args, ctx)`` and return an exit code. Every :class:`~pathways.errors.PathwaysError` is
printed here, as one line on stderr with a non-zero exit.

Example:
    >>> main(["--help"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    SystemExit: 0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, PathwaysError
from ..settings import SETTINGS, Settings

if TYPE_CHECKING:
    from ..engine import Engine
    from ..store import Store

__all__ = ["COMMAND_MODULES", "Context", "main"]

COMMAND_MODULES: tuple[str, ...] = ("graph", "tables", "evaluate", "plan", "registrar", "serve", "token")
"""Modules of :mod:`pathways.cli` that register commands, in help order."""


@dataclass
class Context:
    """What a command handler needs: the settings, and the store and engine opened lazily."""

    settings: Settings
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        """The configured store, opened on first use."""
        if self._store is None:
            from ..store import open_store

            self._store = open_store(self.settings.store_url)
        return self._store

    def engine(self) -> Engine:
        """An engine built from a snapshot of the configured store, the collector paused.

        A command lives for one answer, so the heap is not settled (:mod:`pathways.loading`):
        the few seconds a full collection takes at scale would buy nothing.
        """
        from ..loading import load_engine

        return load_engine(self.store())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    @staticmethod
    def print_json(data: Any) -> None:
        """Print the API's JSON, indented."""
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")


def _parser() -> argparse.ArgumentParser:
    env_help = "\n".join(f"  {s.env:22} {s.help} (default: {s.default})" for s in SETTINGS)
    parser = argparse.ArgumentParser(
        prog="pathways",
        description="Credit-transfer and educational-pathway graph engine.",
        epilog=f"environment:\n{env_help}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit code."""
    args = _parser().parse_args(argv)
    try:
        ctx = Context(Settings.from_env())
        try:
            return int(args.handler(args, ctx))
        finally:
            ctx.close()
    except PathwaysError as err:
        if getattr(args, "json", False) and isinstance(err, InvalidInput):
            Context.print_json({"title": err.title, "detail": err.detail, "errors": [p.as_json() for p in err.problems]})
        print(f"pathways: error: {err.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
