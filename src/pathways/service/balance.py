"""Busy keep-alive connections spread evenly over the workers of ``pathways serve --workers N``.

Each worker has its own listening socket, and the kernel hands a new connection to one of
them by a hash of its addresses (``SO_REUSEPORT``, :mod:`~pathways.service.server`). For a
client that keeps a pool of connections (a load generator, a reverse proxy, a portal's
back end) that is a coin toss per connection: eight connections split four and four only
27% of the time (C(8,4) / 2**8), and the worker holding five or six queues that many
requests behind each other while the other holds two or three. Both stay busy, so the
throughput is the same, but the requests on the crowded worker wait longer: the latency
tail is the crowded worker's.

So the workers count their busy connections in shared memory (:class:`Balance`: a
connection is busy if it sent a request within the last :data:`WINDOW` seconds, known by
its client address), and a worker holding two more than the least busy one answers with
``Connection: close`` (:class:`Balanced`, an ASGI middleware). The client opens a new
connection, which the kernel hands to any worker, and the counts move toward each other
until they differ by one at most. A connection is closed only after a complete answer, as
HTTP/1.1 lets a server do (RFC 9112, section 9.6); idle connections count for nothing.

Example:
    >>> counts = [0, 0]
    >>> a, b = Balance(counts, 0), Balance(counts, 1)
    >>> b.closes(("10.0.0.1", 1), now=1.0)
    False
    >>> [a.closes(("10.0.0.1", port), now=1.0) for port in (2, 3, 4)]
    [False, False, True]
    >>> counts, a.closes(("10.0.0.1", 2), now=1.1)
    ([2, 1], False)
"""

from __future__ import annotations

import time
from collections.abc import MutableSequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["WINDOW", "Balance", "Balanced"]

WINDOW = 1.0
"""Seconds after its last request that a connection still counts as busy."""

_Client = tuple[str, int]


class Balance:
    """One worker's view of the busy connections of every worker: its own by client address,
    the others' counts in ``counts`` (shared memory, one slot per worker, ``index`` its own)."""

    def __init__(self, counts: MutableSequence[int], index: int, *, window: float = WINDOW) -> None:
        self.counts = counts
        self.index = index
        self.window = window
        self._seen: dict[_Client, float] = {}
        self._pruned = 0.0

    def closes(self, client: _Client, *, now: float | None = None) -> bool:
        """Count a request from ``client``; whether its answer should close the connection
        (this worker busier than the least busy by two or more). A connection closed is no
        longer counted."""
        now = time.monotonic() if now is None else now
        seen = self._seen
        seen.pop(client, None)
        seen[client] = now  # insertion order is the order of last requests: the oldest first
        if now - self._pruned > self.window / 4:
            self._pruned = now
            for old, at in list(seen.items()):
                if now - at <= self.window:
                    break
                del seen[old]
        busy = len(seen)
        close = busy >= min((c for i, c in enumerate(self.counts) if i != self.index), default=busy) + 2
        if close:
            del seen[client]
            busy -= 1
        self.counts[self.index] = busy
        return close


class Balanced:
    """ASGI middleware: ``Connection: close`` on an answer when :class:`Balance` says so."""

    def __init__(self, app: ASGIApp, balance: Balance) -> None:
        self.app = app
        self.balance = balance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client:
            await self.app(scope, receive, send)
            return

        async def balanced_send(message: Message) -> None:
            if message["type"] == "http.response.start" and self.balance.closes((client[0], client[1])):
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, balanced_send)
