"""The one exception hierarchy of pathways.

Every error the library raises on purpose is a :class:`PathwaysError`; the HTTP service
renders them in one place (``service/errors.py``) and the CLI prints them as one line.
Errors carry data (ids, JSON paths), not only a message::

    PathwaysError
    ├── InvalidInput            bad input: every problem with its JSON path     (HTTP 422)
    │   └── InvalidDocument     a pathways/1 document that cannot be imported   (HTTP 422)
    ├── NotFound                an id the store does not hold                   (HTTP 404)
    ├── AccessDenied
    │   ├── Unauthenticated     no or unknown bearer token                      (HTTP 401)
    │   └── Forbidden           a token used outside its role's scope           (HTTP 403)
    ├── PayloadTooLarge         a request body over the limit                   (HTTP 413)
    ├── UnsupportedMediaType    a request body of a content type the route does not take (HTTP 415)
    ├── PlanUnproven            no plan proven optimal within the planner's limits (HTTP 503)
    ├── DeadlineExceeded        work stopped at its deadline (or its client left) (HTTP 503)
    └── StoreError              the store failed or cannot be reached           (HTTP 503)
        └── StoreUnavailable

Example:
    >>> err = InvalidInput([Problem("holdings[0].node", "must be a string")])
    >>> str(err)
    'holdings[0].node: must be a string'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccessDenied",
    "DeadlineExceeded",
    "Forbidden",
    "InvalidDocument",
    "InvalidInput",
    "NotFound",
    "PathwaysError",
    "PayloadTooLarge",
    "PlanUnproven",
    "Problem",
    "StoreError",
    "StoreUnavailable",
    "Unauthenticated",
    "UnsupportedMediaType",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in some input: where (a JSON path such as ``rules[3].requires``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_json(self) -> dict[str, str]:
        """The ``{"path", "message"}`` object of a problem+json ``errors`` list."""
        return {"path": self.path, "message": self.message}


class PathwaysError(Exception):
    """Base of every error pathways raises on purpose."""

    title = "pathways error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(PathwaysError):
    """Input that breaks the contract; ``problems`` lists every problem with its path."""

    title = "invalid input"

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    @classmethod
    def one(cls, path: str, message: str) -> InvalidInput:
        """An error with a single problem."""
        return cls([Problem(path, message)])


class InvalidDocument(InvalidInput):
    """A ``pathways/1`` document rejected whole; nothing of it was written."""

    title = "invalid graph document"


class NotFound(PathwaysError):
    """An id that names nothing in the store."""

    title = "not found"

    def __init__(self, entity: str, id: str, suggestions: tuple[str, ...] = ()) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f'unknown {entity} "{id}"{hint}')
        self.entity = entity
        self.id = id
        self.suggestions = suggestions


class AccessDenied(PathwaysError):
    """A write refused by access control; nothing was written."""

    title = "access denied"


class Unauthenticated(AccessDenied):
    """No bearer token, or one the tokens file does not know."""

    title = "authentication required"


class Forbidden(AccessDenied):
    """A known token used outside its role's scope."""

    title = "forbidden"


class PayloadTooLarge(PathwaysError):
    """A request body over the service's limit."""

    title = "payload too large"


class UnsupportedMediaType(PathwaysError):
    """A request body whose ``Content-Type`` the route does not take (a JSON Patch sent to a merge-patch route)."""

    title = "unsupported media type"


class PlanUnproven(PathwaysError):
    """The planner reached its time or cut limit before it proved a plan optimal (or that none exists).

    It answers nothing rather than an unproven plan or a wrong "infeasible"; retrying cannot
    help, a narrower question (institutions, exclude) can.
    """

    title = "plan not proven"


class DeadlineExceeded(PathwaysError):
    """An evaluation, reach or plan stopped at its deadline: the time limit of its request, or
    at once when the client that asked has gone. The work stops with it; a retry may succeed
    when the service is less busy, a smaller question (fewer holdings, a smaller depth) sooner.
    """

    title = "time limit reached"


class StoreError(PathwaysError):
    """The store failed to read or write."""

    title = "store error"


class StoreUnavailable(StoreError):
    """The store cannot be reached or refused the credentials."""

    title = "store unavailable"
