"""CLI: ``pathways audit`` (filters, field diffs, JSON) and ``pathways impact``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.model import Document
from pathways.store import open_store
from tests.conftest import write_json
from tests.store.test_store import tiny


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PATHWAYS_STORE", sqlite_url)
    return sqlite_url


@pytest.fixture
def loaded(env: str, tmp_path: Path) -> str:
    assert main(["load", "--actor", "loader", str(write_json(tmp_path / "tiny.json", tiny().to_json()))]) == 0
    store = open_store(env)
    rule = store.get_rule("UFV-SFU-GD157")
    assert rule is not None
    store.import_document(Document(rules=[rule.model_copy(update={"status": "retired"})]), actor="registrar:SFU", action="retire rule UFV-SFU-GD157")
    store.close()
    return env


def test_audit_prints_each_changed_field(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "--entity", "UFV-SFU-GD157"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("loader: load") and "  created rule UFV-SFU-GD157" in out
    assert out[-3:] == ["  updated rule UFV-SFU-GD157", '    status: "approved" -> "retired"', "2 entries"]


def test_audit_json_filters_by_actor_and_since(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "--json", "--actor", "registrar:SFU"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["changes"] == [{"entity": "rule", "id": "UFV-SFU-GD157", "op": "updated",
                                 "changes": [{"field": "status", "before": "approved", "after": "retired"}]}]
    assert main(["audit", "--json", "--since", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_audit_bad_since_is_one_line(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "--since", "yesterday"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pathways: error: --since: 'yesterday' is not an ISO date") and err.count("\n") == 1


@pytest.fixture
def seeded(env: str) -> str:
    from tests.conftest import seed_files

    assert main(["load", *map(str, seed_files())]) == 0
    return env


def test_impact_end_prints_what_is_lost(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["impact", "--end", "CAMOSUN-UVIC-HIST110", "--date", "2026-12-01"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ending CAMOSUN-UVIC-HIST110 on 2026-12-01", "reach lost: 1", "  CAMOSUN:HIST-110 -> UVIC:HIST-111", "reach gained: 0",
        "routes lost: 0", "routes gained: 0", "stored evaluations: 0 (pathways keeps none)"]


def test_impact_change_file_as_json(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = {"id": "CAMOSUN-UVIC-HIST110", "kind": "transfer", "granted_by": "UVIC", "requires": {"node": "CAMOSUN:HIST-110"},
            "grants": [{"node": "UVIC:HIST-2XX", "credits": 1.5}]}
    capsys.readouterr()
    assert main(["impact", "--json", "--change", str(write_json(tmp_path / "rule.json", rule))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reach"] == {"gained": [{"source": "CAMOSUN:HIST-110", "target": "UVIC:HIST-2XX"}],
                            "lost": [{"source": "CAMOSUN:HIST-110", "target": "UVIC:HIST-111"}], "gained_total": 1, "lost_total": 1}


def test_impact_unknown_rule_is_one_line(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["impact", "--end", "NO-SUCH"]) == 1
    assert capsys.readouterr().err == 'pathways: error: unknown rule "NO-SUCH"\n'


def test_validate_review_cycle_from_setting_and_option(seeded: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def overdue() -> list[list[str]]:
        out = json.loads(capsys.readouterr().out)["findings"]
        return [f["rules"] for f in out if f["check"] == "pilot_overdue"]

    capsys.readouterr()
    assert main(["validate", "--json"]) == 0
    assert overdue() == [["SFU-FASS-PILOT"]]  # a pilot since 2022-09-01, over the default 2 years
    monkeypatch.setenv("PATHWAYS_PILOT_REVIEW_YEARS", "50")
    assert main(["validate", "--json"]) == 0
    assert overdue() == []
    assert main(["validate", "--json", "--review-years", "1"]) == 0
    assert overdue() == [["SFU-FASS-PILOT"]]
    monkeypatch.setenv("PATHWAYS_PILOT_REVIEW_YEARS", "soon")
    assert main(["validate"]) == 1
    assert "PATHWAYS_PILOT_REVIEW_YEARS: must be a number of years" in capsys.readouterr().err
