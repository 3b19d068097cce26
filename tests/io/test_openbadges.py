"""Open Badges 3.0 credentials (1EdTech's examples) become badge claims, and then holdings."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pathways.engine import Engine, evaluate
from pathways.errors import InvalidInput
from pathways.io.openbadges import badge_claims
from pathways.model import EvaluationRequest, parse_document

OB3 = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ob3"


def fixture(name: str) -> Any:
    return json.loads((OB3 / name).read_text(encoding="utf-8"))


def test_simple_badge_gives_its_achievement_id_and_valid_from() -> None:
    [claim] = badge_claims([fixture("simple.json")])
    assert claim.identifiers == ("https://example.com/achievements/21st-century-skills/teamwork",)
    assert claim.earned == dt.date(2010, 1, 1) and claim.path == "credentials[0]"


def test_alignment_target_urls_follow_the_achievement_id() -> None:
    [claim] = badge_claims([fixture("complete.json")])
    assert claim.identifiers[0] == "https://1edtech.edu/achievements/degree"
    assert "https://1edtech.edu/catalog/degree" in claim.identifiers[1:]


def test_clr_transcript_yields_each_achievement_with_its_path() -> None:
    claims = badge_claims([fixture("clr-complex.json")])
    assert len(claims) >= 2
    assert claims[0].path == "credentials[0].credentialSubject.verifiableCredential[0]"
    assert claims[0].identifiers == ("urn:uuid:3314c2c0-2ee9-4183-838b-470c15ddfb08",)
    assert all(c.earned is not None for c in claims)


def test_malformed_credentials_name_every_path() -> None:
    missing_id = copy.deepcopy(fixture("simple.json"))
    del missing_id["credentialSubject"]["achievement"]["id"]
    bad_date = copy.deepcopy(fixture("simple.json"))
    bad_date["validFrom"] = "yesterday"
    with pytest.raises(InvalidInput) as err:
        badge_claims([missing_id, fixture("simple-err-type.json"), bad_date, 3])
    assert [p.path for p in err.value.problems] == [
        "credentials[0].credentialSubject.achievement.id",
        "credentials[1].type",
        "credentials[2].validFrom",
        "credentials[3]",
    ]


def test_a_presented_badge_counts_toward_what_its_node_counts_toward() -> None:
    doc = parse_document({"format": "pathways/1", "institutions": [{"id": "EX", "name": "Example Corp"}],
        "nodes": [{"id": "EX:TEAM", "kind": "micro_credential", "institution": "EX", "title": "Teamwork",
                   "identifiers": ["https://example.com/achievements/21st-century-skills/teamwork"]},
                  {"id": "EX:LEAD", "kind": "credential", "institution": "EX", "title": "Leadership", "credits": 3}],
        "rules": [{"id": "EX-LEAD", "kind": "stack", "granted_by": "EX", "requires": {"node": "EX:TEAM"},
                   "grants": [{"node": "EX:LEAD"}]}]})
    request = EvaluationRequest.from_json({"credentials": [fixture("simple.json"), fixture("complete.json")], "as_of": "2026-01-01"})
    out = evaluate(Engine(doc), request, badges=badge_claims(request.credentials)).to_json()
    assert [(g["node"], g["earned"], g["uses"]) for g in out["granted"]] == [("EX:LEAD", "2010-01-01", ["EX:TEAM"])]
    assert out["unrecognized"] == ["https://1edtech.edu/achievements/degree"]
