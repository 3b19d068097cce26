"""Running the app under uvicorn, with one or several worker processes.

Two things uvicorn's own multi-worker mode gets wrong for a keep-alive load, both measured
on the seed graph with wrk:

- before uvicorn 0.55 it bound one listening socket whose ``proto`` said 0, and asyncio
  sets ``TCP_NODELAY`` only on accepted sockets whose ``proto`` says TCP: Nagle's algorithm
  stayed on and a keep-alive client waited for its delayed ACK on every response, 45 ms per
  request with two workers against 1.5 ms with one (``wrk -c1``). uvicorn 0.55 made this
  part unnecessary; setting ``TCP_NODELAY`` ourselves keeps it right on any version;
- the worker woken first accepts every pending connection in one go (asyncio accepts up to
  the backlog per wake-up), so the eight connections a load generator opens at once all
  went to one worker, and two workers served no more than one.

So several workers each get their own listening socket on the same port
(``SO_REUSEPORT``: the kernel spreads new connections over them), with ``TCP_NODELAY`` set
on it, which Linux passes on to every accepted connection (:func:`listeners`). One worker
runs plain uvicorn: asyncio binds that socket itself and sets ``TCP_NODELAY``. The kernel
spreads connections by a hash, unevenly for a few at a time; the workers even out their busy
connections themselves (:mod:`~pathways.service.balance`, counts in shared memory).

uvicorn picks uvloop and httptools (both dependencies) for its event loop and HTTP parser:
with asyncio and h11 a small ``POST /evaluate`` cost the server about a third more CPU.

Several workers also share their metrics: :func:`run` points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh temporary directory before starting them, where prometheus-client keeps each worker's
counts in files, so ``GET /metrics`` adds up every worker whichever one takes the scrape
(:mod:`~pathways.service.observe`); the directory is removed when the server stops.

Example:
    >>> import socket
    >>> socks = listeners("127.0.0.1", 0, 2)
    >>> len({s.getsockname()[1] for s in socks}), socks[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    (1, True)
    >>> for s in socks:
    ...     s.close()
"""

from __future__ import annotations

import copy
import functools
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import MutableSequence
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .app import app_from_env
from .balance import Balance
from .observe import ACCESS_LOGGER

__all__ = ["APP", "MULTIPROC_DIR", "listeners", "log_config", "run"]

APP = "pathways.service.app:app_from_env"
"""The app factory every worker imports (each builds its own store connection and engine cache)."""

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits (Python's default is 0.005). Engine work
runs in worker threads; each time the event loop's thread gives up the GIL for a system call, a
busy engine thread keeps it for up to this long, and a small request makes a dozen such calls:
at the default, ``/health`` waited over 100 ms behind a heavy GraphQL query; at 1 ms, under 50."""
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""Where prometheus-client's multiprocess mode keeps each worker's metrics (set by :func:`run` for several workers)."""


def listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host:port`` with ``SO_REUSEPORT`` and ``TCP_NODELAY``
    (port 0: the first one picks a free port, the others join it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    out: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        sock.set_inheritable(True)
        out.append(sock)
    return out


def log_config(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging configuration with its own access log replaced by ours: one JSON line
    per request on stdout from ``pathways.access`` (:mod:`~pathways.service.observe`), or none.

    >>> log_config(False)["loggers"]["pathways.access"]["level"]
    'WARNING'
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_lines"] = {"format": "%(message)s"}
    config["handlers"]["json_lines"] = {"formatter": "json_lines", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    config["loggers"][ACCESS_LOGGER] = {"handlers": ["json_lines"], "level": "INFO" if access_log else "WARNING", "propagate": False}
    return config


def run(*, host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve :data:`APP` on ``host:port`` until interrupted (SIGINT or SIGTERM)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, workers=1, access_log=False,
                            log_config=log_config(access_log), log_level="info")
    if workers <= 1:
        try:
            uvicorn.Server(config).run()
        except KeyboardInterrupt:
            pass  # uvicorn re-raises the interrupt it already handled by shutting down
        return
    socks = listeners(host, port, workers)
    spawn = multiprocessing.get_context("spawn")
    busy = spawn.RawArray("i", workers)  # each worker's busy connections (pathways.service.balance)
    procs = [spawn.Process(target=_worker, args=(config, sock, busy, i), name=f"pathways-worker-{i}")
             for i, sock in enumerate(socks)]
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job may start with it ignored
        signal.signal(signum, _interrupt)
    # fresh for each run (counts of an earlier one would be added in), inherited by the spawned workers
    metrics_dir = tempfile.mkdtemp(prefix="pathways-metrics-")
    previous = os.environ.get(MULTIPROC_DIR)
    os.environ[MULTIPROC_DIR] = metrics_dir
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then exits
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
        for sock in socks:
            sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
        if previous is None:
            os.environ.pop(MULTIPROC_DIR, None)
        else:
            os.environ[MULTIPROC_DIR] = previous


def _worker(config: uvicorn.Config, sock: socket.socket, busy: MutableSequence[int], index: int) -> None:
    """One worker process (``index``): uvicorn on its own listening socket, balancing its busy
    connections against the other workers' (``busy``, shared)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    config.app = functools.partial(app_from_env, balance=Balance(busy, index))
    config.configure_logging()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
