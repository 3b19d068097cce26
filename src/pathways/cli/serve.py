"""``pathways serve``: REST + GraphQL on the configured store, under uvicorn.

Each worker process builds its own app with :func:`~pathways.service.app_from_env`
(its own store connection and engine cache); they share the store, so a write through one
is seen by the next evaluation in any other (see ``service/engine_cache.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import Context

__all__ = ["register", "urls"]


def register(sub: Any) -> None:
    """Add ``serve`` to the ``pathways`` parser."""
    p = sub.add_parser("serve", help="serve REST + GraphQL on the configured store")
    p.add_argument("--host", default=None, help="address to listen on (default: PATHWAYS_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default: PATHWAYS_PORT or 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--no-access-log", action="store_true", help="do not log every request (for benchmarks)")
    p.set_defaults(handler=_serve)


def urls(host: str, port: int) -> dict[str, str]:
    """Where the web app, the API, the GraphQL explorer and the OpenAPI docs are.

    >>> urls("127.0.0.1", 8000)["GraphQL explorer"]
    'http://127.0.0.1:8000/graphql'
    """
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    return {
        "Web app": f"{base}/",
        "REST API": f"{base}/",
        "GraphQL explorer": f"{base}/graphql",
        "OpenAPI docs": f"{base}/docs",
        "OpenAPI schema": f"{base}/openapi.json",
    }


def _serve(args: argparse.Namespace, ctx: Context) -> int:
    from ..service.server import run

    host = args.host or ctx.settings.host
    port = args.port if args.port is not None else ctx.settings.port
    store = ctx.store()
    counts = store.counts()
    print(f"pathways: {store.kind} store {ctx.settings.store_display}: {counts['institutions']} institutions, "
          f"{counts['nodes']} nodes, {counts['rules']} rules (graph version {store.version()})")
    if not counts["nodes"]:
        print("pathways: the store is empty; load the seed graph with `pathways load graph/seed/*.json` (or use `make run`)")
    if not ctx.settings.tokens_file:
        print("pathways: PATHWAYS_TOKENS_FILE is not set: reads only, every write gets 401")
    else:
        from ..service.tokens import Tokens

        Tokens.load(ctx.settings.tokens_file)  # a bad or plain-token file stops here, in one line
    ctx.close()
    for label, url in urls(host, port).items():
        print(f"  {label:17} {url}")
    sys.stdout.flush()
    # the workers read the same settings from the environment; pass the effective ones on
    os.environ.setdefault("PATHWAYS_STORE", ctx.settings.store_url)
    run(host=host, port=port, workers=args.workers, access_log=not args.no_access_log)
    return 0
