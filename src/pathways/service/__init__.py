"""The HTTP service: REST (FastAPI) and GraphQL (Strawberry) over one store and engine.

``create_app(settings, store=...)`` builds an app; ``pathways serve`` runs it under uvicorn.
"""

from __future__ import annotations

from .app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
