"""Credential Engine's CTDL (JSON-LD) out and in: nodes as courses, credentials and competencies,
rules as transfer value profiles and condition profiles.

Export (:func:`ctdl_document`) writes one JSON-LD document, ``{"@context": [...], "@graph": [...]}``:

- an institution is a ``ceterms:CredentialOrganization``;
- a ``course`` node is a ``ceterms:Course``; a ``credential`` node a ``ceterms:Certificate``,
  ``ceterms:Diploma``, ``ceterms:BachelorDegree``... chosen from its ``details.credential_type``
  or its title (:func:`credential_class`); a ``micro_credential`` a ``ceterms:MicroCredential``
  (``ceterms:Badge`` when its credential type says badge); a ``competency`` a ``ceasn:Competency``.
  Credits are a ``ceterms:creditValue`` ``ceterms:ValueProfile`` in semester hours, hours an
  ``ceterms:estimatedDuration``, competencies ``ceterms:teaches`` alignments. ``admission`` nodes
  have no CTDL class and are left out, with the rules granting them;
- a ``transfer`` or ``plar`` rule is a ``ceterms:TransferValueProfile``: ``transferValueFrom``
  the nodes its requirement names, ``transferValueFor`` the nodes it grants, ``transferValue``
  one ``ceterms:ValueProfile`` per grant, ``startDate``/``endDate`` its window, ``ownedBy`` the
  granting institution;
- a ``stack``, ``ladder`` or ``admission`` rule is a ``ceterms:ConditionProfile`` in the
  ``ceterms:requires`` of each node it grants, its targets the nodes its requirement names.

Every resource gets a CTID derived from its pathways id (the same id gives the same CTID) and
carries that id as a ``ceterms:identifier``. What CTDL cannot say exactly (a rule's kind,
status and full requirement: ``any``, ``at_least``, grades, credit pools) travels in terms
of a ``pathways:`` vocabulary declared in the document's context, and every other field no
CTDL term carries in ``pathways:extra`` (JSON text), so that :func:`read_ctdl` gives back
the nodes and rules that were written. Transfer value profiles from other
publishers, without those terms, are read as ``transfer`` rules requiring everything their
``transferValueFrom`` names.

Example:
    >>> from pathways.model import Document, Institution, Node
    >>> doc = Document(institutions=[Institution(id="UFV", name="University of the Fraser Valley")],
    ...     nodes=[Node(id="UFV:GD157", kind="course", institution="UFV", title="Digital Imaging", credits=3)])
    >>> graph = ctdl_document(doc)["@graph"]
    >>> [r["@type"] for r in graph]
    ['ceterms:CredentialOrganization', 'ceterms:Course']
    >>> read_ctdl(ctdl_document(doc)).nodes[0].credits
    3.0
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..errors import InvalidInput, Problem
from ..model import Document, Institution, Node, Rule
from ..model.document import parse_entity
from .json_text import decode_json

__all__ = [
    "CONTEXT_URL",
    "CREDENTIAL_CLASSES",
    "PATHWAYS_VOCAB",
    "RESOURCE_BASE",
    "credential_class",
    "ctdl_document",
    "ctid",
    "read_ctdl",
]

CONTEXT_URL = "https://credreg.net/ctdl/schema/context/json"
"""The published CTDL JSON-LD context."""
PATHWAYS_VOCAB = "https://pathways.example.org/ns/ctdl#"
"""The namespace of the ``pathways:`` terms (rule kind, status, requirement)."""
RESOURCE_BASE = "https://credentialengineregistry.org/resources/"
"""Resource URIs are this base followed by the CTID, as the Credential Registry writes them."""

CREDENTIAL_CLASSES: tuple[tuple[str, str], ...] = (
    ("certificate of completion", "ceterms:CertificateOfCompletion"),
    ("associate degree", "ceterms:AssociateDegree"),
    ("associate of", "ceterms:AssociateDegree"),
    ("certificate", "ceterms:Certificate"),
    ("diploma", "ceterms:Diploma"),
    ("bachelor", "ceterms:BachelorDegree"),
    ("master", "ceterms:MasterDegree"),
    ("doctor", "ceterms:DoctoralDegree"),
    ("licen", "ceterms:License"),
    ("certification", "ceterms:Certification"),
    ("degree", "ceterms:Degree"),
)
"""Keywords of a credential type or title, in the order tried, and the CTDL class each names."""

_KIND_CLASS = {"course": "ceterms:Course", "competency": "ceasn:Competency"}
_CLASS_KIND = {"ceterms:Course": "course", "ceasn:Competency": "competency", "ceterms:MicroCredential": "micro_credential",
               "ceterms:Badge": "micro_credential", "ceterms:Credential": "credential", **{cls: "credential" for _, cls in CREDENTIAL_CLASSES}}
_TVP_KINDS = ("transfer", "plar")
_CONDITION_KINDS = ("stack", "ladder", "admission")
_STATUS_LIFECYCLE = {"approved": "lifeCycle:Active", "pilot": "lifeCycle:Active", "proposed": "lifeCycle:Developing", "retired": "lifeCycle:Ceased"}
_LIFECYCLE_STATUS = {"lifeCycle:Active": "approved", "lifeCycle:Developing": "proposed", "lifeCycle:Ceased": "retired", "lifeCycle:Suspended": "retired"}
_ID_TYPE = "pathways id"
_NODE_TERMS = frozenset({"id", "kind", "institution", "title", "credits", "hours", "competencies"})
_RULE_TERMS = frozenset({"id", "kind", "granted_by", "requires", "grants", "valid_from", "valid_to", "status", "note"})
"""Fields CTDL terms (or the three ``pathways:`` rule terms) carry; the rest travel in ``pathways:extra``."""
_LANG = "en-US"


def ctid(entity: str, ident: str) -> str:
    """The CTID of a pathways entity: ``ce-`` and a UUID derived from its kind and id.

    >>> ctid("node", "UFV:GD157") == ctid("node", "UFV:GD157") != ctid("rule", "UFV:GD157")
    True
    """
    return "ce-" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{PATHWAYS_VOCAB}{entity}/{ident}"))


def credential_class(node: Node) -> str:
    """The CTDL class of a credential or micro-credential node, from its credential type or title.

    A micro-credential is a ``ceterms:MicroCredential`` (a ``ceterms:Badge`` when its type says
    badge); a credential takes the first class of :data:`CREDENTIAL_CLASSES` whose keyword
    its type or title contains, else ``ceterms:Credential``.

    >>> credential_class(Node(id="X:BA", kind="credential", institution="X", title="Bachelor of Arts"))
    'ceterms:BachelorDegree'
    """
    ctype = node.details.get("credential_type")
    texts = ([ctype.lower()] if isinstance(ctype, str) else []) + [node.title.lower()]
    if node.kind == "micro_credential":
        return "ceterms:Badge" if "badge" in texts[0] else "ceterms:MicroCredential"
    for text in texts:
        for keyword, cls in CREDENTIAL_CLASSES:
            if keyword in text:
                return cls
    return "ceterms:Credential"


def _uri(entity: str, ident: str, base: str) -> str:
    return base + ctid(entity, ident)


def _lang(text: str) -> dict[str, str]:
    return {_LANG: text}


def _identifier(ident: str) -> list[dict[str, Any]]:
    return [{"@type": "ceterms:IdentifierValue", "ceterms:identifierTypeName": _lang(_ID_TYPE), "ceterms:identifierValueCode": ident}]


def _value(credits: float) -> dict[str, Any]:
    return {
        "@type": "ceterms:ValueProfile",
        "ceterms:creditUnitType": [{"@type": "ceterms:CredentialAlignmentObject",
                                    "ceterms:framework": "https://credreg.net/ctdl/terms/CreditUnit",
                                    "ceterms:targetNode": "creditUnit:SemesterHour"}],
        "schema:value": credits,
    }


def _extra(data: dict[str, Any], carried: frozenset[str]) -> dict[str, Any]:
    """``pathways:extra``: the fields no CTDL term says, as JSON text (nothing when there are none)."""
    extra = {k: v for k, v in data.items() if k not in carried}
    return {"pathways:extra": json.dumps(extra, sort_keys=True)} if extra else {}


def _node_resource(node: Node, base: str) -> dict[str, Any]:
    cls = _KIND_CLASS.get(node.kind) or credential_class(node)
    out: dict[str, Any] = {"@id": _uri("node", node.id, base), "@type": cls, "ceterms:ctid": ctid("node", node.id)}
    if node.kind == "competency":
        out["ceasn:competencyText"] = _lang(node.title)
    else:
        out["ceterms:name"] = _lang(node.title)
    description = node.details.get("description")
    if isinstance(description, str) and description:
        out["ceasn:comment" if node.kind == "competency" else "ceterms:description"] = _lang(description)
    out["ceterms:identifier"] = _identifier(node.id)
    if node.institution:
        out["ceterms:ownedBy"] = [_uri("institution", node.institution, base)]
    if node.credits > 0:
        out["ceterms:creditValue"] = [_value(node.credits)]
    if node.hours is not None:
        out["ceterms:estimatedDuration"] = [{"@type": "ceterms:DurationProfile", "ceterms:exactDuration": f"PT{node.hours:g}H"}]
    if node.competencies:
        out["ceterms:teaches"] = [{"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": _uri("node", c, base)}
                                  for c in node.competencies]
    return {**out, **_extra(node.to_json(), _NODE_TERMS)}


def _rule_terms(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"pathways:ruleKind": rule.kind, "pathways:status": rule.status,
                           "pathways:requirement": json.dumps(rule.to_json()["requires"], sort_keys=True),
                           "pathways:grantCredits": json.dumps({g.node: g.credits for g in rule.grants if g.credits is not None},
                                                               sort_keys=True)}
    if rule.note:
        out["ceterms:description"] = _lang(rule.note)
    return {**out, **_extra(rule.to_json(), _RULE_TERMS)}


def _tvp(rule: Rule, nodes: dict[str, Node], base: str) -> dict[str, Any]:
    out: dict[str, Any] = {"@id": _uri("rule", rule.id, base), "@type": "ceterms:TransferValueProfile",
                           "ceterms:ctid": ctid("rule", rule.id), "ceterms:name": _lang(rule.id),
                           "ceterms:identifier": _identifier(rule.id),
                           "ceterms:ownedBy": [_uri("institution", rule.granted_by, base)],
                           "ceterms:transferValueFrom": [_uri("node", n, base) for n in sorted(rule.mentions())],
                           "ceterms:transferValueFor": [_uri("node", g.node, base) for g in rule.grants],
                           "ceterms:transferValue": [_value(g.credits if g.credits is not None else nodes[g.node].credits if g.node in nodes else 0)
                                                     for g in rule.grants],
                           "ceterms:lifeCycleStatusType": {"@type": "ceterms:CredentialAlignmentObject",
                                                           "ceterms:framework": "https://credreg.net/ctdl/terms/LifeCycleStatus",
                                                           "ceterms:targetNode": _STATUS_LIFECYCLE[rule.status]}}
    if rule.valid_from:
        out["ceterms:startDate"] = rule.valid_from.isoformat()
    if rule.valid_to:
        out["ceterms:endDate"] = rule.valid_to.isoformat()
    return {**out, **_rule_terms(rule)}


def _condition(rule: Rule, nodes: dict[str, Node], base: str) -> dict[str, Any]:
    targets: dict[str, list[Any]] = {}
    for ident in sorted(rule.mentions()):
        kind = nodes[ident].kind if ident in nodes else "course"
        if kind == "competency":
            targets.setdefault("ceterms:targetCompetency", []).append(
                {"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": _uri("node", ident, base)})
        else:
            key = "ceterms:targetLearningOpportunity" if kind == "course" else "ceterms:targetCredential"
            targets.setdefault(key, []).append(_uri("node", ident, base))
    out: dict[str, Any] = {"@type": "ceterms:ConditionProfile", "ceterms:name": _lang(rule.id), "pathways:rule": rule.id,
                           "pathways:grantedBy": rule.granted_by, **targets}
    if rule.valid_from:
        out["ceterms:dateEffective"] = rule.valid_from.isoformat()
    if rule.valid_to:
        out["ceterms:expirationDate"] = rule.valid_to.isoformat()
    return {**out, **_rule_terms(rule)}


def ctdl_document(doc: Document, *, institution: str | None = None, base: str = RESOURCE_BASE) -> dict[str, Any]:
    """``doc`` as one CTDL JSON-LD document; with ``institution``, only its nodes and the rules it grants."""
    nodes = {n.id: n for n in doc.nodes if n.kind != "admission"}
    rules = [r for r in sorted(doc.rules, key=lambda r: r.id)
             if (institution is None or r.granted_by == institution) and all(g.node in nodes for g in r.grants)]
    # an institution's export carries its nodes and every node its rules name, so it reads back whole
    mine = {i for i, n in nodes.items() if institution is None or n.institution in (institution, None)}
    mine |= {i for r in rules for i in (*r.mentions(), *(g.node for g in r.grants)) if i in nodes}
    resources: dict[str, dict[str, Any]] = {}
    for inst in sorted(doc.institutions, key=lambda i: i.id):
        if institution is None or inst.id == institution or any(nodes[i].institution == inst.id for i in mine):
            resources[inst.id] = {"@id": _uri("institution", inst.id, base), "@type": "ceterms:CredentialOrganization",
                                  "ceterms:ctid": ctid("institution", inst.id), "ceterms:name": _lang(inst.name),
                                  "ceterms:identifier": _identifier(inst.id)}
    node_resources = {i: _node_resource(nodes[i], base) for i in sorted(mine)}
    tvps = []
    for rule in rules:
        if rule.kind in _TVP_KINDS:
            tvps.append(_tvp(rule, nodes, base))
        elif rule.kind in _CONDITION_KINDS:
            for grant in rule.grants:
                if grant.node in node_resources:
                    node_resources[grant.node].setdefault("ceterms:requires", []).append(_condition(rule, nodes, base))
    return {"@context": [CONTEXT_URL, {"pathways": PATHWAYS_VOCAB}],
            "@graph": [*resources.values(), *node_resources.values(), *tvps]}


class _Reader:
    """Reads a CTDL graph back, collecting every problem with its path."""

    def __init__(self, graph: list[Any]) -> None:
        self.graph = graph
        self.problems: list[Problem] = []
        self.ids: dict[str, str] = {}
        for item in graph:
            if isinstance(item, dict) and isinstance(item.get("@id"), str):
                self.ids[item["@id"]] = self.pathways_id(item)

    @staticmethod
    def pathways_id(item: dict[str, Any]) -> str:
        for ident in _list(item.get("ceterms:identifier")):
            if isinstance(ident, dict) and _text(ident.get("ceterms:identifierTypeName")) == _ID_TYPE:
                return str(ident.get("ceterms:identifierValueCode"))
        return str(item.get("ceterms:ctid") or item.get("@id"))

    def ref(self, value: object, path: str) -> str | None:
        if isinstance(value, dict):
            value = value.get("@id")
        if isinstance(value, str) and value in self.ids:
            return self.ids[value]
        self.problems.append(Problem(path, f"{value!r} names no resource of this graph"))
        return None

    def refs(self, item: dict[str, Any], key: str, path: str) -> list[str]:
        values = _list(item.get(key))
        found = [self.ref(v, f"{path}.{key}[{i}]") for i, v in enumerate(values)]
        return [f for f in found if f is not None]


def _list(value: object) -> list[Any]:
    """A JSON-LD value as a list: one value or an array of them (absent: empty)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        return str(value.get(_LANG) or value.get("en") or next(iter(value.values())))
    return None


def _credits(profiles: object) -> float | None:
    if isinstance(profiles, list) and profiles and isinstance(profiles[0], dict):
        value = profiles[0].get("schema:value")
        return float(value) if isinstance(value, (int, float)) else None
    return None


def _hours(item: dict[str, Any]) -> float | None:
    for duration in _list(item.get("ceterms:estimatedDuration")):
        text = duration.get("ceterms:exactDuration") if isinstance(duration, dict) else None
        if isinstance(text, str) and text.startswith("PT") and text.endswith("H"):
            return float(text[2:-1])
    return None


def _node(reader: _Reader, item: dict[str, Any], kind: str, path: str) -> dict[str, Any]:
    owners = reader.refs(item, "ceterms:ownedBy", path)
    data: dict[str, Any] = {"id": reader.pathways_id(item), "kind": kind,
                            "title": _text(item.get("ceasn:competencyText" if kind == "competency" else "ceterms:name")) or ""}
    if owners:
        data["institution"] = owners[0]
    credits = _credits(_list(item.get("ceterms:creditValue")))
    if credits is not None:
        data["credits"] = credits
    hours = _hours(item)
    if hours is not None:
        data["hours"] = hours
    teaches = [reader.ref(a.get("ceterms:targetNode") if isinstance(a, dict) else a, f"{path}.ceterms:teaches[{i}]")
               for i, a in enumerate(_list(item.get("ceterms:teaches")))]
    if teaches:
        data["competencies"] = [t for t in teaches if t is not None]
    description = _text(item.get("ceasn:comment" if kind == "competency" else "ceterms:description"))
    if description:
        data["details"] = {"description": description}
    return {**data, **_read_extra(reader, item, path)}


def _read_extra(reader: _Reader, item: dict[str, Any], path: str) -> dict[str, Any]:
    raw = item.get("pathways:extra")
    if raw is None:
        return {}
    try:
        extra = decode_json(raw) if isinstance(raw, str) else None
    except InvalidInput:
        extra = None
    if not isinstance(extra, dict):
        reader.problems.append(Problem(f"{path}.pathways:extra", "must be a JSON object written as text"))
        return {}
    return extra


def _rule_common(reader: _Reader, item: dict[str, Any], path: str, fallback: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": item.get("pathways:ruleKind", "transfer"), **_read_extra(reader, item, path)}
    raw = item.get("pathways:requirement")
    if isinstance(raw, str):
        try:
            data["requires"] = decode_json(raw)
        except InvalidInput as err:
            reader.problems.append(Problem(f"{path}.pathways:requirement", f"not JSON: {err.detail}"))
    else:
        data["requires"] = fallback
    status = item.get("pathways:status")
    if status is None:
        target = item.get("ceterms:lifeCycleStatusType")
        concept = target.get("ceterms:targetNode") if isinstance(target, dict) else None
        status = _LIFECYCLE_STATUS.get(concept if isinstance(concept, str) else "", "approved")
    data["status"] = status
    note = _text(item.get("ceterms:description"))
    if note:
        data["note"] = note
    return data


def _tvp_rule(reader: _Reader, item: dict[str, Any], path: str) -> dict[str, Any]:
    sources = reader.refs(item, "ceterms:transferValueFrom", path)
    targets = reader.refs(item, "ceterms:transferValueFor", path)
    owners = reader.refs(item, "ceterms:ownedBy", path)
    values = _list(item.get("ceterms:transferValue"))
    leaves = [{"node": s} for s in sources]
    explicit = _grant_credits(item)
    grants = [{"node": t, **({"credits": c} if (c := _credits(values[i:i + 1])) is not None else {})} for i, t in enumerate(targets)]
    if explicit is not None:
        grants = [{"node": t, **({"credits": explicit[t]} if t in explicit else {})} for t in targets]
    data = {"id": reader.pathways_id(item), "granted_by": owners[0] if owners else "", "grants": grants,
            "implicit_credits": explicit is None,
            **_rule_common(reader, item, path, leaves[0] if len(leaves) == 1 else {"all": leaves})}
    for key, field in (("ceterms:startDate", "valid_from"), ("ceterms:endDate", "valid_to")):
        if item.get(key):
            data[field] = item[key]
    return data


def _grant_credits(item: dict[str, Any]) -> dict[str, float] | None:
    raw = item.get("pathways:grantCredits")
    if not isinstance(raw, str):
        return None
    try:
        value = decode_json(raw)
    except InvalidInput:
        return None
    return value if isinstance(value, dict) else None


def _condition_rules(reader: _Reader, item: dict[str, Any], node_id: str, path: str, rules: dict[str, dict[str, Any]]) -> None:
    for i, cond in enumerate(_list(item.get("ceterms:requires"))):
        cpath = f"{path}.ceterms:requires[{i}]"
        if not isinstance(cond, dict) or "pathways:rule" not in cond:
            continue
        rule_id = str(cond["pathways:rule"])
        credits = _grant_credits(cond) or {}
        grant = {"node": node_id, **({"credits": credits[node_id]} if node_id in credits else {})}
        if rule_id in rules:
            rules[rule_id]["grants"].append(grant)
            continue
        data = {"id": rule_id, "granted_by": cond.get("pathways:grantedBy", ""), **_rule_common(reader, cond, cpath, {}), "grants": [grant]}
        for key, field in (("ceterms:dateEffective", "valid_from"), ("ceterms:expirationDate", "valid_to")):
            if cond.get(key):
                data[field] = cond[key]
        rules[rule_id] = data


def _implicit_credits(entities: dict[str, list[tuple[str, dict[str, Any]]]]) -> None:
    """A transfer value equal to the granted node's own credits is what a grant without
    ``credits`` means: leave it implicit, as the rule was written."""
    credits = {node["id"]: node.get("credits", 0) for _, node in entities["nodes"]}
    for _, rule in entities["rules"]:
        if not rule.pop("implicit_credits", False):
            continue
        for grant in rule["grants"]:
            if "credits" in grant and credits.get(grant["node"]) == grant["credits"]:
                del grant["credits"]


def read_ctdl(data: object) -> Document:
    """Read a CTDL JSON-LD document (as :func:`ctdl_document` writes it) into a ``pathways/1`` document.

    Raises :class:`InvalidInput` naming every problem, with paths such as
    ``@graph[4].ceterms:transferValueFrom[0]``.
    """
    graph = data.get("@graph") if isinstance(data, dict) else None
    if not isinstance(graph, list):
        raise InvalidInput.one("@graph", "a CTDL document must be an object with a @graph list")
    reader = _Reader(graph)
    entities: dict[str, list[tuple[str, dict[str, Any]]]] = {"institutions": [], "nodes": [], "rules": []}
    conditions: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(graph):
        path = f"@graph[{i}]"
        cls = item.get("@type") if isinstance(item, dict) else None
        if isinstance(cls, list) and len(cls) == 1:
            cls = cls[0]
        if not isinstance(item, dict) or not isinstance(cls, str):
            reader.problems.append(Problem(path, "must be an object with a @type"))
        elif cls in ("ceterms:CredentialOrganization", "ceterms:QACredentialOrganization"):
            entities["institutions"].append((path, {"id": reader.pathways_id(item), "name": _text(item.get("ceterms:name")) or ""}))
        elif cls in _CLASS_KIND:
            node = _node(reader, item, _CLASS_KIND[cls], path)
            entities["nodes"].append((path, node))
            _condition_rules(reader, item, node["id"], path, conditions)
        elif cls == "ceterms:TransferValueProfile":
            before = len(reader.problems)
            rule = _tvp_rule(reader, item, path)
            if len(reader.problems) == before:
                entities["rules"].append((path, rule))
    entities["rules"].extend((f"rule {rid}", rule) for rid, rule in conditions.items())
    _implicit_credits(entities)
    parsed: dict[str, list[Any]] = {}
    for key, cls_ in (("institutions", Institution), ("nodes", Node), ("rules", Rule)):
        parsed[key] = []
        for path, value in entities[key]:
            entity, problems = parse_entity(cls_, value, path)  # type: ignore[type-var]
            reader.problems.extend(problems)
            if entity is not None:
                parsed[key].append(entity)
    if reader.problems:
        raise InvalidInput(reader.problems)
    return Document(**parsed)
