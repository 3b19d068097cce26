"""Readers and writers of external formats: one module per format."""

from __future__ import annotations

__all__: list[str] = []
