"""Reach's credit-pool targets (second edition, amendment 10): ranked by the node's share of the
pool, the pool written back in also_needs, listed up to MAX_POOL_TARGETS with the total."""

from __future__ import annotations

from pathways.engine import Engine, reach
from pathways.engine.reach import MAX_POOL_TARGETS
from pathways.model import Document

from .test_evaluate import course, engine, rule


def _pools(eng: Engine, node: str) -> list[tuple[str, str, float]]:
    return [(p["node"], p["rule"], p["share"]) for p in reach(eng, node).to_json()["pool_targets"]]


def test_a_pool_the_node_fits_is_a_target_ranked_by_share_with_the_pool_in_also_needs() -> None:
    nodes = [course("U:A", 3, subject="MATH", level=1), course("U:B", 3), course("U:DEG", 120, kind="credential"),
             course("U:CERT", 12, kind="credential"), course("U:MINOR", 15, kind="credential"), course("V:A", 3)]
    rules = [rule("DEG", {"credits": 120, "where": {"institution": "U"}}, "U:DEG"),
             rule("CERT", {"all": [{"node": "U:B"}, {"credits": 9, "where": {"institution": "U", "subject": "MATH"}}]}, "U:CERT"),
             rule("MINOR", {"credits": 15, "where": {"subject": "MATH", "level_min": 2}}, "U:MINOR"),
             rule("V-POOL", {"credits": 6, "where": {"institution": "V"}}, "U:B")]
    eng = engine(nodes, rules)
    answer = reach(eng, "U:A").to_json()
    # MATH 100 at level 1 fits the degree's pool and the certificate's, not the minor's (level 2) nor V's
    assert [(p["node"], p["rule"], p["share"], p["also_needs"]) for p in answer["pool_targets"]] == [
        ("U:CERT", "CERT", 0.333, {"all": [{"node": "U:B"}, {"credits": 6, "where": {"institution": "U", "subject": "MATH"}}]}),
        ("U:DEG", "DEG", 0.025, {"credits": 117, "where": {"institution": "U"}}),
    ]
    assert answer["pool_targets_total"] == 2
    assert answer["targets"] == []  # pools stay out of the walk


def test_credits_of_and_hours_pools_count_their_own_unit() -> None:
    nodes = [course("U:A", 3, hours=40), course("U:B", 3), course("U:C", 6, kind="credential"), course("U:H", 0, kind="credential")]
    rules = [rule("OF", {"credits": 6, "of": [{"node": "U:A"}, {"node": "U:B"}]}, "U:C"),
             rule("HOURS", {"hours": 160, "where": {"institution": "U"}}, "U:H")]
    assert _pools(engine(nodes, rules), "U:A") == [("U:C", "OF", 0.5), ("U:H", "HOURS", 0.25)]
    # a node without hours brings nothing to an hours pool: no target
    assert _pools(engine(nodes, rules), "U:B") == [("U:C", "OF", 0.5)]


def test_pool_targets_are_cut_to_the_largest_shares_with_the_total() -> None:
    nodes = [course("U:A", 3)] + [course(f"U:D{i:02}", 0, kind="credential") for i in range(MAX_POOL_TARGETS + 5)]
    rules = [rule(f"P{i:02}", {"credits": 3 * (i + 1), "where": {"institution": "U"}}, f"U:D{i:02}") for i in range(MAX_POOL_TARGETS + 5)]
    answer = reach(engine(nodes, rules), "U:A").to_json()
    assert answer["pool_targets_total"] == MAX_POOL_TARGETS + 5
    assert [p["rule"] for p in answer["pool_targets"]] == [f"P{i:02}" for i in range(MAX_POOL_TARGETS)]
    assert answer["pool_targets"][0]["share"] == 1.0 and answer["pool_targets"][0]["also_needs"] is None


def test_seed_uvic_math_counts_toward_second_year_admission(seed_document: Document) -> None:
    answer = reach(Engine(seed_document), "UVIC:MATH-100").to_json()
    assert answer["pool_targets"] == [{"node": "UVIC:BA-Y2", "rule": "UVIC-BA-Y2-ADMISSION", "share": 0.125,
                                       "also_needs": {"credits": 10.5, "where": {"institution": "UVIC"}}}]
