"""CLI: load, export, validate, info; errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.store import open_store
from tests.conftest import seed_files, write_json
from tests.store.test_store import tiny


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PATHWAYS_STORE", sqlite_url)
    return sqlite_url


def test_load_export_round_trip(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_json(tmp_path / "tiny.json", tiny().to_json())
    assert main(["load", str(src)]) == 0
    assert "6 nodes created" in capsys.readouterr().out
    out = tmp_path / "out.json"
    assert main(["export", str(out)]) == 0
    assert json.loads(out.read_text()) == tiny().to_json()
    capsys.readouterr()
    assert main(["export"]) == 0
    assert json.loads(capsys.readouterr().out) == tiny().to_json()


def test_load_json_summary_and_if_empty(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_json(tmp_path / "tiny.json", tiny().to_json())
    assert main(["load", "--json", str(src)]) == 0
    assert json.loads(capsys.readouterr().out) == {"version": 1, "changes": {"institutions created": 2, "nodes created": 6, "rules created": 3}}
    assert main(["load", "--if-empty", str(src)]) == 0
    assert "nothing loaded" in capsys.readouterr().out
    assert open_store(env).version() == 1


def test_files_load_together_in_one_transaction(env: str, tmp_path: Path) -> None:
    data = tiny().to_json()
    a = write_json(tmp_path / "a.json", {"format": "pathways/1", "rules": data["rules"]})
    b = write_json(tmp_path / "b.json", {**data, "rules": []})
    assert main(["load", str(a), str(b)]) == 0
    assert open_store(env).counts() == {"institutions": 2, "nodes": 6, "rules": 3}


def test_bad_document_is_one_line_nonzero_and_writes_nothing(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny().to_json()
    data["rules"][1]["requires"] = {"all": [{"node": "UFV:GD157"}, {"node": "UFV:XX"}]}
    src = write_json(tmp_path / "bad.json", data)
    assert main(["load", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err == 'pathways: error: rules[1].requires.all[1].node: unknown node "UFV:XX"\n'
    assert open_store(env).counts() == {"institutions": 0, "nodes": 0, "rules": 0}


def test_shape_errors_name_the_file(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_json(tmp_path / "bad.json", {"format": "pathways/1", "nodes": [{"id": "A", "kind": "course", "title": "t"}]})
    assert main(["validate", "--json", str(src)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"pathways: error: {src}: nodes[0]: institution is required for a course node\n"
    assert json.loads(captured.out)["errors"] == [{"path": f"{src}: nodes[0]", "message": "institution is required for a course node"}]


@pytest.mark.parametrize(("content", "message"), [(None, "no such file"), ("{nope", "malformed JSON")])
def test_unreadable_files(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str) -> None:
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    assert main(["load", str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"pathways: error: {path}: {message}")


def test_validate_and_info(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_json(tmp_path / "tiny.json", tiny().to_json())
    assert main(["validate", str(src)]) == 0
    assert capsys.readouterr().out == "valid: 2 institutions, 6 nodes, 3 rules\n"
    main(["load", str(src)])
    capsys.readouterr()
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes_by_kind"] == {"competency": 1, "course": 4, "credential": 1}
    assert info["by_institution"]["UFV"] == {"nodes": 3, "rules": 1}
    assert info["store"] == "sqlite" and info["version"] == 1


def test_bad_store_url(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATHWAYS_STORE", "postgres://x")
    assert main(["info"]) == 1
    assert capsys.readouterr().err.startswith("pathways: error: PATHWAYS_STORE: unsupported store URL")


def test_console_script_loads_the_seed(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("pathways")
    env = {"PATHWAYS_STORE": f"sqlite:///{tmp_path / 'seed.db'}", "PATH": "/usr/bin:/bin"}
    files = [str(p) for p in seed_files()]
    assert files, "graph/seed/ holds no document"
    done = subprocess.run([str(exe), "load", "--if-empty", *files], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "graph version 1" in done.stdout
    again = subprocess.run([str(exe), "load", "--if-empty", *files], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "nothing loaded" in again.stdout


def test_validate_without_files_runs_the_registrar_checks(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny().to_json()
    data["rules"].append({"id": "INFLATE", "kind": "ladder", "granted_by": "UFV", "requires": {"node": "UFV:IL-GD"},
                          "grants": [{"node": "UFV:GD157"}]})
    main(["load", str(write_json(tmp_path / "g.json", data))])
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == (
        "warning  inflating              INFLATE: grants 3 credits for as little as 1\n"
        "warning  inflating              UFV-GD157-PLAR: grants 3 credits for as little as 2\n"
        "warning  unreachable_credential SFU-BA: no learner can earn SFU:BA (BA): no applicable rule granting it can be met from "
        "active courses and micro-credentials.\n"
        "3 finding(s)\n"
    )
    assert main(["validate", "--json", "--institution", "SFU"]) == 0
    assert json.loads(capsys.readouterr().out) == {"findings": [
        {"check": "unreachable_credential", "severity": "warning", "rules": ["SFU-BA"], "nodes": ["SFU:BA"],
         "message": "no learner can earn SFU:BA (BA): no applicable rule granting it can be met from active courses and micro-credentials."}]}
