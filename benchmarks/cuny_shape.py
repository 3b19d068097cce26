"""The CUNY shape: about 1.5 million course-to-course transfer rules among 21 colleges.

Published figures (DOMAIN.md, "Transfer systems at scale"): 1,485,770 transfer rules, 91% of
them blanket credit only (the receiving college grants an elective such as ``QNS:HIST-1XX``),
99.5% one-to-one (one sending course, one receiving node), grade ranges on sending courses,
and over 10,000 ambiguous rules where two rules compete for the same course. At scale 1.0
each college has about 3,500 courses and every course has a rule to every other college;
the scale multiplies the courses per college, so the proportions hold at any scale.

Example:
    >>> import random
    >>> doc = build(0.001, random.Random(0))
    >>> len(doc.institutions), len(doc.rules) > 1000
    (21, True)
"""

from __future__ import annotations

import random

from pathways.model import All, Document, Grant, NodeLeaf, Requirement, Rule

from .catalogue import TERM_STARTS, Catalogue, Course, make_rule

__all__ = ["COLLEGES", "PUBLISHED_RULES", "build"]

PUBLISHED_RULES = 1_485_770

COLLEGES: tuple[tuple[str, str, str], ...] = (
    ("BAR", "Baruch College", "senior"), ("BCC", "Bronx Community College", "community"),
    ("BKL", "Brooklyn College", "senior"), ("BMC", "Borough of Manhattan Community College", "community"),
    ("CSI", "College of Staten Island", "senior"), ("CTY", "City College", "senior"),
    ("HOS", "Hostos Community College", "community"), ("HTR", "Hunter College", "senior"),
    ("JJC", "John Jay College of Criminal Justice", "senior"), ("KCC", "Kingsborough Community College", "community"),
    ("LAG", "LaGuardia Community College", "community"), ("LEH", "Lehman College", "senior"),
    ("MEC", "Medgar Evers College", "senior"), ("NCC", "Guttman Community College", "community"),
    ("NYT", "New York City College of Technology", "senior"), ("QCC", "Queensborough Community College", "community"),
    ("QNS", "Queens College", "senior"), ("SLU", "School of Labor and Urban Studies", "senior"),
    ("SPS", "School of Professional Studies", "senior"), ("YRK", "York College", "senior"),
    ("SPH", "Graduate School of Public Health", "senior"),
)  # fmt: skip

SOURCE = "synthetic, CUNY shape"
P_CLUSTER = 0.0025  # two sending courses together: not one-to-one
P_SPLIT = 0.0025  # one sending course granting two nodes: not one-to-one
P_AMBIGUOUS = 0.0069  # a second, competing rule for the same course and college (~10,000 at scale 1)
P_BLANKET = 0.919  # of the first rules; the competing ones grant a named course, so ~91% overall
P_EXPIRED = 0.04
# Minimum grades on sending courses, one entry per percent: drawn with one random() call.
MIN_GRADES: tuple[str | None, ...] = (None,) * 60 + ("D",) * 22 + ("C-",) * 6 + ("C",) * 10 + ("B-",) * 2
_LEVELS = {"senior": ((1, 2, 3, 4), (35, 30, 20, 15)), "community": ((1, 2), (60, 40))}
_CREDITS = ((3, 4, 1, 2), (70, 20, 5, 5))


def build(scale: float, rng: random.Random) -> Document:
    """A CUNY-shaped graph with about ``1,485,770 * scale`` rules (at least 4 courses per college)."""
    n = len(COLLEGES)
    per_college = max(4, round(PUBLISHED_RULES * scale / (n * (n - 1) * (1 + P_AMBIGUOUS))))
    cat = Catalogue(rng, subjects=max(2, min(40, per_college // 6)))
    for code, name, kind in COLLEGES:
        cat.add_institution(code, name, "NY", f"{kind} college")
    for code, _, kind in COLLEGES:
        _add_courses(cat, code, kind, per_college)
    top_level = {code: 4 if kind == "senior" else 2 for code, _, kind in COLLEGES}
    rules: list[Rule] = []
    for sender, _, _ in COLLEGES:
        for course in cat.courses[sender]:
            for receiver, _, _ in COLLEGES:
                if receiver != sender:
                    rules.extend(_rules_for(cat, course, receiver, min(course.level, top_level[receiver])))
    return Document(institutions=cat.institutions, nodes=cat.nodes, rules=rules)


def _add_courses(cat: Catalogue, college: str, kind: str, count: int) -> None:
    rng = cat.rng
    levels, weights = _LEVELS[kind]
    drawn = sorted(rng.choices(levels, weights, k=count))
    tuition = 305 if kind == "senior" else 210
    for level, subject in zip(drawn, cat.course_subjects(count)):
        prereq = cat.prerequisite_for(college, subject, level) if level > 1 and rng.random() < 0.3 else None
        credits = rng.choices(*_CREDITS)[0]
        cat.add_course(college, subject, level, credits=credits, tuition_per_credit=tuition, prerequisites=prereq)


def _rules_for(cat: Catalogue, course: Course, receiver: str, level: int) -> list[Rule]:
    rng = cat.rng
    rid = f"{course.id}>{receiver}"
    window = _window(rng)
    grade = MIN_GRADES[int(rng.random() * 100)]
    leaf = NodeLeaf(course.id, grade)
    requires: Requirement = leaf
    u = rng.random()
    if u < P_CLUSTER:
        partners = [c for c in cat.by_subject[(course.institution, course.subject)] if c.id != course.id]
        if partners:
            requires = All((leaf, NodeLeaf(rng.choice(partners).id, grade)))
    blanket = cat.grant(cat.blanket(receiver, course.subject, level))
    if P_CLUSTER <= u < P_CLUSTER + P_SPLIT:
        grants = [_named(cat, course, receiver, level) or blanket, blanket]
        if grants[0] is blanket:
            grants = [blanket]
    elif rng.random() < P_BLANKET:
        grants = [blanket]
    else:
        grants = [_named(cat, course, receiver, level) or blanket]
    out = [make_rule(id=rid, kind="transfer", granted_by=receiver, requires=requires, grants=grants, source=SOURCE, **window)]
    if rng.random() < P_AMBIGUOUS:
        named = _named(cat, course, receiver, level)
        if named is not None:
            out.append(
                make_rule(
                    id=f"{rid}/2", kind="transfer", granted_by=receiver, requires=NodeLeaf(course.id, "C"), grants=[named],
                    source=SOURCE, note="competes with " + rid, **window,
                )  # fmt: skip
            )
    return out


def _named(cat: Catalogue, course: Course, receiver: str, level: int) -> Grant | None:
    """A grant of the course at ``receiver`` equivalent to ``course``, if the receiver teaches the subject."""
    target = cat.equivalent(course, receiver, level)
    return None if target is None else cat.grant(target.id)


def _window(rng: random.Random) -> dict[str, object]:
    start = rng.randrange(0, 51)  # opened 2000-2016
    if rng.random() >= P_EXPIRED:
        return {"valid_from": TERM_STARTS[start]}
    end = rng.randrange(start + 9, len(TERM_STARTS))
    return {"valid_from": TERM_STARTS[start], "valid_to": TERM_STARTS[end]}
