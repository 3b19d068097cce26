"""CLI: import-csv (all or nothing, one line per error), and export as CSV, CTDL and Open Badges."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.cli import tables
from pathways.store import RuleQuery, open_store
from tests.conftest import seed_files, write_json

DATA = Path(__file__).resolve().parents[1] / "io" / "data"
RULES = 13


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PATHWAYS_STORE", sqlite_url)
    return sqlite_url


def test_import_csv_writes_the_table_with_its_no_credit_rule(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-csv", str(DATA / "bctg_camosun.csv")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("imported 13 rows in ")
    assert f"{RULES} rules created" in captured.out
    store = open_store(env)
    assert store.counts()["rules"] == RULES
    [no_credit] = [r for r in store.list_rules(RuleQuery(touches="CAMO:PE-150")) if not r.grants]
    assert no_credit.kind == "transfer" and no_credit.granted_by == "SFU"
    [entry] = store.audit()
    assert entry.actor == "cli" and entry.action.startswith("import-csv ")


def test_import_csv_json_summary(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-csv", "--json", "--actor", "registrar:SFU", str(DATA / "bctg_camosun.csv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 13 and out["changes"]["rules created"] == RULES


def test_a_bad_table_is_one_line_per_problem_nonzero_and_writes_nothing(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = (DATA / "bctg_camosun.csv").read_text().replace("UVIC HIST 200 level (1.5)", "UVIC HIST 200 level 1.5")
    path = tmp_path / "bad.csv"
    path.write_text(bad)
    assert main(["import-csv", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("pathways: error: line 6, column 6 (Transfer Credit): character 21: expected \"(\" and the credits")
    assert open_store(env).counts() == {"institutions": 0, "nodes": 0, "rules": 0}
    assert main(["import-csv", str(tmp_path / "missing.csv")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_generic_layout_with_a_mapping_file(env: str, tmp_path: Path) -> None:
    from tests.io.test_csv_import import TES, TES_MAPPING

    table = tmp_path / "tes.csv"
    table.write_text(TES)
    mapping = write_json(tmp_path / "mapping.json", TES_MAPPING)
    assert main(["import-csv", "--layout", "generic", "--mapping", str(mapping), str(table)]) == 0
    assert open_store(env).get_rule("TG:KCTCS:CIT-105:UK:201908") is not None


def test_long_tables_show_a_progress_bar_and_import_the_same(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = tables.read_transfer_table

    def spy(*args: object, **kwargs: object) -> object:
        progress = kwargs.get("progress")
        assert callable(progress), "a long table is read with a progress callback"
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "PROGRESS_ROWS", 5)
    monkeypatch.setattr(tables, "read_transfer_table", spy)
    assert main(["import-csv", str(DATA / "bctg_camosun.csv")]) == 0
    assert calls == [1] and open_store(env).counts()["rules"] == RULES


def test_export_csv_of_an_institution_reads_back_in(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-csv", str(DATA / "bctg_camosun.csv")]) == 0
    out = tmp_path / "sfu.csv"
    assert main(["export", "--format", "csv", "--institution", "SFU", str(out)]) == 0
    assert f"exported {RULES - 6} agreements of SFU" in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["transfer_credit"] for r in rows} >= {"SFU MATH 1XX (3) QUAN", "SFU MATH 150 (4) & MATH 151 (4)", "Exempt LING 311"}
    assert main(["export", "--format", "csv"]) == 1
    assert "--institution: the csv format writes one institution's agreements" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--institution", "NOPE"]) == 1
    assert 'unknown institution "NOPE"' in capsys.readouterr().err


def test_export_ctdl_and_ob3_of_the_seed(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", *map(str, seed_files())]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "ctdl"]) == 0
    graph = json.loads(capsys.readouterr().out)
    assert graph["@context"][0] == "https://credreg.net/ctdl/schema/context/json"
    assert "ceterms:TransferValueProfile" in {item["@type"] for item in graph["@graph"]}
    assert main(["export", "--format", "ob3", "--institution", "UFV"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [a["humanCode"] for a in items] == ["UFV:DIGMKT"]


def test_a_ctdl_export_loads_into_another_store(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", *map(str, seed_files())]) == 0
    out = tmp_path / "seed.ctdl.json"
    assert main(["export", "--format", "ctdl", str(out)]) == 0
    monkeypatch.setenv("PATHWAYS_STORE", f"sqlite:///{tmp_path / 'other.db'}")
    capsys.readouterr()
    assert main(["load", "--format", "ctdl", str(out)]) == 0
    source, other = open_store(env), open_store(f"sqlite:///{tmp_path / 'other.db'}")
    snapshot = source.export()
    admission = {n.id for n in snapshot.nodes if n.kind == "admission"}
    rules = {r.id for r in snapshot.rules if not any(g.node in admission for g in r.grants)}
    assert len(rules) > 40 and rules == {r.id for r in other.export().rules}
    bad = json.loads(out.read_text())
    bad["@graph"].append({"@type": "ceterms:TransferValueProfile", "ceterms:transferValueFrom": ["https://nowhere.example/x"]})
    write_json(out, bad)
    assert main(["load", "--format", "ctdl", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"pathways: error: {out}: @graph[") and "names no resource of this graph" in err
