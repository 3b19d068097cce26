"""Every requirement shape of SPEC section 3, valid and invalid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways.errors import InvalidInput
from pathways.model import (
    All,
    Any_,
    AtLeast,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Filter,
    NodeLeaf,
    mentioned_competencies,
    mentioned_nodes,
    parse_requirement,
    requirement_to_json,
)

VALID = [
    ({"node": "UFV:PS-ESS"}, NodeLeaf("UFV:PS-ESS")),
    ({"node": "UFV:PS-ESS", "min_grade": "B+"}, NodeLeaf("UFV:PS-ESS", "B+")),
    ({"competency": "CMP:IMAGE"}, CompetencyLeaf("CMP:IMAGE")),
    ({"all": [{"node": "A"}, {"node": "B"}]}, All((NodeLeaf("A"), NodeLeaf("B")))),
    ({"any": [{"node": "A"}]}, Any_((NodeLeaf("A"),))),
    ({"at_least": 2, "of": [{"node": "A"}, {"node": "B"}, {"node": "C"}]}, AtLeast(2, (NodeLeaf("A"), NodeLeaf("B"), NodeLeaf("C")))),
    ({"credits": 3, "of": [{"node": "A"}, {"competency": "K"}]}, CreditsOf(3.0, (NodeLeaf("A"), CompetencyLeaf("K")))),
    ({"credits": 1.5, "where": {"institution": "UVIC", "subject": "HIST", "level_min": 2, "level_max": 2}},
     CreditsWhere(1.5, Filter(institution="UVIC", subject="HIST", level_min=2, level_max=2))),
    ({"credits": 120, "where": {}}, CreditsWhere(120.0, Filter())),
    ({"credits": 6, "where": {"kind": "micro_credential"}}, CreditsWhere(6.0, Filter(kind="micro_credential"))),
    ({"hours": 135, "where": {"institution": "CAPU"}}, CreditsWhere(135.0, Filter(institution="CAPU"), "hours")),
    ({"hours": 45, "of": [{"node": "A"}, {"hours": 30, "where": {}}]},
     CreditsOf(45.0, (NodeLeaf("A"), CreditsWhere(30.0, Filter(), "hours")), "hours")),
]


@pytest.mark.parametrize(("json_value", "expected"), VALID)
def test_valid_shapes_parse_and_round_trip(json_value: dict, expected: object) -> None:
    req = parse_requirement(json_value)
    assert req == expected
    assert requirement_to_json(req) == json_value


INVALID = [
    ([], "", "a requirement must be an object, not a list"),
    ({}, "", "expected exactly one shape"),
    ({"node": "A", "competency": "B"}, "", "expected exactly one shape"),
    ({"node": "A", "grade": "B"}, "", "got keys ['grade', 'node']"),
    ({"node": "has space"}, "node", "whitespace"),
    ({"node": ""}, "node", "1-200 characters"),
    ({"node": 7}, "node", "must be a string"),
    ({"node": "A", "min_grade": "E"}, "min_grade", "unknown grade 'E'"),
    ({"node": "A", "min_grade": "P"}, "min_grade", "unknown grade 'P'"),
    ({"all": []}, "all", "non-empty list"),
    ({"any": {"node": "A"}}, "any", "non-empty list"),
    ({"at_least": 0, "of": [{"node": "A"}]}, "at_least", "between 1 and 1"),
    ({"at_least": 3, "of": [{"node": "A"}, {"node": "B"}]}, "at_least", "between 1 and 2"),
    ({"at_least": 1.5, "of": [{"node": "A"}]}, "at_least", "must be an integer"),
    ({"at_least": True, "of": [{"node": "A"}]}, "at_least", "must be an integer"),
    ({"credits": 0, "of": [{"node": "A"}]}, "credits", "finite number > 0"),
    ({"credits": -3, "where": {}}, "credits", "finite number > 0"),
    ({"credits": float("inf"), "where": {}}, "credits", "finite number > 0"),
    ({"credits": "3", "where": {}}, "credits", "finite number > 0"),
    ({"credits": 3, "where": {"colour": "red"}}, "where.colour", "unknown filter field"),
    ({"credits": 3, "where": {"kind": "badge"}}, "where.kind", "unknown node kind"),
    ({"credits": 3, "where": {"level_min": 0}}, "where.level_min", "integer from 1 to 9"),
    ({"credits": 3, "where": {"institution": ""}}, "where.institution", "non-empty string"),
    ({"credits": 3, "where": []}, "where", "must be an object"),
    ({"hours": 0, "where": {}}, "hours", "finite number > 0"),
    ({"hours": "135", "of": [{"node": "A"}]}, "hours", "finite number > 0"),
    ({"hours": 3, "credits": 3, "where": {}}, "", "expected exactly one shape"),
    ({"hours": 45, "of": [{"credits": 3, "where": {}}]}, "", "credits and hours pools cannot be combined"),
]


@pytest.mark.parametrize(("json_value", "path", "message"), INVALID)
def test_invalid_shapes_name_the_path_and_problem(json_value: object, path: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_requirement(json_value, "requires")
    (problem,) = err.value.problems
    assert problem.path == ("requires." + path if path else "requires")
    assert message in problem.message


def test_every_problem_is_reported_with_its_nested_path() -> None:
    bad = {"all": [{"node": "ok"}, {"any": [{"node": "x y"}, {"at_least": 5, "of": [{"node": "A"}]}]}, {"competency": 1}]}
    with pytest.raises(InvalidInput) as err:
        parse_requirement(bad, "rules[3].requires")
    assert [p.path for p in err.value.problems] == [
        "rules[3].requires.all[1].any[0].node",
        "rules[3].requires.all[1].any[1].at_least",
        "rules[3].requires.all[2].competency",
    ]


def test_mentions() -> None:
    req = parse_requirement({"all": [{"node": "A"}, {"any": [{"competency": "K"}, {"node": "B", "min_grade": "C"}]},
                                     {"credits": 3, "where": {"subject": "GD"}}]})
    assert mentioned_nodes(req) == {"A", "B"}
    assert mentioned_competencies(req) == {"K"}


leaf = st.one_of(
    st.builds(lambda n, g: {"node": n} if g is None else {"node": n, "min_grade": g},
              st.sampled_from(["A:1", "B:2", "C:3"]), st.sampled_from([None, "A+", "B", "C-", "D"])),
    st.builds(lambda c: {"competency": c}, st.sampled_from(["K:1", "K:2"])),
    st.builds(lambda c, i: {"credits": c, "where": {"institution": i}}, st.integers(1, 120), st.sampled_from(["UFV", "SFU"])),
)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(children, min_size=1, max_size=4)
    return st.one_of(
        lists.map(lambda xs: {"all": xs}),
        lists.map(lambda xs: {"any": xs}),
        lists.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda k: {"at_least": k, "of": xs})),
        lists.flatmap(lambda xs: st.sampled_from([0.5, 3, 6]).map(lambda c: {"credits": c, "of": xs})),
    )


@given(st.recursive(leaf, _extend, max_leaves=12))
def test_json_round_trip_property(value: dict) -> None:
    assert requirement_to_json(parse_requirement(value)) == value
