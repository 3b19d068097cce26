"""How `pathways serve` starts: the engine built before serving, one listening socket per worker without Nagle's delay."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

from pathways.model import parse_document
from pathways.service.app import create_app
from pathways.service.server import listeners
from pathways.settings import Settings
from pathways.store import open_store
from tests.conftest import seed_files


def test_worker_sockets_share_the_port_and_the_kernel_spreads_connections() -> None:
    socks = listeners("127.0.0.1", 0, 2)
    try:
        port = socks[0].getsockname()[1]
        assert socks[1].getsockname()[1] == port
        for sock in socks:
            sock.listen(32)
            sock.setblocking(False)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(24)]
        accepted: list[list[socket.socket]] = [[], []]
        for i, sock in enumerate(socks):
            while True:
                try:
                    accepted[i].append(sock.accept()[0])
                except BlockingIOError:
                    break
        assert sum(map(len, accepted)) == 24
        assert all(accepted), "every worker's socket gets connections (all 24 on one: odds 2 in 2**24)"
        assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0 for group in accepted for c in group)
        for c in [*clients, *(c for group in accepted for c in group)]:
            c.close()
    finally:
        for sock in socks:
            sock.close()


def test_the_engine_is_built_before_the_app_serves(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'ready.db'}")
    store.import_document(parse_document(json.loads(seed_files()[0].read_text(encoding="utf-8"))), actor="test", action="load")
    app = create_app(Settings(store_url=f"sqlite:///{tmp_path / 'ready.db'}"), store=store)
    cache = app.state.engine_cache
    assert not cache.ready

    async def start_and_look() -> bool:
        async with app.router.lifespan_context(app):
            return bool(cache.ready)

    assert asyncio.run(start_and_look())
    store.close()
