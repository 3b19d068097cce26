"""Workers even out their busy keep-alive connections: the busier by two answers with `Connection: close`."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import httpx

from pathways.service.app import create_app
from pathways.service.balance import WINDOW, Balance
from pathways.settings import Settings

from .test_serve import pathways_serve

HOST = "127.0.0.1"


def test_a_worker_two_busier_than_the_least_busy_closes_the_connection_it_answers() -> None:
    counts = [3, 0]
    balance = Balance(counts, 1)
    assert [balance.closes((HOST, port), now=10.0) for port in (1, 2, 3, 4)] == [False, False, False, False]
    assert counts == [3, 4]
    counts[0] = 1  # the other worker lost two connections
    assert balance.closes((HOST, 1), now=10.1)  # four against one: this connection goes
    assert counts == [1, 3]
    assert balance.closes((HOST, 2), now=10.2)
    assert not balance.closes((HOST, 3), now=10.3)  # two against one: even enough
    assert counts == [1, 2]


def test_a_connection_idle_for_the_window_no_longer_counts() -> None:
    counts = [0, 5]  # the other worker is the busier: this one closes nothing
    balance = Balance(counts, 0, window=1.0)
    balance.closes((HOST, 1), now=0.0)
    balance.closes((HOST, 2), now=0.9)
    balance.closes((HOST, 3), now=1.5)
    assert counts[0] == 2  # port 1 last asked 1.5 s ago
    assert not balance.closes((HOST, 1), now=1.6)  # back: busy again
    assert counts[0] == 3


def test_a_lone_worker_never_closes() -> None:
    counts = [0]
    balance = Balance(counts, 0)
    assert not any(balance.closes((HOST, port), now=1.0) for port in range(50))
    assert counts == [50]


def test_the_app_of_a_busier_worker_answers_with_connection_close(tmp_path: Path) -> None:
    counts = [0, 0]
    app = create_app(Settings(store_url=f"sqlite:///{tmp_path / 'b.db'}"), balance=Balance(counts, 0))

    async def ask(port: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(HOST, port))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/health")

    async def asks() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            return [await ask(port) for port in (1, 2, 3)]

    answers = asyncio.run(asks())
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers.get("connection") for a in answers] == [None, "close", "close"]  # two against none, each time
    assert counts == [1, 0]


def _worker_connections(serve_pid: int, port: int) -> list[int]:
    """Established connections to ``port`` held by each worker process of ``serve_pid`` (Linux /proc)."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    established.add(fields[9])
    counts = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent != serve_pid:
                continue
            inodes = {os.readlink(f"/proc/{entry}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{entry}/fd")}
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if "spawn_main" in Path(f"/proc/{entry}/cmdline").read_text(errors="replace"):  # a worker, not the resource tracker
            counts.append(len(inodes & established))
    return sorted(counts)


def _ask(sock: socket.socket, port: int) -> bool:
    """One kept-alive ``GET /health``; whether the server closes the connection after it."""
    sock.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return b"connection: close" in head.lower()


def test_two_workers_end_with_sixteen_busy_connections_split_evenly(tmp_path: Path, tokens_file: Path) -> None:
    """The kernel alone splits 16 connections 8/8 one time in five; the workers get there themselves."""
    with pathways_serve(tmp_path, tokens_file, workers=2) as served:
        socks = [socket.create_connection((HOST, served.port), timeout=10) for _ in range(16)]
        # rounds until none closes a connection for longer than the window, so that the connections
        # of the readiness probes, counted busy for a window after their last request, are let go
        closed, quiet_since, give_up = 0, time.monotonic(), time.monotonic() + 60
        while time.monotonic() - quiet_since < 1.5 * WINDOW and time.monotonic() < give_up:
            for i, sock in enumerate(socks):
                if _ask(sock, served.port):
                    sock.close()
                    socks[i] = socket.create_connection((HOST, served.port), timeout=10)
                    closed, quiet_since = closed + 1, time.monotonic()
        split = _worker_connections(served.pid, served.port)
        for sock in socks:
            sock.close()
    assert split == [8, 8], f"busy connections per worker {split} after {closed} reconnections"
