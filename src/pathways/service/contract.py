"""The published contract in ``api/``: ``python -m pathways.service.contract api`` writes it.

``api/schema.graphql`` is the GraphQL schema in SDL and ``api/openapi.json`` the OpenAPI
document of an app on an empty in-memory store. ``check`` compares both with what the
code generates and exits 1 when they are stale (the tests do the same).

Example:
    >>> "type Query" in contract_files()["schema.graphql"]
    True
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..settings import Settings
from .app import create_app
from .graphql import SCHEMA

__all__ = ["contract_files", "main", "stale_files", "write_contract"]


def contract_files() -> dict[str, str]:
    """File name in ``api/`` -> the text the code generates for it."""
    app = create_app(Settings(store_url="sqlite:///:memory:"))
    return {
        "schema.graphql": SCHEMA.as_str() + "\n",
        "openapi.json": json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    }


def write_contract(directory: Path) -> list[Path]:
    """Write every contract file into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in contract_files().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(directory: Path) -> list[str]:
    """Contract files in ``directory`` that are missing or differ from what the code generates."""
    return [
        name for name, text in contract_files().items()
        if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """``contract DIR`` writes the contract into DIR; ``contract --check DIR`` reports stale files."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    directory = Path(args[0] if args else "api")
    if check:
        stale = stale_files(directory)
        for name in stale:
            print(f"stale: {directory / name} (run `make api`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_contract(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
