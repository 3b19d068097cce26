"""Repeatable nodes (SPEC section 4, second edition, amendment 4): unassigned and blanket credit
granted once per disjoint lineage, each copy with its own credits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine import Engine, evaluate, requirement_progress
from pathways.errors import InvalidDocument
from pathways.model import EvaluationRequest, parse_document

from .oracle import oracle_evaluate

AS_OF = dt.date(2026, 6, 1)


def _doc(rules: list[dict[str, Any]], *, repeatable: bool = True, extra: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "format": "pathways/1",
        "institutions": [{"id": "C", "name": "College"}, {"id": "U", "name": "University"}],
        "nodes": [
            *({"id": f"C:HIST-{n}", "kind": "course", "institution": "C", "title": f"HIST {n}", "credits": 3, "subject": "HIST",
               "level": 1} for n in (110, 120, 130)),
            {"id": "U:HIST-1ST", "kind": "course", "institution": "U", "title": "HIST 1st", "credits": 3, "subject": "HIST",
             "level": 1, **({"repeatable": True} if repeatable else {})},
            {"id": "U:CERT", "kind": "credential", "institution": "U", "title": "Certificate", "credits": 6},
            *extra,
        ],
        "rules": rules,
    }


def _transfer(n: int, **more: Any) -> dict[str, Any]:
    return {"id": f"C-U-HIST{n}", "kind": "transfer", "granted_by": "U", "requires": {"node": f"C:HIST-{n}"},
            "grants": [{"node": "U:HIST-1ST"}], **more}


_POOL = {"id": "U-CERT", "kind": "stack", "granted_by": "U",
         "requires": {"credits": 6, "where": {"institution": "U", "subject": "HIST"}}, "grants": [{"node": "U:CERT"}]}


def _evaluate(raw: dict[str, Any], nodes: list[str] | list[dict[str, Any]]) -> dict[str, Any]:
    holdings = [{"node": n} if isinstance(n, str) else n for n in nodes]
    request = EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF.isoformat()})
    return evaluate(Engine(parse_document(raw)), request).to_json()


def test_two_history_courses_each_transferring_as_blanket_credit_give_six_credits() -> None:
    raw = _doc([_transfer(110), _transfer(120), _POOL])
    granted = _evaluate(raw, ["C:HIST-110", "C:HIST-120"])["granted"]
    assert [(g["node"], g["rule"], g["lineage"]) for g in granted] == [
        ("U:HIST-1ST", "C-U-HIST110", ["C:HIST-110"]),
        ("U:HIST-1ST", "C-U-HIST120", ["C:HIST-120"]),
        ("U:CERT", "U-CERT", ["C:HIST-110", "C:HIST-120"]),
    ]
    assert granted[2]["uses"] == ["U:HIST-1ST", "U:HIST-1ST"]
    # the same graph without repeatable: one holding, 3 credits, no certificate
    once = _evaluate(_doc([_transfer(110), _transfer(120), _POOL], repeatable=False), ["C:HIST-110", "C:HIST-120"])["granted"]
    assert [(g["node"], g["rule"]) for g in once] == [("U:HIST-1ST", "C-U-HIST110")]


def test_one_rule_fires_once_per_disjoint_lineage_and_never_twice_on_one() -> None:
    blanket = {"id": "C-U-HIST-BLANKET", "kind": "transfer", "granted_by": "U",
               "requires": {"credits": 3, "where": {"institution": "C", "subject": "HIST"}}, "grants": [{"node": "U:HIST-1ST"}]}
    granted = _evaluate(_doc([blanket, _POOL]), ["C:HIST-110", "C:HIST-120", "C:HIST-130"])["granted"]
    copies = [g for g in granted if g["node"] == "U:HIST-1ST"]
    # one copy a round, the smallest lineage first; each course used once
    assert [(g["lineage"], g["earned"]) for g in copies] == [(["C:HIST-110"], "2026-06-01"), (["C:HIST-120"], "2026-06-01"),
                                                            (["C:HIST-130"], "2026-06-01")]
    assert [g["node"] for g in granted] == ["U:HIST-1ST", "U:HIST-1ST", "U:CERT", "U:HIST-1ST"]


def test_copies_of_one_node_in_one_round_follow_precedence_and_stay_disjoint() -> None:
    # both courses together make one 6-credit block: it wins on credits, and the per-course
    # rules' lineages overlap it, so they add nothing
    block = {"id": "C-U-HIST-BLOCK", "kind": "transfer", "granted_by": "U",
             "requires": {"all": [{"node": "C:HIST-110"}, {"node": "C:HIST-120"}]}, "grants": [{"node": "U:HIST-1ST", "credits": 6}]}
    granted = _evaluate(_doc([_transfer(110), _transfer(120), _transfer(130), block]), ["C:HIST-110", "C:HIST-120", "C:HIST-130"])
    assert [(g["rule"], g["credits"]) for g in granted["granted"]] == [("C-U-HIST-BLOCK", 6), ("C-U-HIST130", 3)]


def test_a_node_leaf_takes_any_one_copy_and_a_rule_may_name_it_twice() -> None:
    # grade C on one course, A on the other: a min_grade B leaf takes the A copy
    pair = {"id": "U-CERT-PAIR", "kind": "stack", "granted_by": "U",
            "requires": {"all": [{"node": "U:HIST-1ST", "min_grade": "B"}, {"node": "U:HIST-1ST"}]}, "grants": [{"node": "U:CERT"}]}
    best = {"id": "U-CERT-BEST", "kind": "stack", "granted_by": "U", "requires": {"node": "U:HIST-1ST", "min_grade": "B"},
            "grants": [{"node": "U:Q"}]}
    extra = [{"id": "U:Q", "kind": "course", "institution": "U", "title": "Q", "credits": 1}]
    holdings = [{"node": "C:HIST-110", "grade": "C"}, {"node": "C:HIST-120", "grade": "A"}]
    granted = _evaluate(_doc([_transfer(110), _transfer(120), pair, best], extra=extra), holdings)["granted"]
    assert [(g["rule"], g["lineage"]) for g in granted] == [
        ("C-U-HIST110", ["C:HIST-110"]), ("C-U-HIST120", ["C:HIST-120"]),
        ("U-CERT-PAIR", ["C:HIST-110", "C:HIST-120"]), ("U-CERT-BEST", ["C:HIST-120"]),
    ]


def test_a_repeatable_node_presented_twice_is_two_attempts_not_two_copies() -> None:
    raw = _doc([_POOL])
    granted = _evaluate(raw, [{"node": "U:HIST-1ST", "earned": "2024-01-10"}, {"node": "U:HIST-1ST", "earned": "2025-01-10"}])
    assert granted["granted"] == []
    progress = granted["progress"]
    assert [(p["rule"], p["fraction"], p["uses"]) for p in progress] == [("U-CERT", 0.5, ["U:HIST-1ST"])]
    # presented once and earned again by transfer: two copies
    both = _evaluate(_doc([_transfer(110), _POOL]), ["U:HIST-1ST", "C:HIST-110"])["granted"]
    assert [(g["rule"], g["uses"]) for g in both] == [("C-U-HIST110", ["C:HIST-110"]), ("U-CERT", ["U:HIST-1ST", "U:HIST-1ST"])]


def test_copies_count_in_an_unless_and_in_requirement_progress() -> None:
    quiz = {"id": "C-U-QUIZ", "kind": "transfer", "granted_by": "U", "requires": {"node": "C:HIST-130"},
            "grants": [{"node": "U:Q"}], "unless": {"credits": 6, "where": {"institution": "U", "subject": "HIST"}}}
    extra = [{"id": "U:Q", "kind": "course", "institution": "U", "title": "Q", "credits": 1}]
    raw = _doc([_transfer(110), _transfer(120), quiz], extra=extra)
    answer = _evaluate(raw, ["C:HIST-110", "C:HIST-120", "C:HIST-130"])
    assert [g["rule"] for g in answer["granted"]] == ["C-U-HIST110", "C-U-HIST120"]
    assert answer["skipped"] == [{"rule": "C-U-QUIZ", "reason": "excluded"}]
    engine = Engine(parse_document(raw))
    result = evaluate(engine, EvaluationRequest.from_json({"holdings": [{"node": "C:HIST-110"}, {"node": "C:HIST-120"}],
                                                          "as_of": AS_OF.isoformat()}))
    assert sorted(result.held) == ["C:HIST-110", "C:HIST-120", "U:HIST-1ST", "U:HIST-1ST 2"]
    pool = parse_document(_doc([_POOL])).rules[0].requires
    assert requirement_progress(engine, pool, result.held).fraction == 1.0


def test_repeatable_must_be_a_boolean() -> None:
    raw = _doc([])
    raw["nodes"][3]["repeatable"] = "yes"
    with pytest.raises(InvalidDocument) as err:
        parse_document(raw)
    assert "nodes[3].repeatable" in str(err.value.detail)
    assert "repeatable" not in parse_document(_doc([], repeatable=False)).nodes[3].to_json()


# -- property test: the engine against the brute-force oracle, on graphs built around copies --

_SOURCES = ["C:HIST-110", "C:HIST-120", "C:HIST-130", "U:HIST-1ST"]
_TARGETS = ["U:HIST-1ST", "U:HIST-1ST", "U:R2", "U:CERT", "U:Q"]
_GRADES = ["A", "B", "C", "D", "P", None]


@st.composite
def _requirements(draw: st.DrawFn) -> dict[str, Any]:
    leaf = st.one_of(
        st.builds(lambda n: {"node": n}, st.sampled_from([*_SOURCES, "U:R2"])),
        st.builds(lambda n, g: {"node": n, "min_grade": g}, st.sampled_from(_SOURCES), st.sampled_from(["B", "C"])),
        st.builds(lambda c, w: {"credits": c, "where": w}, st.integers(1, 7),
                  st.sampled_from([{"institution": "U"}, {"institution": "C"}, {"subject": "HIST"}, {"level_min": 1}])),
    )
    if draw(st.integers(0, 2)) == 0:
        kids = draw(st.lists(leaf, min_size=2, max_size=3))
        shape = draw(st.sampled_from(["all", "any", "credits"]))
        return {"credits": draw(st.integers(2, 6)), "of": kids} if shape == "credits" else {shape: kids}
    return draw(leaf)


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    extra = [{"id": "U:R2", "kind": "course", "institution": "U", "title": "R2", "credits": draw(st.integers(0, 4)), "subject": "HIST",
              **({"repeatable": True} if draw(st.booleans()) else {})},
             {"id": "U:Q", "kind": "course", "institution": "U", "title": "Q", "credits": 1, "repeatable": draw(st.booleans())}]
    rules = []
    for r in range(draw(st.integers(2, 5))):
        grants = [{"node": draw(st.sampled_from(_TARGETS))}]
        if draw(st.integers(0, 3)) == 0:
            grants[0]["credits"] = draw(st.integers(0, 6))
        if draw(st.integers(0, 4)) == 0 and grants[0]["node"] != "U:Q":
            grants.append({"node": "U:Q"})
        rules.append({"id": f"R{r}", "kind": draw(st.sampled_from(["transfer", "stack", "plar"])), "granted_by": "U",
                      "requires": draw(_requirements()), "grants": grants,
                      "priority": draw(st.sampled_from([None, None, 1])),
                      "pass_counts_as": draw(st.sampled_from([None, None, "C"])),  # a general rule, even for one leaf
                      "valid_from": draw(st.sampled_from([None, None, "2024-01-01"]))})
    for n in (110, 120, 130):  # course-to-blanket transfers, most of them
        if draw(st.integers(0, 2)) > 0:
            rules.append(_transfer(n, valid_from=draw(st.sampled_from([None, None, "2024-01-01"]))))
    if draw(st.booleans()):  # a block: a copy of more credits and a larger lineage, taken first in its round
        rules.append({"id": "BLOCK", "kind": "transfer", "granted_by": "U", "grants": [{"node": "U:HIST-1ST", "credits": 6}],
                      "requires": {"all": [{"node": "C:HIST-110"}, {"node": draw(st.sampled_from(["C:HIST-120", "C:HIST-130"]))}]}})
    if draw(st.booleans()):  # one copy taken by a rule matched against all of them
        rules.append({"id": "ONE", "kind": "stack", "granted_by": "U", "requires": {"node": "U:HIST-1ST"}, "grants": [{"node": "U:Q"}],
                      "pass_counts_as": "C"})
    if draw(st.booleans()):  # a pool the copies fill together
        rules.append({**_POOL, "requires": {"credits": draw(st.integers(4, 9)), "where": {"institution": "U"}}})
    holdings = [{"node": n, "grade": draw(st.sampled_from(_GRADES)),
                 "earned": draw(st.sampled_from(["2023-05-01", "2025-05-01"]))}
                for n in draw(st.lists(st.sampled_from(_SOURCES), min_size=2, max_size=4))]
    return _doc(rules, repeatable=draw(st.integers(0, 3)) > 0, extra=extra), holdings


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenarios())
def test_copies_agree_with_the_brute_force_oracle(scenario: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    raw, holdings = scenario
    doc = parse_document(raw)
    result = evaluate(Engine(doc), EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF.isoformat()}))
    expected, fired = oracle_evaluate(doc, [(h["node"], h["grade"], dt.date.fromisoformat(h["earned"])) for h in holdings],
                                      AS_OF, False)
    assert result.to_json()["granted"] == expected
    assert result.fired == fired


def test_a_grant_keeps_the_keys_of_the_copies_it_used_so_its_tree_shows_each() -> None:
    from pathways.cli.evaluate import _evaluation_lines

    raw = _doc([_transfer(110), _transfer(120), _POOL])
    request = EvaluationRequest.from_json({"holdings": [{"node": "C:HIST-110"}, {"node": "C:HIST-120"}], "as_of": AS_OF.isoformat()})
    result = evaluate(Engine(parse_document(raw)), request)
    cert = result.granted[-1]
    assert (cert.uses, cert.used_keys) == (("U:HIST-1ST", "U:HIST-1ST"), ("U:HIST-1ST", "U:HIST-1ST 2"))
    lines = "\n".join(_evaluation_lines(result))
    assert "├── U:HIST-1ST (3 cr, grade P, 2026-06-01) <- C-U-HIST110" in lines
    assert "└── U:HIST-1ST (3 cr, grade P, 2026-06-01) <- C-U-HIST120" in lines


def test_a_leaf_rule_takes_the_copy_with_the_smallest_lineage_not_the_first_held() -> None:
    block = {"id": "C-U-HIST-BLOCK", "kind": "transfer", "granted_by": "U",
             "requires": {"all": [{"node": "C:HIST-110"}, {"node": "C:HIST-120"}]}, "grants": [{"node": "U:HIST-1ST", "credits": 6}]}
    extra = [{"id": "U:Q", "kind": "course", "institution": "U", "title": "Q", "credits": 1}]
    # pass_counts_as makes it a general rule: matched against every copy, not decided as each arrives
    quiz = {"id": "U-Q", "kind": "stack", "granted_by": "U", "requires": {"node": "U:HIST-1ST"}, "grants": [{"node": "U:Q"}],
            "pass_counts_as": "C"}
    granted = _evaluate(_doc([block, _transfer(130), quiz], extra=extra), ["C:HIST-110", "C:HIST-120", "C:HIST-130"])["granted"]
    assert [(g["rule"], g["lineage"]) for g in granted] == [
        ("C-U-HIST-BLOCK", ["C:HIST-110", "C:HIST-120"]), ("C-U-HIST130", ["C:HIST-130"]), ("U-Q", ["C:HIST-130"])]


def test_an_average_naming_a_repeatable_node_takes_the_learning_behind_every_copy() -> None:
    # HIST 110 (A) and HIST 120 (C) each give a copy: the average over U:HIST-1ST is B, short of A-
    admit = {"id": "U-CERT", "kind": "stack", "granted_by": "U",
             "requires": {"all": [{"node": "U:HIST-1ST"}, {"average": "A-", "of": [{"node": "U:HIST-1ST"}]}]},
             "grants": [{"node": "U:CERT"}]}
    nodes = [{"node": "C:HIST-110", "grade": "A", "earned": "2025-01-10"}, {"node": "C:HIST-120", "grade": "C", "earned": "2025-02-10"}]
    assert _evaluate(_doc([_transfer(110), _transfer(120), admit]), nodes)["granted"][-1]["node"] == "U:HIST-1ST"
    assert _evaluate(_doc([_transfer(110), _transfer(120), admit]), nodes[:1])["granted"][-1]["node"] == "U:CERT"


def test_a_repeatable_node_meets_an_anti_requisite_with_its_first_earned_copy_and_all_its_copies_lose_together() -> None:
    alt = {"id": "U:ALT", "kind": "course", "institution": "U", "title": "Alternative", "credits": 3, "subject": "MATH",
           "excludes": ["U:HIST-1ST"]}
    by_alt = {"id": "U-ALT", "kind": "stack", "granted_by": "U", "requires": {"node": "U:ALT"}, "grants": [{"node": "U:CERT"}]}
    by_copy = {"id": "U-ONE", "kind": "stack", "granted_by": "U",
               "requires": {"credits": 3, "where": {"institution": "U", "subject": "HIST"}}, "grants": [{"node": "U:CERT"}]}
    # the copy from HIST 120 (2024) is earned before ALT (mid 2024): HIST-1ST counts, ALT loses
    early = [{"node": "C:HIST-110", "earned": "2025-06-01"}, {"node": "C:HIST-120", "earned": "2024-01-01"},
             {"node": "U:ALT", "earned": "2024-06-01"}]
    out = _evaluate(_doc([_transfer(110), _transfer(120), by_alt], extra=[alt]), early)
    assert "U:CERT" not in [g["node"] for g in out["granted"]]
    assert {"rule": "U-ALT", "reason": "excluded"} in out["skipped"]
    # ALT first: every copy of HIST-1ST loses at U, the second as much as the first
    late = [{"node": "C:HIST-110", "earned": "2025-06-01"}, {"node": "C:HIST-120", "earned": "2025-01-01"},
            {"node": "U:ALT", "earned": "2024-06-01"}]
    out = _evaluate(_doc([_transfer(110), _transfer(120), by_copy], extra=[alt]), late)
    assert "U:CERT" not in [g["node"] for g in out["granted"]]

