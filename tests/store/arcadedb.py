"""A real Bolt server for the Neo4j store's tests: ArcadeDB from the ``arcadedb-embedded`` wheel.

No Neo4j can be installed here (SPEC section 7), so the store suite talks Bolt to ArcadeDB:
a transactional graph server with an openCypher engine and a Neo4j-Bolt plugin. It runs
in a child process (its JVM, threads and ``./log`` directory stay out of pytest's process),
on free loopback ports, in a temporary directory, and is started once per test session
(it takes a few seconds). Each test then gets an empty database from
:func:`fresh_database_url`: databases are taken in turn from a small pool and emptied
before they are handed out, because creating a database and its schema costs a second or
more while emptying a test-sized graph costs milliseconds.

Example (not run as a doctest: it starts a JVM)::

    with arcadedb_server() as url:            # bolt://root:...@127.0.0.1:PORT/pathways
        store = open_store(fresh_database_url(url))
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["POOL_SIZE", "ArcadeDB", "arcadedb_server", "fresh_database_url", "start_arcadedb"]

PASSWORD = "pathways-test"
DATABASE = "pathways"
START_TIMEOUT = 120.0
POOL_SIZE = 4

# Run in the child: start the server, say READY, stop when the parent closes our stdin.
_CHILD = """
import sys, time
t0 = time.monotonic()
from arcadedb_embedded.server import ArcadeDBServer
root, http_port, bolt_port, password, database, heap = sys.argv[1:7]
srv = ArcadeDBServer(root_path=root, root_password=password, jvm_kwargs={"heap_size": heap}, config={
    "http_port": int(http_port), "host": "127.0.0.1",
    "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin", "bolt_port": int(bolt_port)})
srv.start()
srv.create_database(database)
print("READY", round(time.monotonic() - t0, 3), flush=True)
sys.stdin.read()
srv.stop()
"""

_SERVERS: dict[str, ArcadeDB] = {}
_COUNTER = itertools.count(1)


@dataclass
class ArcadeDB:
    """A running ArcadeDB child process: its ports, root directory and start-up time."""

    process: subprocess.Popen[str]
    root: Path
    http_port: int
    bolt_port: int
    started_in: float
    databases: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        """The ``PATHWAYS_STORE`` URL of the server's first database."""
        return f"bolt://root:{PASSWORD}@127.0.0.1:{self.bolt_port}/{DATABASE}"

    def create_database(self, name: str) -> None:
        """Create a database through the server's HTTP API (Bolt has no command for it)."""
        self._post("server", {"command": f"create database {name}"})

    def empty_database(self, name: str) -> None:
        """Delete every vertex and edge of database ``name`` (its schema stays)."""
        self._post(f"command/{name}", {"language": "cypher", "command": "MATCH (n) DETACH DELETE n"})

    def _post(self, path: str, body: dict[str, str]) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}/api/v1/{path}",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode(),
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()

    def stop(self) -> None:
        """Stop the server (close its stdin, then wait; kill it if it hangs) and remove its files."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_arcadedb(*, heap: str = "1g") -> ArcadeDB:
    """Start an ArcadeDB server with its Bolt plugin on free loopback ports; wait until it serves."""
    root = Path(tempfile.mkdtemp(prefix="pathways-arcadedb-"))
    http_port, bolt_port = _free_port(), _free_port()
    t0 = time.monotonic()
    stderr = open(root / "server.log", "w", encoding="utf-8")  # noqa: SIM115 - the child writes it
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root / "databases"), str(http_port), str(bolt_port), PASSWORD, DATABASE, heap],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stderr.close()
    assert process.stdout is not None
    line = ""
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        if sel.select(timeout=START_TIMEOUT):
            line = process.stdout.readline()
    if not line.startswith("READY"):
        process.kill()
        process.wait()
        log = (root / "server.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"ArcadeDB did not start within {START_TIMEOUT:.0f} s (got {line!r}); its log ends:\n{log}")
    return ArcadeDB(process, root, http_port, bolt_port, time.monotonic() - t0)


@contextmanager
def arcadedb_server() -> Iterator[str]:
    """Run an ArcadeDB server for the duration of the block; yield the Bolt URL of its database."""
    server = start_arcadedb()
    _SERVERS[server.url] = server
    try:
        yield server.url
    finally:
        del _SERVERS[server.url]
        server.stop()


def fresh_database_url(url: str) -> str:
    """The URL of an empty database on the server behind ``url``.

    The last :data:`POOL_SIZE` URLs handed out are distinct, so a test may hold that many
    stores on different graphs at once.
    """
    server = _SERVERS[url]
    name = f"t{next(_COUNTER) % POOL_SIZE}"
    if name in server.databases:
        server.empty_database(name)
    else:
        server.create_database(name)
        server.databases.add(name)
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
