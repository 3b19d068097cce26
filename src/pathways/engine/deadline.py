"""Deadlines that stop work: a monotonic-clock time checked inside the engine's loops.

Evaluation, reach and planning take a :class:`Deadline`; their loops call
:meth:`Deadline.check` once per rule matched or path step, which raises
:class:`~pathways.errors.DeadlineExceeded` once the time has passed. The caller (the service)
owns the deadline and may :meth:`~Deadline.cancel` it from another thread when the client
has gone, so the work stops at the next check instead of running on for nobody. The engine
knows nothing of requests: it only reads the clock and this one value.

Deep inside a match (the integer programs of :mod:`~pathways.engine.exact`, the dynamic
program of :mod:`~pathways.engine.progress`) one step can take seconds on a CLR-sized
transcript, so those read the deadline too. Rather than thread a parameter through every
matching function, :func:`evaluate` and :func:`reach` make theirs the :func:`current` one for
their duration (:func:`active`, a context variable: per thread, so concurrent requests in
worker threads never see each other's); outside them it is :data:`NEVER`.

Example:
    >>> d = Deadline.after(60)
    >>> d.check("evaluation")
    >>> d.cancel()
    >>> d.check("evaluation")
    Traceback (most recent call last):
    pathways.errors.DeadlineExceeded: evaluation stopped: its deadline passed or its client left
    >>> NEVER.remaining() == math.inf
    True
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import DeadlineExceeded

__all__ = ["NEVER", "Deadline", "active", "current"]


class Deadline:
    """A time on :func:`time.monotonic`'s clock after which work stops (``math.inf``: never)."""

    __slots__ = ("at",)

    def __init__(self, at: float = math.inf) -> None:
        self.at = at

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds)

    def cancel(self) -> None:
        """Move the deadline to the past: the next check stops the work (the client has gone)."""
        self.at = -math.inf

    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return self.at != math.inf and time.monotonic() > self.at

    def remaining(self) -> float:
        """Seconds left (``math.inf`` for no deadline, 0 once passed)."""
        return math.inf if self.at == math.inf else max(0.0, self.at - time.monotonic())

    def check(self, what: str) -> None:
        """Raise :class:`DeadlineExceeded` naming ``what`` once the deadline has passed."""
        if self.at != math.inf and time.monotonic() > self.at:
            raise DeadlineExceeded(f"{what} stopped: its deadline passed or its client left")


NEVER = Deadline()
"""No deadline: the default of every engine function (the CLI and the library's own callers)."""

_CURRENT: ContextVar[Deadline] = ContextVar("pathways_deadline", default=NEVER)


@contextmanager
def active(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the :func:`current` one inside the ``with`` block (this thread only)."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def current() -> Deadline:
    """The deadline of the evaluation or reach running in this thread (:data:`NEVER` outside one).

    >>> with active(Deadline.after(60)) as d:
    ...     current() is d
    True
    >>> current() is NEVER
    True
    """
    return _CURRENT.get()
