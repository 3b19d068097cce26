"""CLI: ``token mint`` and ``token hash``; the app and ``pathways serve`` refuse plain tokens."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.errors import InvalidInput
from pathways.service.tokens import Tokens, token_hash


def test_mint_prints_a_token_once_and_stores_only_its_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tokens.json"
    assert main(["token", "mint", "registrar:UFV", "--tokens-file", str(path)]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40
    assert main(["token", "mint", "admin", "--tokens-file", str(path)]) == 0
    second = capsys.readouterr().out.strip()
    stored = json.loads(path.read_text())
    assert stored == {token_hash(token): "registrar:UFV", token_hash(second): "admin"}
    assert token not in path.read_text() and second not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens = Tokens.load(path)
    assert tokens.role_for(f"Bearer {token}").name == "registrar:UFV"  # type: ignore[union-attr]
    assert tokens.role_for(f"Bearer {second}").name == "admin"  # type: ignore[union-attr]


def test_mint_refuses_an_unknown_role_and_leaves_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tokens.json"
    assert main(["token", "mint", "root", "--tokens-file", str(path)]) == 1
    assert "unknown role 'root'" in capsys.readouterr().err
    assert not path.exists()


def test_mint_without_a_tokens_file_says_how(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PATHWAYS_TOKENS_FILE", raising=False)
    assert main(["token", "mint", "admin"]) == 1
    assert "--tokens-file" in capsys.readouterr().err


def test_plain_tokens_are_refused_with_the_command_that_converts_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tok-admin-0001": "admin", token_hash("tok-council-01"): "council"}))
    with pytest.raises(InvalidInput) as caught:
        Tokens.load(path)
    assert f"pathways token hash {path}" in str(caught.value)
    assert "tok-admin-0001" not in str(caught.value)
    assert main(["token", "hash", str(path)]) == 0
    assert "1 plain token(s)" in capsys.readouterr().out
    assert json.loads(path.read_text()) == {token_hash("tok-admin-0001"): "admin", token_hash("tok-council-01"): "council"}
    assert Tokens.load(path).role_for("Bearer tok-admin-0001").name == "admin"  # type: ignore[union-attr]


def test_serve_stops_in_one_line_on_plain_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tok-admin-0001": "admin"}))
    monkeypatch.setenv("PATHWAYS_STORE", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PATHWAYS_TOKENS_FILE", str(path))
    assert main(["serve", "--port", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"pathways: error: PATHWAYS_TOKENS_FILE: {path} holds 1 plain token(s), not sha256 hashes; "
                   f"convert it with `pathways token hash {path}`"]
