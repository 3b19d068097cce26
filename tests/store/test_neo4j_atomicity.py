"""The Neo4j store's failure modes, against a real Bolt server (ArcadeDB).

An import is many ``UNWIND`` batches inside one transaction: when a late batch fails (the
database refuses a row, the connection drops), the graph must be exactly as before. And a
server that cannot be reached, or refuses the credentials, is one clear error at start-up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from pathways.errors import StoreError, StoreUnavailable
from pathways.model import Document, Institution, Node
from pathways.store import Store
from pathways.store.neo4j import Neo4jStore
from tests.store.arcadedb import fresh_database_url


@pytest.fixture
def url(bolt_server: str) -> str:
    return fresh_database_url(bolt_server)


@pytest.fixture
def open_neo4j() -> Iterator[Callable[..., Neo4jStore]]:
    """``Neo4jStore.open``, with every store closed after the test, passed or failed."""
    opened: list[Neo4jStore] = []

    def open_(url: str, **options: Any) -> Neo4jStore:
        opened.append(Neo4jStore.open(url, **options))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


def base() -> Document:
    return Document(
        institutions=[Institution(id="UFV", name="University of the Fraser Valley")],
        nodes=[Node(id=f"UFV:C{i:03}", kind="course", institution="UFV", title=f"Course {i}", credits=3) for i in range(5)],
    )


def many(n: int, *, title: str = "Micro-course") -> list[Node]:
    return [Node(id=f"UFV:MC{i:04}", kind="micro_credential", institution="UFV", title=f"{title} {i}") for i in range(n)]


def snapshot(store: Store) -> tuple[object, ...]:
    return (store.export().to_json(), store.version(), store.audit(), store.counts())


def test_a_bad_row_in_a_late_batch_leaves_the_graph_as_it_was(url: str, open_neo4j: Callable[..., Neo4jStore]) -> None:
    store = open_neo4j(url, batch_size=2)
    store.import_document(base(), actor="admin")
    before = snapshot(store)
    renamed = Node(id="UFV:C001", kind="course", institution="UFV", title="Renamed", credits=3)
    # Document() does not check duplicates (parse_document does): the second UFV:MC0000 is a
    # row the database itself refuses, in the last of 21 batches, after 20 batches went in.
    nodes = [renamed, *many(40), Node(id="UFV:MC0000", kind="course", institution="UFV", title="Duplicate")]
    with pytest.raises(StoreError) as err:
        store.import_document(Document(nodes=nodes), actor="admin")
    assert "nothing written" in str(err.value)
    assert snapshot(store) == before
    assert store.get_node("UFV:MC0039") is None and store.get_node("UFV:C001") == base().nodes[1]


class Proxy:
    """A TCP relay to the Bolt server that can cut every connection mid-stream.

    Once armed, it cuts when the driver has sent ``cut_after`` more bytes; with ``refuse``
    it then takes no new connection either (the server is gone), without it the driver's
    next connection goes through (a network blip).
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sent = 0  # bytes from the driver to the server since arm()
        self.cut_after: int | None = None
        self.refuse = True
        self.cuts = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, cut_after: int, *, refuse: bool) -> None:
        with self._lock:
            self.sent, self.cut_after, self.refuse = 0, cut_after, refuse

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_driver: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_driver:
                    with self._lock:
                        self.sent += len(data)
                        if self.cut_after is not None and self.sent > self.cut_after:
                            self._cut()
                            return
                target.sendall(data)
        except OSError:
            pass

    def _cut(self) -> None:
        self.cuts += 1
        self.cut_after = None
        if self.refuse:
            # shutdown() first: a bare close() leaves a thread blocked in accept() listening.
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
        for s in self._sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self._sockets = []

    def close(self) -> None:
        with self._lock:
            self.refuse = True
            self._cut()


@pytest.fixture
def proxy(url: str) -> Iterator[Proxy]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    relay = Proxy(parts.hostname, parts.port)
    yield relay
    relay.close()


def through(url: str, proxy: Proxy) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}", parts.path, "", ""))


LONG = "A micro-course with a title long enough to make every batch weigh something"


def test_a_connection_dropped_mid_import_leaves_the_graph_as_it_was(
    url: str, proxy: Proxy, open_neo4j: Callable[..., Neo4jStore]
) -> None:
    direct = open_neo4j(url)
    store = open_neo4j(through(url, proxy), batch_size=10, retry_time=1.0, connect_timeout=2.0)
    store.import_document(base(), actor="admin")
    before = snapshot(direct)
    proxy.arm(cut_after=20_000, refuse=True)  # the import sends about 53 KB: the cut falls mid-way
    with pytest.raises(StoreUnavailable):
        store.import_document(Document(nodes=many(120, title=LONG)), actor="admin")
    assert proxy.cuts == 1
    assert snapshot(direct) == before
    assert direct.get_node("UFV:MC0000") is None


def test_a_network_blip_is_retried_and_the_import_lands_once(
    url: str, proxy: Proxy, open_neo4j: Callable[..., Neo4jStore]
) -> None:
    store = open_neo4j(through(url, proxy), batch_size=10, retry_time=10.0)
    store.import_document(base(), actor="admin")
    v = store.version()
    proxy.arm(cut_after=20_000, refuse=False)
    summary = store.import_document(Document(nodes=many(120, title=LONG)), actor="admin")
    assert proxy.cuts == 1
    assert summary.version == v + 1 == store.version()
    assert [c.op for c in summary.changes] == ["created"] * 120
    assert store.counts()["nodes"] == 125 and len(store.audit()) == 2


def test_an_unreachable_server_is_one_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreUnavailable) as err:
        Neo4jStore.open(f"bolt://neo4j:secret@127.0.0.1:{port}/pathways", connect_timeout=2.0)
    message = str(err.value)
    assert message.startswith(f"cannot reach Neo4j store bolt://127.0.0.1:{port}/pathways") and "\n" not in message
    assert "secret" not in message


def test_refused_credentials_are_one_clear_error(url: str) -> None:
    parts = urlsplit(url)
    wrong = urlunsplit((parts.scheme, f"root:wrong-password@{parts.hostname}:{parts.port}", parts.path, "", ""))
    with pytest.raises(StoreUnavailable) as err:
        Neo4jStore.open(wrong)
    assert "refused the credentials of user 'root'" in str(err.value) and "\n" not in str(err.value)


def test_the_cli_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PATHWAYS_STORE": f"bolt://neo4j:secret@127.0.0.1:{port}/pathways"}
    done = subprocess.run(
        [sys.executable, "-c", "from pathways.cli import main; raise SystemExit(main())", "export"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}" in done.stderr and "secret" not in done.stderr


def test_concurrent_writers_all_land_once_with_consecutive_versions(url: str, open_neo4j: Callable[..., Neo4jStore]) -> None:
    # Three replicas writing at once: ArcadeDB fails all but one of each racing commit, and
    # the store must retry those rather than report an error or lose a write.
    stores = [open_neo4j(url) for _ in range(3)]
    errors: list[BaseException] = []

    def write(i: int, store: Neo4jStore) -> None:
        for j in range(5):
            try:
                store.import_document(Document(institutions=[Institution(id=f"I{i}-{j}", name=f"Institution {i}-{j}")]), actor=f"w{i}")
            except BaseException as err:  # collected and asserted on below
                errors.append(err)

    threads = [threading.Thread(target=write, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].version() == 15 and stores[0].counts()["institutions"] == 15
    entries = stores[1].audit()
    assert [e.seq for e in entries] == list(range(1, 16))
    assert sorted(c.id for e in entries for c in e.changes) == sorted(f"I{i}-{j}" for i in range(3) for j in range(5))


def test_a_long_audit_entry_travels_in_pieces(url: str, open_neo4j: Callable[..., Neo4jStore], monkeypatch: pytest.MonkeyPatch) -> None:
    # A whole-graph import's change list can exceed one Bolt message (16 MiB on ArcadeDB);
    # with 100-character pieces, a 40-node import's list is sent in many statements.
    monkeypatch.setattr("pathways.store.neo4j._PIECE", 100)
    store = open_neo4j(url)
    store.import_document(Document(institutions=base().institutions, nodes=many(40)), actor="admin")
    (entry,) = store.audit()
    assert [c.id for c in entry.changes] == ["UFV", *(f"UFV:MC{i:04}" for i in range(40))]
    assert {c.op for c in entry.changes} == {"created"}
