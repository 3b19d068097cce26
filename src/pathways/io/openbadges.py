"""Open Badges 3.0 (and CLR 2.0) credentials presented for evaluation, reduced to badge claims.

A presented ``OpenBadgeCredential`` (or ``AchievementCredential``) names what was achieved in
``credentialSubject.achievement``: its ``id`` and the ``targetUrl`` of each ``alignment`` are
the identifiers a node's ``identifiers`` list is matched against, in that order. The
credential's ``validFrom`` (``issuanceDate`` in Verifiable Credentials 1.1) is the earned
date. A ``ClrCredential`` is a transcript: each credential in
``credentialSubject.verifiableCredential`` is read the same way. Proofs are not verified here:
pathways answers "what would this count toward", not "is this badge genuine".

A malformed credential is an :class:`~pathways.errors.InvalidInput` naming every problem
with its path, e.g. ``credentials[0].credentialSubject.achievement.id``.

The other way, :func:`achievements` writes each micro-credential node as an Open Badges 3.0
``Achievement`` (the object an issuer puts in every badge it awards): its id is the node's
first identifier (so a badge carrying it is recognized again), else ``urn:pathways:node:ID``;
``achievementType`` ``MicroCredential``; ``creditsAvailable`` the node's credits;
``humanCode`` the node id; its competencies as ``alignment`` entries.

Example:
    >>> claims = badge_claims([{"type": ["VerifiableCredential", "OpenBadgeCredential"],
    ...     "validFrom": "2025-04-30T00:00:00Z",
    ...     "credentialSubject": {"achievement": {"id": "https://badges.example.org/achievements/ps-ess",
    ...         "alignment": [{"targetUrl": "https://ctdl.example/ce-1"}]}}}])
    >>> claims[0].identifiers, claims[0].earned
    (('https://badges.example.org/achievements/ps-ess', 'https://ctdl.example/ce-1'), datetime.date(2025, 4, 30))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput, Problem
from ..model import BadgeClaim, Document, Institution, Node

__all__ = ["ACHIEVEMENT_TYPES", "achievement", "achievements", "badge_claims"]

ACHIEVEMENT_TYPES: frozenset[str] = frozenset({"OpenBadgeCredential", "AchievementCredential"})
"""Credential types that carry one achievement."""

_CLR_TYPES = frozenset({"ClrCredential"})


def badge_claims(credentials: Sequence[object], path: str = "credentials") -> list[BadgeClaim]:
    """Parse presented credentials into claims, raising :class:`InvalidInput` with every problem."""
    problems: list[Problem] = []
    claims: list[BadgeClaim] = []
    for i, credential in enumerate(credentials):
        _credential(credential, f"{path}[{i}]", claims, problems)
    if problems:
        raise InvalidInput(problems)
    return claims


def _types(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {t for t in value if isinstance(t, str)}
    return set()


def _credential(value: object, path: str, claims: list[BadgeClaim], problems: list[Problem]) -> None:
    if not isinstance(value, dict):
        problems.append(Problem(path, "a credential must be a JSON object"))
        return
    types = _types(value.get("type"))
    subject = value.get("credentialSubject")
    if types & _CLR_TYPES:
        inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
        if not isinstance(inner, list):
            problems.append(Problem(f"{path}.credentialSubject.verifiableCredential", "a CLR credential must list its credentials"))
            return
        for j, credential in enumerate(inner):
            _credential(credential, f"{path}.credentialSubject.verifiableCredential[{j}]", claims, problems)
        return
    if not types & ACHIEVEMENT_TYPES:
        problems.append(Problem(f"{path}.type", "expected an OpenBadgeCredential, AchievementCredential or ClrCredential"))
        return
    before = len(problems)
    earned = _earned(value, path, problems)
    until = _date(value, "validUntil", path, problems) if "validUntil" in value else None
    if not isinstance(subject, dict):
        problems.append(Problem(f"{path}.credentialSubject", "must be an object"))
        return
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        problems.append(Problem(f"{path}.credentialSubject.achievement", "must be an object"))
        return
    ident = achievement.get("id")
    if not isinstance(ident, str) or not ident:
        problems.append(Problem(f"{path}.credentialSubject.achievement.id", "must be a non-empty string"))
        return
    identifiers = [ident]
    alignments = achievement.get("alignment", [])
    if not isinstance(alignments, list):
        problems.append(Problem(f"{path}.credentialSubject.achievement.alignment", "must be a list"))
        alignments = []
    for k, alignment in enumerate(alignments):
        url = alignment.get("targetUrl") if isinstance(alignment, dict) else None
        if not isinstance(url, str) or not url:
            problems.append(Problem(f"{path}.credentialSubject.achievement.alignment[{k}].targetUrl", "must be a non-empty string"))
        else:
            identifiers.append(url)
    if len(problems) == before:
        claims.append(BadgeClaim(tuple(dict.fromkeys(identifiers)), earned, path, until))


def _earned(value: dict[str, Any], path: str, problems: list[Problem]) -> dt.date | None:
    key = "validFrom" if "validFrom" in value else "issuanceDate" if "issuanceDate" in value else None
    if key is None:
        return None
    return _date(value, key, path, problems)


def _date(value: dict[str, Any], key: str, path: str, problems: list[Problem]) -> dt.date | None:
    raw = value[key]
    if isinstance(raw, str):
        try:
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
    problems.append(Problem(f"{path}.{key}", f"must be an ISO 8601 date-time, got {raw!r}"))
    return None


def _urn(entity: str, ident: str) -> str:
    return f"urn:pathways:{entity}:{ident}"


def _narrative(node: Node) -> str:
    """What earning the achievement takes, from the node's Critical Information Summary fields."""
    parts = []
    outcomes = node.details.get("learning_outcomes")
    if isinstance(outcomes, list) and outcomes:
        parts.append("Learning outcomes: " + "; ".join(str(o) for o in outcomes) + ".")
    elif isinstance(outcomes, str) and outcomes:
        parts.append(outcomes)
    assessment = node.details.get("assessment_method")
    if isinstance(assessment, str) and assessment:
        parts.append(f"Assessment: {assessment}.")
    return " ".join(parts) or f"Complete {node.title}."


def achievement(node: Node, nodes: dict[str, Node], institutions: dict[str, Institution]) -> dict[str, Any]:
    """One node as an Open Badges 3.0 ``Achievement``.

    >>> node = Node(id="UFV:SEO", kind="micro_credential", institution="UFV", title="SEO", credits=1)
    >>> a = achievement(node, {}, {})
    >>> a["id"], a["achievementType"], a["creditsAvailable"], a["creator"]["name"]
    ('urn:pathways:node:UFV:SEO', 'MicroCredential', 1, 'UFV')
    """
    description = node.details.get("description")
    out: dict[str, Any] = {
        "id": node.identifiers[0] if node.identifiers else _urn("node", node.id),
        "type": ["Achievement"],
        "achievementType": "MicroCredential" if node.kind == "micro_credential" else "Course" if node.kind == "course" else "Achievement",
        "name": node.title,
        "description": description if isinstance(description, str) and description else node.title,
        "criteria": {"narrative": _narrative(node)},
        "humanCode": node.id,
    }
    if node.credits > 0:
        out["creditsAvailable"] = int(node.credits) if float(node.credits).is_integer() else node.credits
    if node.institution:
        inst = institutions.get(node.institution)
        out["creator"] = {"id": _urn("institution", node.institution), "type": ["Profile"], "name": inst.name if inst else node.institution}
    if node.subject:
        out["fieldOfStudy"] = node.subject
    alignments = []
    for comp_id in node.competencies:
        comp = nodes.get(comp_id)
        alignments.append({"type": ["Alignment"], "targetName": comp.title if comp else comp_id,
                           "targetUrl": comp.identifiers[0] if comp and comp.identifiers else _urn("node", comp_id),
                           "targetCode": comp_id, "targetType": "ceasn:Competency"})
    if alignments:
        out["alignment"] = alignments
    return out


def achievements(doc: Document, *, institution: str | None = None) -> list[dict[str, Any]]:
    """Every micro-credential of ``doc`` (of ``institution`` only, when given) as an ``Achievement``, by node id."""
    nodes = {n.id: n for n in doc.nodes}
    institutions = {i.id: i for i in doc.institutions}
    return [achievement(n, nodes, institutions) for n in sorted(doc.nodes, key=lambda n: n.id)
            if n.kind == "micro_credential" and (institution is None or n.institution == institution)]
