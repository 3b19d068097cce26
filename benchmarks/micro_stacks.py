"""Micro-credentials for the BC shape: micro-courses stacked into badges, badges into milestones.

Modelled on DOMAIN.md's worked examples: a micro-credential is 4-9 short micro-courses
(10-40 hours each, under 288 hours in all; credit-bearing ones carry 0.5 or 1 credit),
earned by ``all`` of them, by core courses plus ``at_least k`` electives (RRU Climate
Adaptation: 2 core + 2 of 8), by a ``credits ... of`` pool, or by competencies. Some
ladder into a course (BCIT mass timber), some convert three micro-courses into a 3-credit
course by PLAR (UFV GD 157), some expire (Foodsafe: five years), a few are pilots, and every
three micro-credentials of an institution stack into a milestone award (CapU tiers).

Example:
    >>> import random
    >>> from benchmarks.catalogue import Catalogue
    >>> cat = Catalogue(random.Random(1))
    >>> cat.add_institution("UFV", "University of the Fraser Valley", "BC", "university")
    >>> for ident in ("CMP:DIGITAL-1", "CMP:DIGITAL-2"):
    ...     _ = cat.add_node(id=ident, kind="competency", title=ident)
    >>> rules = build(cat, ["UFV"], ("CMP:DIGITAL-1", "CMP:DIGITAL-2"), count=3)
    >>> sorted({r.kind for r in rules} & {"stack"}), any(n.kind == "micro_credential" for n in cat.nodes)
    (['stack'], True)
"""

from __future__ import annotations

from pathways.model import All, AtLeast, CompetencyLeaf, CreditsOf, NodeLeaf, Requirement, Rule

from .catalogue import SUBJECTS, TERM_STARTS, Catalogue, make_rule

__all__ = ["build"]

SOURCE = "synthetic, BC shape (micro-credentials)"
_FIRST_TERM = 60  # micro-credential rules open 2020 or later


def build(cat: Catalogue, institutions: list[str], competencies: tuple[str, ...], *, count: int) -> list[Rule]:
    """``count`` micro-credentials spread over ``institutions``, with their stack, ladder and PLAR rules."""
    rng = cat.rng
    rules: list[Rule] = []
    every_micro_course: list[str] = []
    badges: dict[str, list[str]] = {}
    credit_bearing_so_far = 0
    for k in range(count):
        code = institutions[k % len(institutions)]
        subject = cat.random_subject()
        pattern = k % 10  # 0-3: all; 4-7: core + electives; 8: a credit pool; 9: competencies
        credit_bearing = pattern == 8 or (pattern != 9 and rng.random() < 0.6)
        size = rng.randint(4, 9)
        window = {"valid_from": TERM_STARTS[rng.randrange(_FIRST_TERM, len(TERM_STARTS))]}
        parts: list[tuple[str, float]] = []
        hours = 0
        shown: set[str] = set()
        for j in range(size):
            ident = f"{code}:MC{k:04d}-{j}"
            credits = rng.choice((0.5, 1)) if credit_bearing else 0
            prereq = NodeLeaf(parts[-1][0]) if parts and rng.random() < 0.3 else None
            competency = rng.choice(competencies)
            node = cat.add_node(
                id=ident, kind="course", institution=code, title=f"{SUBJECTS[subject]} micro-course {k}.{j}", credits=credits,
                level=1, subject=subject, hours=5 * rng.randint(2, 8), cost=50 * rng.randint(3, 18),
                competencies=[competency], prerequisites=prereq,
                details={"format": "micro-course", "delivery_mode": rng.choice(("online", "on site", "both"))},
            )  # fmt: skip
            hours += node.hours or 0
            shown.add(competency)
            parts.append((ident, credits))
        badge = f"{code}:MCR{k:04d}"
        leaves = [NodeLeaf(p) for p, _ in parts]
        if every_micro_course and rng.random() < 0.05:  # a cross-institution credential (UBC + BCIT food safety)
            leaves[-1] = NodeLeaf(rng.choice(every_micro_course))
        requires = _stack_requirement(pattern, leaves, parts, tuple(sorted(shown)))
        cat.add_node(
            id=badge, kind="micro_credential", institution=code, title=f"{SUBJECTS[subject]} micro-credential {k}",
            credits=sum(c for _, c in parts), subject=subject, level=1, hours=hours, identifiers=[f"https://badges.example.org/{code.lower()}/mcr{k:04d}"],
            details={"credit_status": "credit" if credit_bearing else "non-credit", "illustrative": True},
        )  # fmt: skip
        status = "pilot" if k % 20 == 3 else "proposed" if k % 50 == 11 else "approved"  # 5% pilots (SFU FASS), 2% proposed
        expiry = {"max_age_years": 5} if rng.random() < 0.1 else {}
        rules.append(make_rule(id=f"{badge}/stack", kind="stack", granted_by=code, requires=requires, grants=[cat.grant(badge)],
                               status=status, source=SOURCE, **expiry, **window))  # fmt: skip
        if credit_bearing:
            # Every other credit-bearing badge is recognized for credit; alternately by ladder and by PLAR
            # with a 3:2 ratio, counted rather than drawn so that both appear even in tiny graphs.
            if credit_bearing_so_far % 2 == 0:
                ladder = (credit_bearing_so_far // 2) % 5 in (0, 2, 4)
                rules.append(_recognition(cat, code, subject, badge, parts, ladder=ladder, window=window))
            credit_bearing_so_far += 1
        every_micro_course.extend(p for p, _ in parts)
        badges.setdefault(code, []).append(badge)
    for code, owned in badges.items():
        for m in range(len(owned) // 3):
            trio = tuple(NodeLeaf(b) for b in owned[3 * m : 3 * m + 3])
            ident = f"{code}:MILESTONE-{m}"
            cat.add_node(id=ident, kind="micro_credential", institution=code, title=f"Award of Achievement {m}",
                         details={"illustrative": True})  # fmt: skip
            rules.append(make_rule(id=f"{ident}/stack", kind="stack", granted_by=code, requires=AtLeast(2, trio),
                                   grants=[cat.grant(ident)], source=SOURCE))  # fmt: skip
    return rules


def _stack_requirement(
    pattern: int, leaves: list[NodeLeaf], parts: list[tuple[str, float]], competencies: tuple[str, ...]
) -> Requirement:
    if pattern < 4:
        return All(tuple(leaves))
    if pattern < 8:
        core, electives = leaves[:2], leaves[2:]
        return All((*core, AtLeast(max(1, len(electives) // 2), tuple(electives))))
    if pattern == 8:
        total = sum(c for _, c in parts)
        return CreditsOf(max(0.5, total - 1), tuple(leaves))
    return All(tuple(CompetencyLeaf(c) for c in competencies[:3]))


def _recognition(
    cat: Catalogue, code: str, subject: str, badge: str, parts: list[tuple[str, float]], *, ladder: bool,
    window: dict[str, object],
) -> Rule:  # fmt: skip
    """Credit for a credit-bearing micro-credential: a ladder from the badge, or PLAR of three micro-courses."""
    courses = [c for c in cat.by_subject.get((code, subject), []) if c.level == 1]
    # Never an unrelated course: a subject with none at level 1 gets its own (equivalence is not inferred across fields).
    target = cat.grant(cat.rng.choice(courses).id if courses else cat.add_course(code, subject, 1).id)
    if ladder:
        return make_rule(id=f"{badge}/ladder", kind="ladder", granted_by=code, requires=NodeLeaf(badge), grants=[target],
                         source=SOURCE, **window)  # fmt: skip
    trio = tuple(NodeLeaf(p) for p, _ in parts[:3])
    return make_rule(id=f"{badge}/plar", kind="plar", granted_by=code, requires=All(trio), grants=[target],
                     approved_by=f"{code} Senate", source=SOURCE, note="three micro-courses = one 3-credit course", **window)  # fmt: skip
