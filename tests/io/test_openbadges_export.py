"""Open Badges 3.0 Achievement export: valid against 1EdTech's vendored JSON schema, and recognized again when presented."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from pathways.engine import Engine, evaluate
from pathways.io.openbadges import achievements, badge_claims
from pathways.model import Document, EvaluationRequest

SCHEMA = json.loads((Path(__file__).resolve().parent / "vendor" / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())


def _validator(definition: str) -> Draft201909Validator:
    """A validator for one definition of the vendored schema, its references resolved inside the file."""
    return Draft201909Validator({"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]})


ACHIEVEMENT = _validator("Achievement")
CREDENTIAL = Draft201909Validator(SCHEMA)


@pytest.fixture(scope="module")
def exported(seed_document: Document) -> list[dict[str, Any]]:
    return json.loads(json.dumps(achievements(seed_document)))


def test_every_micro_credential_is_exported_and_valid(seed_document: Document, exported: list[dict[str, Any]]) -> None:
    micro = sorted(n.id for n in seed_document.nodes if n.kind == "micro_credential")
    assert [a["humanCode"] for a in exported] == micro
    for item in exported:
        errors = sorted(ACHIEVEMENT.iter_errors(item), key=str)
        assert not errors, f"{item['humanCode']}: {errors[0].message}"
        assert item["achievementType"] == "MicroCredential"


def test_the_schema_catches_what_an_achievement_must_have(exported: list[dict[str, Any]]) -> None:
    broken = {k: v for k, v in exported[0].items() if k != "criteria"}
    assert [e.validator for e in ACHIEVEMENT.iter_errors(broken)] == ["required"]
    wrong = {**exported[0], "creditsAvailable": "three"}
    assert [e.validator for e in ACHIEVEMENT.iter_errors(wrong)] == ["type"]


def test_credits_creator_and_competency_alignments(seed_document: Document, exported: list[dict[str, Any]]) -> None:
    [digmkt] = [a for a in exported if a["humanCode"] == "UFV:DIGMKT"]
    node = next(n for n in seed_document.nodes if n.id == "UFV:DIGMKT")
    assert digmkt["id"] == node.identifiers[0]
    assert digmkt.get("creditsAvailable", 0) == node.credits
    assert digmkt["creator"]["name"] == next(i.name for i in seed_document.institutions if i.id == "UFV")
    assert [a["targetCode"] for a in digmkt["alignment"]] == node.competencies
    assert digmkt["criteria"]["narrative"].startswith("Learning outcomes: plan and run a multi-channel digital marketing campaign; ")


def test_an_exported_achievement_in_a_badge_is_recognized_as_its_node(seed_document: Document, exported: list[dict[str, Any]]) -> None:
    """Round trip: wrap each achievement in an OpenBadgeCredential, as an issuer would, and present it."""
    engine = Engine(seed_document)
    with_ids = [a for a in exported if not a["id"].startswith("urn:pathways:")]
    assert with_ids, "the seed has micro-credentials with badge identifiers"
    for item in with_ids:
        credential = {
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context.json"],
            "id": "urn:uuid:0b0e1f4c-1111-4d8a-9d4e-5c6b7a8f9e00", "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": item["name"], "issuer": {**item["creator"], "id": "https://issuer.example.org"},
            "issuanceDate": "2025-04-30T00:00:00Z",
            "credentialSubject": {"type": ["AchievementSubject"], "id": "did:example:learner", "achievement": item},
        }
        assert not list(CREDENTIAL.iter_errors(credential)), item["humanCode"]
        [claim] = badge_claims([credential])
        assert engine.node_for_identifier(claim.identifiers[0]) == item["humanCode"]
        assert claim.earned == dt.date(2025, 4, 30)
        result = evaluate(engine, EvaluationRequest.model_validate({"holdings": [], "credentials": [credential], "as_of": "2026-01-01"}))
        assert claim.identifiers[0] not in result.unrecognized
