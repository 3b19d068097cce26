"""CLI: ``pathways evaluate`` and ``pathways reach`` on the seed graph, human and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main
from tests.conftest import seed_files, write_json


@pytest.fixture
def seeded(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("PATHWAYS_STORE", sqlite_url)
    assert main(["load", *map(str, seed_files())]) == 0
    capsys.readouterr()
    return sqlite_url


def test_evaluate_shows_why_each_grant_fired(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_json(tmp_path / "h.json", [{"node": n, "earned": "2025-04-30"} for n in ("UFV:PS-ESS", "UFV:IL-GD", "UFV:PS-GD")])
    assert main(["evaluate", str(f), "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "UFV:GD157 (3 cr, grade P, 2025-04-30) <- UFV-GD157-PLAR [plar, UFV]" in out
    assert "└── UFV:PS-GD (presented, earned 2025-04-30)" in out
    assert "SFU:IAT1XX" in out and "UFV:DIGMKT by UFV-DIGMKT-STACK (stack): 33% done" in out


def test_evaluate_json_is_the_api_json(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_json(tmp_path / "h.json", {"holdings": [{"node": "SFU:FASS-FWD-101"}, {"node": "XYZ:UNKNOWN"}], "as_of": "2026-01-01"})
    assert main(["evaluate", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2026-01-01" and out["unrecognized"] == ["XYZ:UNKNOWN"]
    assert set(out) == {"as_of", "granted", "progress", "progress_total", "skipped", "unrecognized", "nodes", "no_credit", "recognized"}
    assert main(["evaluate", str(f), "--json", "--include-pilot"]) == 0
    assert json.loads(capsys.readouterr().out)["progress"][0]["rule"] in ("SFU-BA-STACK", "SFU-FASS-PILOT")


def test_evaluate_rejects_a_future_holding(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_json(tmp_path / "h.json", [{"node": "UFV:PS-ESS", "earned": "2030-01-01"}])
    assert main(["evaluate", str(f), "--as-of", "2026-01-01"]) == 1
    assert "holdings[0].earned" in capsys.readouterr().err


def test_reach_human_and_json(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", "UFV:PS-ESS", "--depth", "2"]) == 0
    out = capsys.readouterr().out
    assert "UFV:GD157 (distance 1)" in out and "also needs all of (UFV:IL-GD, UFV:PS-GD)" in out
    assert main(["reach", "UFV:PS-ESS", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["node"] == "UFV:PS-ESS" and data["depth"] == 3
    assert main(["reach", "UVIC:MATH-100"]) == 0
    assert "UVIC:BA-Y2 by UVIC-BA-Y2-ADMISSION: 12.5% of the pool (also needs 10.5 credits where institution=UVIC)" in capsys.readouterr().out
    assert main(["reach", "UVIC:MATH-100", "--json"]) == 0
    assert [p["node"] for p in json.loads(capsys.readouterr().out)["pool_targets"]] == ["UVIC:BA-Y2"]
    assert main(["reach", "XYZ:NOPE"]) == 1
    assert 'unknown node "XYZ:NOPE"' in capsys.readouterr().err
