"""The docs are reference: no development diary, a short README that starts with the two
commands, and examples that the real CLI answers as the docs say (docs/holdings.md above all)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import anyio.from_thread
import pytest

from pathways.cli import main
from pathways.service import create_app
from pathways.settings import Settings
from tests.conftest import ROOT, seed_files
from tests.service.conftest import Client

README = ROOT / "README.md"
CHANGELOG = ROOT / "CHANGELOG.md"
HOLDINGS_DOC = ROOT / "docs" / "holdings.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
REFERENCE = [README, *DOCS]

SESSION = re.compile(r"\bsession", re.IGNORECASE)
# a session of something the system uses (pytest's test session, a database driver's session)
# is a legitimate word in reference text; a development session is not
SYSTEM_SESSION = re.compile(r"\b(?:test|pytest|driver|database|Bolt|Neo4j) sessions?\b", re.IGNORECASE)
DATED_HEADING = re.compile(r"^#+ .*\b\d{4}-\d{2}-\d{2}\b")
DIARY = re.compile(r"\b(?:tried and (?:dropped|left out)|this session|last session|session-start)\b", re.IGNORECASE)

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
NAMED_FILE = re.compile(r"`([\w.-]+\.json)`")
COMMAND = re.compile(r"^(?:make|pathways|python3?|pip|uv|docker|curl|export|npm) \S")


def fences(path: Path) -> list[tuple[str, str, str]]:
    """Each fenced block of a markdown file: (language, body, the text just before it)."""
    text = path.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[: m.start()].rstrip()) for m in FENCE.finditer(text)]


def json_files(path: Path) -> dict[str, str]:
    """The JSON blocks a page introduces by a file name (`NAME.json` in the paragraph just before)."""
    out: dict[str, str] = {}
    for lang, body, before in fences(path):
        paragraph = before.split("\n\n")[-1]
        if lang == "json" and (m := NAMED_FILE.search(paragraph)):
            out[m.group(1)] = body
    return out


def cli_examples() -> list[tuple[Path, str, str]]:
    """Every ``$ pathways evaluate|plan FILE ...`` console block of the docs: (page, command, output shown)."""
    out = []
    for path in DOCS:
        for lang, body, _ in fences(path):
            first, _, rest = body.partition("\n")
            if lang == "console" and re.match(r"\$ pathways (evaluate|plan) ", first):
                out.append((path, first[2:], rest))
    return out


@pytest.mark.parametrize("path", [*REFERENCE, CHANGELOG], ids=lambda p: p.name)
def test_no_line_mentions_development_sessions(path: Path) -> None:
    bad = [f"{path.name}:{i}: {line.strip()}" for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if SESSION.search(SYSTEM_SESSION.sub("", line))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: p.name)
def test_reference_docs_are_not_a_diary(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = [f"{path.name}:{i}: {line}" for i, line in enumerate(lines, 1) if DATED_HEADING.search(line) or DIARY.search(line)]
    assert not bad, "\n".join(bad)


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    first_block = FENCE.search(text)
    assert first_block is not None
    before = text[: first_block.start()]
    assert not [span for span in re.findall(r"`([^`\n]+)`", before) if COMMAND.match(span)], "a command before make run / make test"
    commands = [line.split("#")[0].strip() for line in first_block.group(2).splitlines() if line.strip()]
    assert commands[:2] == ["make run", "make test"]
    assert "`make lock`" in text, "the one command that refreshes the lock files"


def test_the_changelog_keeps_a_changelog() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    unreleased = text.split("\n## ")[1]
    assert "requirements/run.txt" in unreleased and "make lock" in unreleased


def test_every_json_example_of_the_holdings_doc_parses() -> None:
    blocks = [body for lang, body, _ in fences(HOLDINGS_DOC) if lang == "json"]
    assert len(blocks) >= 3
    for body in blocks:
        json.loads(body)
    assert {"ufv.json", "bare.json", "rru.json"} <= set(json_files(HOLDINGS_DOC))


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """The seed graph in a fresh SQLite file, the configured store of the CLI."""
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    monkeypatch.setenv("PATHWAYS_STORE", url)
    assert main(["load", *map(str, seed_files())]) == 0
    capsys.readouterr()
    return url


@pytest.mark.parametrize(("path", "command", "shown"), cli_examples(), ids=lambda v: v.name if isinstance(v, Path) else None)
def test_a_documented_command_prints_what_the_docs_show(
    path: Path, command: str, shown: str, seeded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = json_files(path)
    assert shlex.split(command)[2] in files, f"{path.name}: `{command}` reads a file the page does not show"
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out.rstrip("\n") == shown.rstrip("\n")


def test_the_holdings_doc_covers_evaluate_and_plan() -> None:
    commands = {command.split()[1] for path, command, _ in cli_examples() if path == HOLDINGS_DOC}
    assert commands == {"evaluate", "plan"}


def test_the_worked_example_grants_what_the_doc_says_over_the_cli_and_rest(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    body = json.loads(json_files(HOLDINGS_DOC)["ufv.json"])
    text = HOLDINGS_DOC.read_text(encoding="utf-8")
    assert "`granted` lists `UFV:GD157` and `SFU:IAT1XX`" in text
    (tmp_path / "ufv.json").write_text(json.dumps(body), encoding="utf-8")
    assert main(["evaluate", str(tmp_path / "ufv.json"), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert [g["node"] for g in cli["granted"]] == ["UFV:GD157", "SFU:IAT1XX"]
    assert cli["granted"][0]["lineage"] == ["UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"]
    assert cli["unrecognized"] == []
    with anyio.from_thread.start_blocking_portal() as portal:
        client = Client(create_app(Settings(store_url=seeded)), portal)
        answer = client.post("/evaluate", json=body)
        client.close()
    assert answer.status_code == 200
    assert answer.json() == cli


@pytest.mark.parametrize("command", ["evaluate", "plan"])
def test_help_points_to_the_holdings_doc(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert "docs/holdings.md" in capsys.readouterr().out
    assert HOLDINGS_DOC.is_file()


def anchors(path: Path) -> set[str]:
    """The heading anchors GitHub makes for a markdown file."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text(encoding="utf-8")), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("path", [*REFERENCE, CHANGELOG], ids=lambda p: p.name)
def test_links_between_the_docs_resolve(path: Path) -> None:
    broken = []
    for target, anchor in re.findall(r"\]\(([\w./-]+\.md)?(?:#([\w-]+))?\)", path.read_text(encoding="utf-8")):
        if not target and not anchor:
            continue
        linked = (path.parent / target).resolve() if target else path
        if not linked.is_file() or (anchor and anchor not in anchors(linked)):
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{path.name}: {broken}"
