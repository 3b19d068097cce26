"""The listening socket `pathways serve` binds: connections it accepts send without Nagle's delay."""

from __future__ import annotations

import socket

from pathways.service.server import NoDelayConfig


def test_accepted_connections_inherit_tcp_nodelay() -> None:
    config = NoDelayConfig("pathways.service.app:app_from_env", factory=True, host="127.0.0.1", port=0)
    listener = config.bind_socket()
    try:
        listener.listen(1)
        with socket.create_connection(listener.getsockname()[:2], timeout=5) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"
    finally:
        listener.close()


def test_plain_uvicorn_socket_leaves_nagle_on() -> None:
    """What the fix is for: uvicorn's own socket for several workers, accepted as asyncio would, keeps Nagle on."""
    from uvicorn import Config

    listener = Config("pathways.service.app:app_from_env", factory=True, host="127.0.0.1", port=0).bind_socket()
    try:
        listener.listen(1)
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto != socket.IPPROTO_TCP  # so asyncio's _set_nodelay skips it
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    finally:
        listener.close()
