"""Second edition, amendment 9: credential limits counted by where the learning happened
(docs/evaluation.md, section 9)."""

from __future__ import annotations

from typing import Any

from .test_evaluate import course, engine, rule, run

DEGREE = {"credits": 6, "where": {"institution": "U"}}


def _grant(out: dict[str, Any], node: str) -> dict[str, Any] | None:
    return next((g for g in out["granted"] if g["node"] == node), None)


def test_a_recognized_maximum_applies_up_to_the_cap_and_reports_the_rest() -> None:
    nodes = [course("V:A", 3), course("V:B", 4.5), course("U:A", 3), course("U:B", 4.5),
             course("U:DEG", 0, kind="credential", limits={"max_recognized_credits": 6})]
    eng = engine(nodes, [rule("XA", {"node": "V:A"}, "U:A", kind="transfer"), rule("XB", {"node": "V:B"}, "U:B", kind="transfer"),
                         rule("DEG", DEGREE, "U:DEG")])
    out = run(eng, [{"node": "V:A"}, {"node": "V:B"}])
    deg = _grant(out, "U:DEG")
    # 7.5 recognized credits, 6 applied: the credential is granted, 1.5 reported as not applied
    assert deg is not None and deg["uses"] == ["U:A", "U:B"] and deg["not_applied"] == 1.5
    assert out["skipped"] == []
    assert _grant(out, "U:A")["not_applied"] == 0  # type: ignore[index]
    # within the cap nothing is left over
    nodes[-1]["limits"] = {"max_recognized_credits": 9}
    out = run(engine(nodes, [rule("XA", {"node": "V:A"}, "U:A", kind="transfer"), rule("XB", {"node": "V:B"}, "U:B", kind="transfer"),
                             rule("DEG", DEGREE, "U:DEG")]), [{"node": "V:A"}, {"node": "V:B"}])
    assert _grant(out, "U:DEG")["not_applied"] == 0  # type: ignore[index]


def test_residency_counts_the_lineage_direct_holdings_earned_at_the_institution() -> None:
    nodes = [course("V:A", 6), course("U:A", 6), course("U:CERT", 6, kind="credential"), course("U:M1", 3), course("U:M2", 3),
             course("U:MC", 6, kind="credential"),
             course("U:DEG", 0, kind="credential", limits={"min_residency_credits": 6})]
    rules = [rule("XA", {"node": "V:A"}, "U:A", kind="transfer"),
             rule("CERT", {"node": "U:A"}, "U:CERT"),
             rule("MC", {"all": [{"node": "U:M1"}, {"node": "U:M2"}]}, "U:MC"),
             rule("DEG", {"any": [{"node": "U:CERT"}, {"node": "U:MC"}]}, "U:DEG")]
    eng = engine(nodes, rules)
    # a local certificate stacked from transfer credit is not residence
    out = run(eng, [{"node": "V:A"}])
    assert _grant(out, "U:CERT") is not None and _grant(out, "U:DEG") is None
    assert {"rule": "DEG", "reason": "limits"} in out["skipped"]
    # a local certificate stacked from learning done at U is
    out = run(eng, [{"node": "U:M1"}, {"node": "U:M2"}])
    assert _grant(out, "U:DEG")["uses"] == ["U:MC"]  # type: ignore[index]
    # with both, the resident one is used
    out = run(eng, [{"node": "V:A"}, {"node": "U:M1"}, {"node": "U:M2"}])
    assert _grant(out, "U:DEG")["uses"] == ["U:MC"]  # type: ignore[index]


def test_the_credential_credits_past_the_cap_must_come_from_learning_not_recognized() -> None:
    nodes = [course("V:B", 4.5), course("U:B", 4.5), course("U:R", 3),
             course("U:DEG", 6, kind="credential", limits={"max_recognized_credits": 3})]
    eng = engine(nodes, [rule("XB", {"node": "V:B"}, "U:B", kind="transfer"), rule("DEG", DEGREE, "U:DEG")])
    # 4.5 recognized and 3 of the learner's own: 3 + 3 applied reach the degree's 6
    deg = _grant(run(eng, [{"node": "V:B"}, {"node": "U:R"}]), "U:DEG")
    assert deg is not None and deg["uses"] == ["U:B", "U:R"] and deg["not_applied"] == 1.5
    # 6 credits, all recognized, only 3 applied: not enough, and the limits are why
    nodes.append(course("V:C", 1.5))
    nodes.append(course("U:C", 1.5))
    eng = engine(nodes, [rule("XB", {"node": "V:B"}, "U:B", kind="transfer"), rule("XC", {"node": "V:C"}, "U:C", kind="transfer"),
                         rule("DEG", DEGREE, "U:DEG")])
    out = run(eng, [{"node": "V:B"}, {"node": "V:C"}])
    assert _grant(out, "U:DEG") is None and {"rule": "DEG", "reason": "limits"} in out["skipped"]
