"""Reading and writing ``pathways/1`` documents as JSON files.

Example:
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.json"
    >>> _ = path.write_text(json.dumps({"format": "pathways/1", "institutions": [{"id": "X", "name": "X"}]}))
    >>> [i.id for i in read_document(path).institutions]
    ['X']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from ..errors import InvalidDocument, InvalidInput, Problem
from ..model import Document, parse_document
from .json_text import decode_json

__all__ = ["merge_documents", "read_document", "read_file", "read_json", "write_document"]


def read_file(path: str | Path) -> bytes:
    """The bytes of a file, turning a missing file, a directory or an unreadable one into
    :class:`InvalidInput` naming the file (the CLI prints it as one line)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InvalidInput.one(str(path), "no such file") from None
    except IsADirectoryError:
        raise InvalidInput.one(str(path), "is a directory, not a file") from None
    except OSError as err:
        raise InvalidInput.one(str(path), f"cannot be read: {err.strerror or err}") from None


def read_json(path: str | Path) -> Any:
    """Load a JSON file with :func:`read_file` and :func:`~pathways.io.json_text.decode_json`:
    every problem, hostile JSON included, is an :class:`InvalidInput` naming the file."""
    return decode_json(read_file(path), where=str(path))


def read_document(path: str | Path) -> Document:
    """Read and parse one ``pathways/1`` file; problem paths are prefixed with the file name."""
    data = read_json(path)
    try:
        return parse_document(data)
    except InvalidDocument as err:
        raise InvalidDocument([Problem(f"{path}: {p.path}" if p.path else str(path), p.message) for p in err.problems]) from None


def merge_documents(docs: list[Document]) -> Document:
    """One document holding every entity of ``docs``; a later document's entity wins on an id clash."""
    institutions = {i.id: i for d in docs for i in d.institutions}
    nodes = {n.id: n for d in docs for n in d.nodes}
    rules = {r.id: r for d in docs for r in d.rules}
    return Document(institutions=list(institutions.values()), nodes=list(nodes.values()), rules=list(rules.values()))


def write_document(doc: Document, out: TextIO) -> None:
    """Write ``doc`` as indented JSON, entities sorted by id (stable diffs)."""
    json.dump(doc.to_json(), out, indent=1, ensure_ascii=False)
    out.write("\n")
