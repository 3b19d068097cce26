"""pathways.answers: the BC Transfer Guide label."""

from __future__ import annotations

from pathways.answers import label

def test_labels_follow_the_bc_transfer_guide() -> None:
    assert label({"id": "SFU:MATH-1XX", "credits": 3}) == "SFU MATH 1XX (3)"
    assert label({"id": "UVIC:HIST-111", "credits": 1.5}) == "UVIC HIST 111 (1.5)"
    assert label({"id": "RRU:CAF", "credits": 0}) == "RRU CAF"
