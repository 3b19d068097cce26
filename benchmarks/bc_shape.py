"""The BC shape: the BC Transfer System's agreements plus micro-credential stacks and degrees.

Published figures (DOMAIN.md, "Transfer systems at scale"): over 239,000 course-transfer
agreements (assigned, unassigned such as "UVIC HIST 200 level (1.5)", and clusters of
courses taken together), about 1,400 block transfers (a credential for a block of credits)
and 50 guaranteed-admission agreements among 37 institutions, every agreement with effective
dates. To exercise the rest of the engine the shape adds, in proportion to the scale:
micro-credentials stacked from micro-courses (``all``, core plus ``at_least k`` electives,
``credits ... of`` pools, competency leaves), milestone stacks of micro-credentials, ladders
and PLAR rules into courses, program credentials (certificates, diplomas, associate degrees)
with ``credits ... where`` pools, and a few degrees with pools and ``limits``.

Example:
    >>> import random
    >>> doc = build(0.005, random.Random(0))
    >>> len(doc.institutions), sorted({r.kind for r in doc.rules})
    (37, ['admission', 'ladder', 'plar', 'stack', 'transfer'])
"""

from __future__ import annotations

import itertools
import random

from pathways.model import All, Any_, AtLeast, CreditsWhere, Document, Filter, Limits, NodeLeaf, Requirement, Rule

from . import micro_stacks
from .catalogue import SUBJECTS, TERM_STARTS, Catalogue, Course, make_rule

__all__ = ["INSTITUTIONS", "PUBLISHED", "build"]

PUBLISHED = {"course_agreements": 239_000, "block_transfers": 1_400, "admission_agreements": 50, "institutions": 37}

INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("UBCV", "University of British Columbia Vancouver", "university"), ("UBCO", "University of British Columbia Okanagan", "university"),
    ("SFU", "Simon Fraser University", "university"), ("UVIC", "University of Victoria", "university"),
    ("UNBC", "University of Northern British Columbia", "university"), ("TRU", "Thompson Rivers University", "university"),
    ("VIU", "Vancouver Island University", "university"), ("UFV", "University of the Fraser Valley", "university"),
    ("KPU", "Kwantlen Polytechnic University", "university"), ("CAPU", "Capilano University", "university"),
    ("RRU", "Royal Roads University", "university"), ("ECUAD", "Emily Carr University of Art + Design", "university"),
    ("TWU", "Trinity Western University", "university"), ("ATHA", "Athabasca University", "university"),
    ("UCW", "University Canada West", "university"), ("FDU", "Fairleigh Dickinson University Vancouver", "university"),
    ("QUEST", "Quest University Canada", "university"), ("YUKU", "Yukon University", "university"),
    ("CAM", "Camosun College", "college"), ("DOUG", "Douglas College", "college"), ("LANG", "Langara College", "college"),
    ("OC", "Okanagan College", "college"), ("SEL", "Selkirk College", "college"), ("CNC", "College of New Caledonia", "college"),
    ("COTR", "College of the Rockies", "college"), ("NIC", "North Island College", "college"),
    ("NLC", "Northern Lights College", "college"), ("CMTN", "Coast Mountain College", "college"),
    ("VCC", "Vancouver Community College", "college"), ("ALEX", "Alexander College", "college"),
    ("COQU", "Coquitlam College", "college"), ("COLU", "Columbia College", "college"),
    ("CORN", "Corpus Christi College", "college"), ("CAMO", "Canadian Mennonite College", "college"),
    ("BCIT", "British Columbia Institute of Technology", "institute"), ("JIBC", "Justice Institute of British Columbia", "institute"),
    ("NVIT", "Nicola Valley Institute of Technology", "institute"),
)  # fmt: skip

SOURCE = "synthetic, BC shape"
COMPETENCIES = tuple(f"CMP:{s}-{k}" for s in ("DIGITAL", "SAFETY", "LEADERSHIP", "DATA", "CLIMATE") for k in range(1, 9))
_LEVELS = {"university": (1, 2, 3, 4), "college": (1, 2), "institute": (1, 2, 3)}
_COURSE_SHARE = {"university": 1.25, "college": 0.8, "institute": 0.8}  # courses per institution, relative
_RECEIVER_WEIGHT = {"university": 5, "college": 1, "institute": 2}
_AGREEMENTS_PER_COURSE = ((2, 3, 4, 5, 6), (16, 20, 25, 20, 19))  # mean 4.06: 239,000 over ~59,000 courses
MIN_GRADES: tuple[str | None, ...] = (None,) * 77 + ("C",) * 15 + ("C-",) * 5 + ("B",) * 3
P_ASSIGNED, P_UNASSIGNED = 0.55, 0.90  # cumulative; the rest (10%) are clusters
P_ENDED = 0.2
MICRO_CREDENTIALS = 370  # at scale 1.0: about ten per institution


def build(scale: float, rng: random.Random) -> Document:
    """A BC-shaped graph with about ``239,000 * scale`` course agreements (and the rest in proportion)."""
    per_institution = PUBLISHED["course_agreements"] * scale / (len(INSTITUTIONS) * 4.06)
    smallest = max(6, round(per_institution * min(_COURSE_SHARE.values())))
    cat = Catalogue(rng, subjects=max(2, min(40, smallest // 6)))
    kinds = {code: kind for code, _, kind in INSTITUTIONS}
    for code, name, kind in INSTITUTIONS:
        cat.add_institution(code, name, "BC", kind)
    for ident in COMPETENCIES:
        cat.add_node(id=ident, kind="competency", title=ident.split(":")[1].replace("-", " ").title())
    for code, _, kind in INSTITUTIONS:
        _add_courses(cat, code, kind, max(6, round(per_institution * _COURSE_SHARE[kind])))
    rules: list[Rule] = []
    for code, _, _ in INSTITUTIONS:
        receivers = [c for c, _, _ in INSTITUTIONS if c != code]
        cum = list(itertools.accumulate(_RECEIVER_WEIGHT[kinds[c]] for c in receivers))
        for course in cat.courses[code]:
            k = rng.choices(*_AGREEMENTS_PER_COURSE)[0]
            chosen: set[str] = set()
            while len(chosen) < k:
                chosen.add(rng.choices(receivers, cum_weights=cum)[0])
            for receiver in sorted(chosen):
                rules.append(_course_agreement(cat, course, receiver, kinds[receiver]))
    rules.extend(_credentials(cat, kinds, scale))
    offering = [c for c, _, _ in INSTITUTIONS]
    rules.extend(micro_stacks.build(cat, offering, COMPETENCIES, count=max(12, round(MICRO_CREDENTIALS * scale))))
    return Document(institutions=cat.institutions, nodes=cat.nodes, rules=rules)


def _add_courses(cat: Catalogue, code: str, kind: str, count: int) -> None:
    rng = cat.rng
    credits_here = 1.5 if code == "UVIC" else None  # UVIC counts in units: a course is 1.5
    tuition = 200 if kind == "college" else 190 if code == "UVIC" else 260
    levels = sorted(rng.choice(_LEVELS[kind]) for _ in range(count))
    for level, subject in zip(levels, cat.course_subjects(count)):
        prereq = cat.prerequisite_for(code, subject, level) if level > 1 and rng.random() < 0.35 else None
        credits = credits_here or rng.choices((3, 4, 1, 6), (80, 10, 5, 5))[0]
        cat.add_course(code, subject, level, credits=credits, tuition_per_credit=tuition, prerequisites=prereq)


def _window(rng: random.Random, first: int = 0) -> dict[str, object]:
    """Effective dates: every BC agreement has a start; some have ended since."""
    start = rng.randrange(first, len(TERM_STARTS) - 3)
    if rng.random() >= P_ENDED:
        return {"valid_from": TERM_STARTS[start]}
    return {"valid_from": TERM_STARTS[start], "valid_to": TERM_STARTS[rng.randrange(start + 3, len(TERM_STARTS))]}


def _course_agreement(cat: Catalogue, course: Course, receiver: str, kind: str) -> Rule:
    rng = cat.rng
    level = min(course.level, max(_LEVELS[kind]))
    grade = MIN_GRADES[int(rng.random() * 100)]
    leaf = NodeLeaf(course.id, grade)
    requires: Requirement = leaf
    named = cat.equivalent(course, receiver, level)
    u = rng.random()
    if u >= P_UNASSIGNED:
        partners = [c for c in cat.by_subject[(course.institution, course.subject)] if c.id != course.id]
        if partners:
            others = rng.sample(partners, min(len(partners), rng.choice((1, 1, 2))))
            requires = All((leaf, *(NodeLeaf(c.id, grade) for c in others)))
    if named and (u < P_ASSIGNED or u >= P_UNASSIGNED):
        grants = [cat.grant(named.id)]
    else:
        blanket_credits = 1.5 if receiver == "UVIC" else 3
        blanket = cat.blanket(receiver, course.subject, level, credits=blanket_credits)
        credits = course.credits / 2 if receiver == "UVIC" and course.institution != "UVIC" else course.credits
        grants = [cat.grant(blanket, None if credits == blanket_credits else credits)]
    return make_rule(
        id=f"{course.id}>{receiver}", kind="transfer", granted_by=receiver, requires=requires, grants=grants,
        source=SOURCE, **_window(rng),
    )  # fmt: skip


def _credentials(cat: Catalogue, kinds: dict[str, str], scale: float) -> list[Rule]:
    """Program credentials with their stack rules, block transfers, admissions and degrees."""
    rng = cat.rng
    rules: list[Rule] = []
    senders: list[tuple[str, float, str]] = []  # (credential id, credits, subject) that block transfers start from
    per_institution = max(1, round(9.5 * scale))
    for code, _, kind in INSTITUTIONS:
        if kind == "university":
            continue
        for i in range(per_institution):
            subject = cat.random_subject()
            program = cat.by_subject.get((code, subject)) or cat.courses[code]
            form, credits = rng.choice((("CERT", 30), ("DIP", 60), ("AA", 60)))
            ident = f"{code}:{form}-{subject}-{i}"
            title = {"CERT": "Certificate", "DIP": "Diploma", "AA": "Associate of Arts Degree"}[form]
            cat.add_node(id=ident, kind="credential", institution=code, title=f"{title}, {SUBJECTS[subject]}", credits=credits, subject=subject)
            picks = tuple(NodeLeaf(c.id) for c in rng.sample(program, min(len(program), 8)))
            requires: Requirement
            if form == "CERT":
                requires = AtLeast(max(1, len(picks) - 2), picks)
            elif form == "DIP":
                requires = All((AtLeast(max(1, len(picks) - 2), picks), CreditsWhere(36, Filter(institution=code))))
            else:
                requires = All((CreditsWhere(6, Filter(subject="ENGL")), CreditsWhere(18, Filter(subject=subject, level_min=2)),
                                CreditsWhere(36, Filter(kind="course"))))  # fmt: skip
            rules.append(make_rule(id=f"{ident}/stack", kind="stack", granted_by=code, requires=requires,
                                   grants=[cat.grant(ident)], source=SOURCE))  # fmt: skip
            senders.append((ident, credits, subject))
    universities = [c for c, _, k in INSTITUTIONS if k == "university"]
    rules.extend(_blocks(cat, senders, universities, max(2, round(PUBLISHED["block_transfers"] * scale))))
    rules.extend(_admissions(cat, senders, universities, max(1, round(PUBLISHED["admission_agreements"] * scale))))
    for i in range(max(2, round(40 * scale))):
        code = universities[i % len(universities)]
        subject = cat.random_subject()
        ident = f"{code}:BA-{subject}-{i}"
        cat.add_node(id=ident, kind="credential", institution=code, title=f"Bachelor of Arts, {SUBJECTS[subject]}", credits=120,
                     subject=subject, limits=Limits(max_recognized_credits=60, min_residency_credits=45))  # fmt: skip
        requires = All((CreditsWhere(30, Filter(subject=subject, level_min=3)), CreditsWhere(6, Filter(subject="ENGL")),
                        CreditsWhere(84, Filter(kind="course"))))  # fmt: skip
        rules.append(make_rule(id=f"{ident}/stack", kind="stack", granted_by=code, requires=requires, grants=[cat.grant(ident)],
                               source=SOURCE))  # fmt: skip
    return rules


def _blocks(cat: Catalogue, senders: list[tuple[str, float, str]], universities: list[str], count: int) -> list[Rule]:
    rng = cat.rng
    seen: set[tuple[str, str]] = set()
    blocks: set[str] = set()
    rules = []
    for _ in range(count * 3):
        if len(rules) == count:
            break
        ident, credits, subject = rng.choice(senders)
        receiver = rng.choice(universities)
        if (ident, receiver) in seen:
            continue
        seen.add((ident, receiver))
        block = f"{receiver}:BLOCK-{subject}"
        if block not in blocks:
            blocks.add(block)
            cat.add_node(id=block, kind="course", institution=receiver, title=f"Block transfer credit, {SUBJECTS[subject]}",
                         level=2, subject=subject, details={"block": True})  # fmt: skip
        rules.append(make_rule(id=f"{ident}>{receiver}", kind="transfer", granted_by=receiver, requires=NodeLeaf(ident),
                               grants=[cat.grant(block, credits)], source=SOURCE, note="block transfer", **_window(rng)))  # fmt: skip
    return rules


def _admissions(cat: Catalogue, senders: list[tuple[str, float, str]], universities: list[str], count: int) -> list[Rule]:
    """Guaranteed admission: one of several colleges' credentials, or 45 lower-level credits and a graded course."""
    rng = cat.rng
    rules = []
    for i in range(count):
        receiver = rng.choice(universities)
        subject = rng.choice(senders)[2]
        ident = f"{receiver}:ADM-{subject}-Y3-{i}"
        cat.add_node(id=ident, kind="admission", institution=receiver,
                     title=f"Guaranteed admission to year 3, {SUBJECTS[subject]}")  # fmt: skip
        requires: Requirement
        if i % 2 == 0:
            requires = Any_(tuple(NodeLeaf(s[0]) for s in rng.sample(senders, min(len(senders), rng.randint(2, 5)))))
        else:
            college, _, _ = rng.choice([s for s in INSTITUTIONS if s[2] == "college"])
            course = rng.choice(cat.by_subject.get((college, "ENGL")) or cat.courses[college])
            requires = All((CreditsWhere(45, Filter(level_max=2)), NodeLeaf(course.id, "C+")))
        rules.append(make_rule(id=f"{ident}/admit", kind="admission", granted_by=receiver, requires=requires,
                               grants=[cat.grant(ident)], source=SOURCE, **_window(rng, first=45)))  # fmt: skip
    return rules
