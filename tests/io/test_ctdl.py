"""CTDL JSON-LD: the seed graph out and back, checked with pyld against the vendored CTDL context."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from pathways.errors import InvalidInput
from pathways.io.ctdl import CONTEXT_URL, PATHWAYS_VOCAB, credential_class, ctdl_document, read_ctdl
from pathways.model import Document

VENDOR = Path(__file__).resolve().parent / "vendor" / "ctdl"
CONTEXT = json.loads((VENDOR / "context.json").read_text(encoding="utf-8"))
CARRIED_NODE_FIELDS = ("id", "kind", "institution", "title", "credits", "hours", "competencies")
CARRIED_RULE_FIELDS = ("id", "kind", "granted_by", "requires", "grants", "valid_from", "valid_to", "status", "note")
LANGUAGE_TAG = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
KEYS = ["@id", "@type", "ceterms:ctid", "ceterms:name", "ceterms:ownedBy", "ceterms:identifier", "ceterms:identifierTypeName",
        "ceterms:identifierValueCode", "ceterms:creditValue", "schema:value", "ceterms:transferValueFrom",
        "ceterms:transferValueFor", "ceterms:transferValue", "ceterms:startDate", "ceterms:requires", "ceterms:teaches",
        "ceterms:targetNode", "ceterms:estimatedDuration", "ceterms:exactDuration", "ceterms:lifeCycleStatusType",
        "pathways:rule", "pathways:extra", "pathways:ruleKind", "pathways:requirement", "pathways:grantCredits", "pathways:status", "en-US"]


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serve the vendored CTDL context; anything else is an error (no network in tests)."""
    if url != CONTEXT_URL:
        raise jsonld.JsonLdError(f"no network in tests: {url}", "loading document failed", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(CONTEXT)}


def _expand(data: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = jsonld.expand(data, {"documentLoader": _loader})
    return expanded


def _prefixes() -> dict[str, str]:
    prefixes = {k: v for k, v in CONTEXT["@context"].items() if isinstance(v, str)}
    return {**prefixes, "pathways": PATHWAYS_VOCAB}


def _keys(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if not key.startswith("@"):
                found.add(key)
            _keys(child, found)
    elif isinstance(value, list):
        for child in value:
            _keys(child, found)
    return found


def _expanded_values(value: Any, iri: str, found: list[Any]) -> list[Any]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == iri:
                found.extend(child)
            _expanded_values(child, iri, found)
    elif isinstance(value, list):
        for child in value:
            _expanded_values(child, iri, found)
    return found


@pytest.fixture(scope="module")
def exported(seed_document: Document) -> dict[str, Any]:
    return json.loads(json.dumps(ctdl_document(seed_document)))


def test_every_term_of_the_export_expands_to_a_ctdl_or_pathways_iri(exported: dict[str, Any]) -> None:
    expanded = _expand(exported)
    iris = _keys(expanded, set())
    prefixes = _prefixes()
    keys = _keys(exported["@graph"], set())
    assert keys, "the export has properties"
    for key in keys:
        if LANGUAGE_TAG.fullmatch(key):
            continue
        prefix, _, local = key.partition(":")
        assert prefix in prefixes, f"{key}: prefix not declared by the CTDL context"
        assert prefixes[prefix] + local in iris, f"{key} was dropped by JSON-LD expansion"
    assert len(expanded) == len(exported["@graph"])


def test_references_expand_to_resources_and_names_to_language_strings(exported: dict[str, Any]) -> None:
    expanded = _expand(exported)
    ceterms = "https://purl.org/ctdl/terms/"
    from_values = _expanded_values(expanded, ceterms + "transferValueFrom", [])
    assert from_values and all(set(v) == {"@id"} for v in from_values)
    ids = {item["@id"] for item in expanded}
    assert all(v["@id"] in ids for v in from_values), "every transfer value source is a resource of the graph"
    names = _expanded_values(expanded, ceterms + "name", [])
    assert names and all(v.get("@language", "").lower() == "en-us" for v in names)
    units = _expanded_values(expanded, ceterms + "targetNode", [])
    assert {"@id": "https://purl.org/ctdl/vocabs/creditUnit/SemesterHour"} in units


def test_classes_by_kind_and_credential_type(seed_document: Document, exported: dict[str, Any]) -> None:
    types = {item["ceterms:identifier"][0]["ceterms:identifierValueCode"]: item["@type"] for item in exported["@graph"]}
    assert types["UFV:GD157"] == "ceterms:Course"
    assert types["CMP:IMAGE-EDITING"] == "ceasn:Competency"
    assert types["UFV:DIGMKT"] in ("ceterms:MicroCredential", "ceterms:Badge")
    assert types["SFU:BA"] == "ceterms:BachelorDegree"
    assert types["RRU:MACAL"] == "ceterms:MasterDegree"
    assert types["BCIT:ASCT-MTCS"] == "ceterms:Certificate"
    assert types["UFV-SFU-GD157"] == "ceterms:TransferValueProfile"
    assert types["UFV"] == "ceterms:CredentialOrganization"
    assert not any(n.kind == "admission" and n.id in types for n in seed_document.nodes)
    credentials = [n for n in seed_document.nodes if n.kind == "credential"]
    assert all(credential_class(n).startswith("ceterms:") for n in credentials)


def test_transfer_value_profile_carries_window_value_and_owner(exported: dict[str, Any]) -> None:
    [tvp] = [i for i in exported["@graph"] if i.get("ceterms:name") == {"en-US": "CAMOSUN-UVIC-HIST110"}]
    assert tvp["ceterms:transferValue"][0]["@type"] == "ceterms:ValueProfile"
    assert tvp["ceterms:transferValue"][0]["schema:value"] > 0
    assert tvp["ceterms:startDate"] and tvp["ceterms:ownedBy"] == [i["@id"] for i in exported["@graph"] if i.get("ceterms:name") == {"en-US": "University of Victoria"}]


def test_seed_graph_round_trips_through_ctdl(seed_document: Document, exported: dict[str, Any]) -> None:
    """Every node but admission routes, every rule not granting one, and every institution come back as they were."""
    back = read_ctdl(exported)
    nodes = {n.id: n for n in seed_document.nodes}
    assert sorted(n.to_json()["id"] for n in back.nodes) == sorted(i for i, n in nodes.items() if n.kind != "admission")
    for node in back.nodes:
        assert node.to_json() == nodes[node.id].to_json(), node.id
    exportable = [r for r in seed_document.rules if all(nodes[g.node].kind != "admission" for g in r.grants)]
    assert {r.id for r in back.rules} == {r.id for r in exportable}
    rules = {r.id: r for r in back.rules}
    for rule in exportable:
        assert rules[rule.id].to_json() == rule.to_json(), rule.id
    assert {i.id: i.name for i in back.institutions} == {i.id: i.name for i in seed_document.institutions}


def test_what_ctdl_says_is_read_without_the_pathways_extra(seed_document: Document, exported: dict[str, Any]) -> None:
    """Without ``pathways:extra`` the CTDL terms alone still give each node's kind, owner, title,
    credits, hours and competencies, and each rule's kind, requirement, grants and window."""
    bare = copy.deepcopy(exported)
    for item in bare["@graph"]:
        item.pop("pathways:extra", None)
        for condition in item.get("ceterms:requires", []):
            condition.pop("pathways:extra", None)
    back = read_ctdl(bare)
    nodes = {n.id: n.to_json() for n in seed_document.nodes}
    for node in back.nodes:
        assert {k: v for k, v in node.to_json().items() if k in CARRIED_NODE_FIELDS} == \
               {k: v for k, v in nodes[node.id].items() if k in CARRIED_NODE_FIELDS}, node.id
    rules = {r.id: r.to_json() for r in seed_document.rules}
    for rule in back.rules:
        assert {k: v for k, v in rule.to_json().items() if k in CARRIED_RULE_FIELDS} == \
               {k: v for k, v in rules[rule.id].items() if k in CARRIED_RULE_FIELDS}, rule.id


def test_stack_rules_are_condition_profiles_on_what_they_grant(exported: dict[str, Any]) -> None:
    [digmkt] = [i for i in exported["@graph"] if i.get("ceterms:identifier", [{}])[0].get("ceterms:identifierValueCode") == "UFV:DIGMKT"]
    [condition] = [c for c in digmkt["ceterms:requires"] if c["pathways:rule"] == "UFV-DIGMKT-STACK"]
    assert condition["@type"] == "ceterms:ConditionProfile"
    assert len(condition["ceterms:targetLearningOpportunity"]) >= 9


FOREIGN = {
    "@context": CONTEXT_URL,
    "@graph": [
        {"@id": "https://credentialengineregistry.org/resources/ce-org", "@type": "ceterms:CredentialOrganization",
         "ceterms:ctid": "ce-org", "ceterms:name": {"en-US": "American Council on Education"}},
        {"@id": "https://credentialengineregistry.org/resources/ce-lopp", "@type": "ceterms:Course",
         "ceterms:ctid": "ce-lopp", "ceterms:name": {"en": "Advanced Science of Hazardous Materials Response"},
         "ceterms:ownedBy": ["https://credentialengineregistry.org/resources/ce-org"]},
        {"@id": "https://credentialengineregistry.org/resources/ce-target", "@type": "ceterms:Course",
         "ceterms:ctid": "ce-target", "ceterms:name": {"en": "Fire science elective"},
         "ceterms:ownedBy": ["https://credentialengineregistry.org/resources/ce-org"]},
        {"@id": "https://credentialengineregistry.org/resources/ce-tvp", "@type": "ceterms:TransferValueProfile",
         "ceterms:ctid": "ce-tvp", "ceterms:ownedBy": ["https://credentialengineregistry.org/resources/ce-org"],
         "ceterms:transferValueFrom": ["https://credentialengineregistry.org/resources/ce-lopp"],
         "ceterms:transferValueFor": ["https://credentialengineregistry.org/resources/ce-target"],
         "ceterms:transferValue": [{"@type": "ceterms:ValueProfile", "schema:value": 3}],
         "ceterms:startDate": "2019-11-01", "ceterms:endDate": "2022-10-31",
         "ceterms:lifeCycleStatusType": {"ceterms:targetNode": "lifeCycle:Ceased"}},
    ],
}


def test_a_transfer_value_profile_from_another_publisher_is_read_as_a_transfer_rule() -> None:
    doc = read_ctdl(FOREIGN)
    [rule] = doc.rules
    assert rule.to_json() == {"id": "ce-tvp", "kind": "transfer", "granted_by": "ce-org", "requires": {"node": "ce-lopp"},
                              "grants": [{"node": "ce-target", "credits": 3}], "valid_from": "2019-11-01",
                              "valid_to": "2022-10-31", "status": "retired"}
    assert _expand(FOREIGN), "the foreign document expands with the vendored context"


def test_dangling_references_are_reported_with_their_path() -> None:
    bad = copy.deepcopy(FOREIGN)
    bad["@graph"][3]["ceterms:transferValueFrom"] = ["https://credentialengineregistry.org/resources/ce-missing"]
    with pytest.raises(InvalidInput) as err:
        read_ctdl(bad)
    assert [p.path for p in err.value.problems] == ["@graph[3].ceterms:transferValueFrom[0]"]
    with pytest.raises(InvalidInput, match="@graph"):
        read_ctdl({"@context": CONTEXT_URL})


def test_an_institution_export_carries_what_its_rules_name_and_reads_back(seed_document: Document) -> None:
    data = json.loads(json.dumps(ctdl_document(seed_document, institution="UVIC")))
    back = read_ctdl(data)
    assert {r.granted_by for r in back.rules} == {"UVIC"}
    assert "CAMOSUN-UVIC-HIST110" in {r.id for r in back.rules}
    assert any(n.institution == "CAMOSUN" for n in back.nodes), "the sending courses of UVic's agreements come along"


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "x", "ceterms:Course", "lifeCycle:Ceased", "{}", "[1]"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), _json, max_size=6), max_size=4))
def test_any_graph_is_read_or_refused_with_problems_never_a_crash(graph: list[dict[str, Any]]) -> None:
    """Whatever a @graph holds, reading it gives a document or an InvalidInput naming problems."""
    doc = copy.deepcopy(FOREIGN)
    doc["@graph"] = doc["@graph"] + graph
    try:
        read_ctdl(doc)
    except InvalidInput as err:
        assert err.problems
