"""Finding nodes the way people type them: by code, by title words, by badge URL or identifier.

A query matches a node when every word of it (case-insensitively) is found in the node's id,
title or one of its identifiers, or when the query with spaces and punctuation taken out is
found in the id so taken out (``"math 100"`` finds ``UVIC:MATH-100``). An unknown id gets
"did you mean" suggestions: nodes whose id is close in spelling, then nodes the id's code
finds by search.

Example:
    >>> from pathways.model import Document
    >>> from pathways.engine import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}], "nodes": [
    ...     {"id": "U:GD157", "kind": "course", "institution": "U", "title": "Digital Imaging", "credits": 3,
    ...      "identifiers": ["https://badges.example.org/gd157"]}]})
    >>> index = NodeIndex(Engine(doc))
    >>> index.search("imaging DIGITAL"), index.search("gd 157"), index.search("HTTPS://badges.example.org/GD157")
    (['U:GD157'], ['U:GD157'], ['U:GD157'])
    >>> index.suggest("U:GD-157")
    ['U:GD157']
"""

from __future__ import annotations

import difflib
import re

from ..engine import Engine

__all__ = ["NodeIndex", "compact"]

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def compact(text: str) -> str:
    """Lower case, letters and digits only.

    >>> compact("SFU:MATH-1XX")
    'sfumath1xx'
    """
    return _NOT_ALNUM.sub("", text.lower())


class NodeIndex:
    """The searchable text of every node of an engine, built once per snapshot."""

    def __init__(self, engine: Engine) -> None:
        self._ids = sorted(engine.nodes)
        self._text = {n: "\n".join([n, engine.nodes[n].title, *engine.nodes[n].identifiers]).lower() for n in self._ids}
        self._compact = {n: compact(n) for n in self._ids}
        self._lower = {n.lower(): n for n in self._ids}

    def search(self, query: str) -> list[str]:
        """Ids of the nodes ``query`` matches, sorted."""
        words = query.lower().split()
        if not words:
            return list(self._ids)
        squeezed = compact(query)
        return [n for n in self._ids
                if all(w in self._text[n] for w in words) or (squeezed and squeezed in self._compact[n])]

    def suggest(self, unknown: str, limit: int = 5) -> list[str]:
        """Ids an unknown id may have meant: a case slip, close spellings, then what its code finds."""
        exact = self._lower.get(unknown.lower())
        out = [exact] if exact is not None else []
        close = difflib.get_close_matches(unknown.lower(), list(self._lower), n=limit, cutoff=0.75)
        out += [self._lower[c] for c in close]
        code = unknown.split(":", 1)[-1]
        if compact(code):
            out += self.search(code)
        return list(dict.fromkeys(out))[:limit]
