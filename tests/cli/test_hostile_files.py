"""Hostile and wrong input files: one line naming the file and the problem, exit 1, nothing loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.store import open_store

FILES = [
    pytest.param(b"[" * 100_000, "JSON nested deeper than 64 levels", id="nested-arrays"),
    pytest.param(b'{"format": "pathways/1", "nodes": [{"credits": ' + b"9" * 5000 + b"}]}", "an integer of more than 4300 digits",
                 id="huge-integer"),
    pytest.param(b'{"format": "pathways/1", "nodes": [{"credits": NaN}]}', "NaN is not a JSON number", id="nan"),
    pytest.param(b'["\xff"]', "not UTF-8", id="not-utf8"),
    pytest.param(b"\xff\xfe[\x00]\x00", "not UTF-8", id="utf16"),
    pytest.param(None, "is a directory, not a file", id="directory"),
]

COMMANDS = [["load"], ["validate"], ["evaluate"], ["plan", "--target", "UFV:GD157"]]


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PATHWAYS_STORE", sqlite_url)
    return sqlite_url


def _input(tmp_path: Path, content: bytes | None) -> Path:
    if content is None:
        (tmp_path / "somedir").mkdir()
        return tmp_path / "somedir"
    path = tmp_path / "input.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("content", "message"), FILES)
def test_a_hostile_file_is_one_line_and_exit_1(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], content: bytes | None, message: str
) -> None:
    path = _input(tmp_path, content)
    assert main([command[0], str(path), *command[1:]]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"pathways: error: {path}: {message}\n"
    assert captured.out == ""
    assert open_store(env).counts() == {"institutions": 0, "nodes": 0, "rules": 0}


@pytest.mark.parametrize(("content", "message"), [FILES[0], FILES[-1]])
def test_the_console_script_prints_no_traceback(env: str, tmp_path: Path, content: bytes | None, message: str) -> None:
    path = _input(tmp_path, content)
    done = subprocess.run([str(Path(sys.executable).parent / "pathways"), "load", str(path)], capture_output=True, text=True,
                          env=os.environ | {"PATHWAYS_STORE": env}, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr == f"pathways: error: {path}: {message}\n"


@pytest.mark.parametrize(("content", "message"), [
    # a table's problems are located by line (the CLI's other errors by file)
    (b"sending_institution,sending_course,receiving_institution,transfer_credit\nUFV,UFV:A,SFU," + b"x" * 200_000 + b"\n",
     "{path}line 2: not a CSV row: field larger than field limit (131072)"),
    (None, "{path}: is a directory, not a file"),
])
def test_import_csv_of_a_hostile_table_or_a_directory_is_one_line(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = _input(tmp_path, content)
    assert main(["import-csv", str(path)]) == 1
    expected = message.format(path=path if content is None else "")
    assert capsys.readouterr().err == f"pathways: error: {expected}\n"
    assert open_store(env).counts() == {"institutions": 0, "nodes": 0, "rules": 0}
