"""The issue's scenarios on the seed graph (graph/seed/): what real learners would ask."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.engine import Engine, evaluate, reach
from pathways.errors import NotFound
from pathways.model import Document, EvaluationRequest
from pathways.store import open_store
from tests.conftest import STORE_KINDS

AS_OF = "2026-11-22"


@pytest.fixture(scope="module", params=STORE_KINDS)
def seed(request: pytest.FixtureRequest, seed_document: Document, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine built from the seed graph loaded into each kind of store and read back."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.db'}"
    else:
        from tests.store.arcadedb import fresh_database_url

        url = fresh_database_url(request.getfixturevalue("bolt_server"))
    store = open_store(url)
    try:
        store.import_document(seed_document, actor="test")
        snapshot = store.export()
    finally:
        store.close()
    assert snapshot.to_json() == seed_document.to_json()
    return Engine(snapshot)


def run(engine: Engine, holdings: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return evaluate(engine, EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF, **extra})).to_json()


def nodes(*ids: str, earned: str = "2025-04-30") -> list[dict[str, Any]]:
    return [{"node": n, "earned": earned} for n in ids]


def test_three_ufv_micro_courses_grant_gd157_and_transfer_to_sfu(seed: Engine) -> None:
    out = run(seed, nodes("UFV:PS-ESS", "UFV:IL-GD", "UFV:PS-GD"))
    assert out["granted"][0] == {"node": "UFV:GD157", "credits": 3, "rule": "UFV-GD157-PLAR", "kind": "plar",
                                 "granted_by": "UFV", "earned": "2025-04-30", "grade": "P",
                                 "uses": ["UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"],
                                 "lineage": ["UFV:IL-GD", "UFV:PS-ESS", "UFV:PS-GD"], "not_applied": 0}
    assert [g["node"] for g in out["granted"]][:2] == ["UFV:GD157", "SFU:IAT1XX"]
    digmkt = next(p for p in out["progress"] if p["rule"] == "UFV-DIGMKT-STACK")
    assert digmkt["fraction"] == 0.333 and len(digmkt["missing"]["all"]) == 6


def test_rru_core_and_one_elective_is_three_quarters_done(seed: Engine) -> None:
    out = run(seed, nodes("RRU:CAF-C1", "RRU:CAF-C2", "RRU:CAF-E1"))
    [p] = [p for p in out["progress"] if p["rule"] == "RRU-CAF-STACK"]
    assert p["fraction"] == 0.75 and p["target"] == "RRU:CAF"
    assert p["missing"] == {"at_least": 1, "of": [{"node": f"RRU:CAF-E{i}"} for i in range(2, 9)]}


def test_sfu_pilot_is_skipped_unless_included(seed: Engine) -> None:
    held = nodes("SFU:FASS-FWD-101", "SFU:FASS-FWD-102", "SFU:FASS-FWD-103")
    out = run(seed, held)
    assert {"rule": "SFU-FASS-PILOT", "reason": "pilot"} in out["skipped"]
    assert "SFU:FASS-1XX" not in [g["node"] for g in out["granted"]]
    out = run(seed, held, include_pilot=True)
    assert [g["rule"] for g in out["granted"]] == ["SFU-FASS-PILOT"]
    assert out["skipped"] == []


def test_course_taken_outside_the_agreement_does_not_transfer(seed: Engine) -> None:
    out = run(seed, nodes("CAMOSUN:HIST-120", earned="2021-01-15"))
    assert out["granted"] == [] and out["skipped"] == [{"rule": "CAMOSUN-UVIC-HIST120", "reason": "outside_window"}]
    assert run(seed, nodes("CAMOSUN:HIST-120", earned="2019-01-15"))["granted"][0]["node"] == "UVIC:HIST-1XX"


def test_expired_food_safety_certificate_is_skipped_as_expired(seed: Engine) -> None:
    out = run(seed, nodes("FOODSAFE:L1", earned="2020-05-01"))
    assert {"rule": "VCC-CULINARY-ADMISSION", "reason": "expired"} in out["skipped"]
    fresh = run(seed, nodes("FOODSAFE:L1", earned="2024-05-01"))
    assert [g["node"] for g in fresh["granted"]] == ["VCC:CULINARY-ENTRY"]


def test_chain_micro_courses_course_transfer_credential(seed: Engine) -> None:
    held = nodes("KCTCS:CIT-105A", "KCTCS:CIT-105B", "KCTCS:CIT-105C", "KCTCS:CIT-105D", "UK:ICT-200", "UK:ICT-210", "UK:ICT-220")
    out = run(seed, held)
    assert [(g["node"], g["rule"]) for g in out["granted"]] == [
        ("KCTCS:CIT-105", "KCTCS-CIT105-STACK"), ("UK:ICT-101", "KCTCS-UK-CIT105"), ("UK:UGCERT-ICT", "UK-UGCERT-ICT-STACK")]
    stack, transfer, cert = out["granted"]
    assert transfer["lineage"] == stack["lineage"] and all(n.startswith("KCTCS:") for n in stack["lineage"])
    assert "UK:ICT-101" in cert["uses"] and set(stack["lineage"]) < set(cert["lineage"])


def test_transfer_cycle_terminates(seed: Engine) -> None:
    out = run(seed, nodes("CAMOSUN:ENGL-151"))
    assert ("OKANAGAN:ENGL-100", "CAMOSUN-OKANAGAN-ENGL151") in [(g["node"], g["rule"]) for g in out["granted"]]
    assert "CAMOSUN:ENGL-151" not in [g["node"] for g in out["granted"]]


def test_mba_limits_cap_recognized_transfer_credit(seed: Engine) -> None:
    transfers = nodes(*[f"UCALGARY:MGST-61{i}" for i in range(1, 5)])
    for h in transfers:
        h["grade"] = "A"
    out = run(seed, transfers)
    assert "AU:MBA" not in [g["node"] for g in out["granted"]]


def test_reach_from_a_micro_course(seed: Engine) -> None:
    out = reach(seed, "UFV:PS-ESS").to_json()
    gd157 = next(t for t in out["targets"] if t["node"] == "UFV:GD157")
    assert gd157["distance"] == 1
    assert gd157["paths"][0] == [{"rule": "UFV-GD157-PLAR", "grants": "UFV:GD157",
                                  "also_needs": {"all": [{"node": "UFV:IL-GD"}, {"node": "UFV:PS-GD"}]}}]
    sfu = next(t for t in out["targets"] if t["node"] == "SFU:IAT1XX")
    assert sfu["distance"] == 2 and sfu["paths"][0][-1] == {"rule": "UFV-SFU-GD157", "grants": "SFU:IAT1XX", "also_needs": None}
    assert [t["node"] for t in reach(seed, "UFV:PS-ESS", 1).to_json()["targets"]] == ["UFV:DIGMKT", "UFV:GD157"]
    with pytest.raises(NotFound):
        reach(seed, "XYZ:NOPE")


def test_networkx_view_finds_the_transfer_cycles(seed: Engine) -> None:
    assert ["CAMOSUN:ENGL-151", "OKANAGAN:ENGL-100"] in seed.cycles()


def test_mba_applies_transfer_credit_up_to_its_cap_and_reports_the_rest(seed: Engine) -> None:
    transfers = nodes("UCALGARY:MGST-611", "UCALGARY:MGST-612", "UCALGARY:MGST-614")
    for h in transfers:
        h["grade"] = "A"
    own = nodes(*[f"AU:MBA-6{i:02}" for i in range(1, 16) if i not in (1, 2, 6)])
    out = run(seed, transfers + own)
    mba = next(g for g in out["granted"] if g["node"] == "AU:MBA")
    # 3 + 3 + 4.5 recognized, 9 applied: the 12 AU courses bring the other 36
    assert {"AU:MBA-601", "AU:MBA-602", "AU:MBA-606"} <= set(mba["uses"]) and mba["not_applied"] == 1.5
    # one AU course fewer: 33 of the learner's own and 9 applied fall short of 45
    out = run(seed, transfers + own[1:])
    assert "AU:MBA" not in [g["node"] for g in out["granted"]]


def test_two_history_courses_each_give_unbc_blanket_credit_and_six_credits_admit(seed: Engine) -> None:
    # UNBC:HIST-1ST is repeatable (amendment 4): CAMO HIST 104 and 106 each transfer as "UNBC HIST 1st (3)"
    out = run(seed, [{"node": "CAMOSUN:HIST-104", "grade": "B", "earned": "2025-04-30"},
                     {"node": "CAMOSUN:HIST-106", "grade": "A", "earned": "2025-12-15"}])
    assert [(g["node"], g["rule"], g["credits"], g["lineage"]) for g in out["granted"]] == [
        ("UNBC:HIST-1ST", "CAMOSUN-UNBC-HIST104", 3, ["CAMOSUN:HIST-104"]),
        ("UNBC:HIST-1ST", "CAMOSUN-UNBC-HIST106", 3, ["CAMOSUN:HIST-106"]),
        ("UNBC:BA-HIST-Y2", "UNBC-BA-HIST-Y2-ADMISSION", 0, ["CAMOSUN:HIST-104", "CAMOSUN:HIST-106"]),
    ]
    assert out["granted"][2]["uses"] == ["UNBC:HIST-1ST", "UNBC:HIST-1ST"]
    one = run(seed, [{"node": "CAMOSUN:HIST-104", "earned": "2025-04-30"}])
    assert [p["fraction"] for p in one["progress"] if p["rule"] == "UNBC-BA-HIST-Y2-ADMISSION"] == [0.5]


def test_the_mass_timber_ladder_has_priority_over_the_challenge(seed: Engine) -> None:
    # Both BCIT-MT-LADDER and BCIT-CHALLENGE-MTCS1010 (whose id sorts first, equal credits, same lineage) grant
    # MTCS 1010 to a holder of the micro-credential: the ladder's priority 1 decides, so it is no PLAR credit.
    [granted] = run(seed, nodes("BCIT:MT-INTRO"))["granted"]
    assert [granted[k] for k in ("node", "rule", "kind", "credits")] == ["BCIT:MTCS-1010", "BCIT-MT-LADDER", "ladder", 2.5]


def test_a_pass_counts_as_c_for_the_ufv_bus_247_transfer(seed: Engine) -> None:
    # BUS 247 from three pass/fail micro-courses is graded P; UFV-SFU-BUS247 asks a C and counts a P as one
    out = run(seed, nodes("UFV:SEO", "UFV:PPC", "UFV:ANALYTICS"))
    assert [(g["node"], g["rule"], g["grade"]) for g in out["granted"]][:2] == [
        ("UFV:BUS-247", "UFV-BUS247-PLAR", "P"), ("SFU:BUS-2XX", "UFV-SFU-BUS247", "P")]
    # a letter below C is still below it
    low = run(seed, [{"node": "UFV:BUS-247", "grade": "C-", "earned": "2025-04-30"}])
    assert low["granted"] == [] and {"rule": "UFV-SFU-BUS247", "reason": "below_min_grade"} in low["skipped"]
