"""``pathways plan``: human-readable steps and the API's JSON, against a store loaded with the seed graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main
from tests.conftest import seed_files, write_json


@pytest.fixture
def holdings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.setenv("PATHWAYS_STORE", f"sqlite:///{tmp_path / 'p.db'}")
    assert main(["load", *map(str, seed_files())]) == 0
    capsys.readouterr()
    return write_json(tmp_path / "h.json", {"holdings": [{"node": "RRU:CAF-C1"}, {"node": "RRU:CAF-C2"}], "as_of": "2026-11-22"})


def test_plan_json_is_the_api_json(holdings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(holdings), "--target", "RRU:MACAL-CRS", "--alternatives", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["feasible"] is True and data["objective"] == "hours"
    assert [(p["items"], p["total"]) for p in data["plans"]] == [(["RRU:CAF-E3", "RRU:CAF-E5"], 40), (["RRU:CAF-E3", "RRU:CAF-E8"], 42)]


def test_plan_text_lists_steps_hours_cost_and_what_each_counts_toward(holdings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(holdings), "--target", "RRU:MACAL-CRS", "--objective", "cost"]) == 0
    out = capsys.readouterr().out
    assert "Plan for RRU:MACAL-CRS: 2 item(s), $810 (cost)" in out
    assert "step 1:" in out
    line = next(ln for ln in out.splitlines() if "RRU:CAF-E3" in ln)
    assert "18 h" in line and "$400" in line and "-> RRU:CAF, RRU:MACAL-CRS" in line
    assert "earns RRU:MACAL-CRS by RRU-CAF-MACAL-LADDER" in out


def test_plan_options_restrict_and_explain(holdings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(holdings), "--target", "UBCV:FSM-MC", "--institution", "UBCV", "--exclude", "UBCV:FSM-201"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No plan earns UBCV:FSM-MC.") and "outside the institutions given" in out


def test_plan_bad_option_is_one_error_line(holdings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(holdings), "--target", "RRU:MACAL-CRS", "--alternatives", "11"]) == 1
    assert "alternatives" in capsys.readouterr().err
    assert main(["plan", str(holdings), "--target", "NOPE:X"]) == 1
    assert 'unknown node "NOPE:X"' in capsys.readouterr().err


def test_plan_text_marks_a_retake(holdings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = {"holdings": [{"node": "FOODSAFE:L1", "earned": "2019-06-01"}], "as_of": "2026-11-22"}
    old = write_json(holdings.parent / "old.json", body)
    assert main(["plan", str(old), "--target", "VCC:CULINARY-ENTRY"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "FOODSAFE:L1" in ln)
    assert "(8 h, $100, 0 credits)  -> VCC:CULINARY-ENTRY  (retake)" in line
    assert main(["plan", str(old), "--target", "VCC:CULINARY-ENTRY", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plans"][0]["retakes"] == ["FOODSAFE:L1"]
