"""Course catalogues shared by the synthetic graph shapes: subjects, courses, blanket nodes.

A :class:`Catalogue` holds one shape's institutions and nodes while its rules are drawn, and
indexes courses by institution, subject and level so a rule can find a plausible receiving
course quickly. Entities are built with ``model_validate`` on already-parsed requirement
objects and shared :class:`~pathways.model.Grant` instances (they are frozen): at 1.5 million
rules the per-rule cost is what decides whether generation takes seconds or minutes.

Example:
    >>> import random
    >>> cat = Catalogue(random.Random(0))
    >>> cat.add_institution("QNS", "Queens College", "NY", "college")
    >>> c = cat.add_course("QNS", "HIST", 1)
    >>> c.id, c.level, cat.blanket("QNS", "HIST", 1)
    ('QNS:HIST-1000', 1, 'QNS:HIST-1XX')
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from pathways.model import Grant, Institution, Node, NodeLeaf, Requirement, Rule

__all__ = ["SUBJECTS", "Catalogue", "Course", "TERM_STARTS", "make_rule"]

SUBJECTS: dict[str, str] = {
    "ENGL": "English", "MATH": "Mathematics", "BIOL": "Biology", "PSYC": "Psychology", "HIST": "History",
    "CHEM": "Chemistry", "ECON": "Economics", "SOC": "Sociology", "BUS": "Business", "CSCI": "Computer Science",
    "POLS": "Political Science", "PHIL": "Philosophy", "PHYS": "Physics", "ACC": "Accounting", "ART": "Art",
    "NURS": "Nursing", "CRJ": "Criminal Justice", "EDUC": "Education", "SPAN": "Spanish", "COMM": "Communication",
    "ANTH": "Anthropology", "MUS": "Music", "STAT": "Statistics", "GEOG": "Geography", "MKT": "Marketing",
    "FIN": "Finance", "HLTH": "Health", "THEA": "Theatre", "ENVS": "Environmental Studies", "LING": "Linguistics",
    "FREN": "French", "JOUR": "Journalism", "DANC": "Dance", "ENGR": "Engineering", "GEOL": "Geology",
    "WGST": "Women's and Gender Studies", "CHIN": "Chinese", "ITAL": "Italian", "ARCH": "Architecture", "ASL": "Sign Language",
}  # fmt: skip
"""Subject codes, most common first: course counts follow a Zipf-like curve over this order."""

_SUBJECT_CODES = tuple(SUBJECTS)
_SUBJECT_CUM_WEIGHTS = tuple(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(SUBJECTS))))

TERM_STARTS: tuple[dt.date, ...] = tuple(
    dt.date(year, month, 1) for year in range(2000, 2025) for month in (1, 5, 9)
)
"""Term start dates 2000-2024: agreement windows open on them (one shared object per date)."""


@dataclass(frozen=True, slots=True)
class Course:
    """A generated course: its id and what rules need to know about it."""

    id: str
    institution: str
    subject: str
    level: int
    credits: float
    number: int
    """Position among this institution's courses of the same subject and level: courses in the
    same position at two institutions are taken to be equivalent (see :meth:`Catalogue.equivalent`)."""


@dataclass
class Catalogue:
    """Institutions, nodes and indexes of one synthetic graph under construction."""

    rng: random.Random
    subjects: int = len(SUBJECTS)
    """How many subjects (the most common first) courses are drawn from: fewer in a small graph,
    so that a receiving institution still teaches the subject a sending course is in."""
    institutions: list[Institution] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    courses: dict[str, list[Course]] = field(default_factory=dict)
    by_subject_level: dict[tuple[str, str, int], list[Course]] = field(default_factory=dict)
    by_subject: dict[tuple[str, str], list[Course]] = field(default_factory=dict)
    _numbers: dict[tuple[str, str, int], int] = field(default_factory=dict)
    _blankets: dict[tuple[str, str, int], str] = field(default_factory=dict)
    _grants: dict[tuple[str, float | None], Grant] = field(default_factory=dict)

    def add_institution(self, ident: str, name: str, jurisdiction: str, kind: str) -> None:
        """Add an institution with no courses yet."""
        self.institutions.append(Institution(id=ident, name=name, jurisdiction=jurisdiction, type=kind))
        self.courses[ident] = []

    def random_subject(self) -> str:
        """A subject code, common ones more often."""
        n = self.subjects
        return self.rng.choices(_SUBJECT_CODES[:n], cum_weights=_SUBJECT_CUM_WEIGHTS[:n])[0]

    def course_subjects(self, count: int) -> list[str]:
        """Subjects of ``count`` new courses of one institution: each subject once, then common ones more often."""
        subjects = list(_SUBJECT_CODES[: min(count, self.subjects)])
        subjects += [self.random_subject() for _ in range(count - len(subjects))]
        self.rng.shuffle(subjects)
        return subjects

    def add_course(
        self,
        institution: str,
        subject: str,
        level: int,
        *,
        credits: float = 3,
        tuition_per_credit: float = 300,
        prerequisites: Requirement | None = None,
    ) -> Course:
        """Add a course numbered ``SUBJ-LNNN`` (L the level) with contact hours and tuition."""
        key = (institution, subject, level)
        number = self._numbers.get(key, 0)
        self._numbers[key] = number + 1
        ident = f"{institution}:{subject}-{level}{number:03d}"
        self.add_node(
            id=ident, kind="course", institution=institution, title=f"{SUBJECTS[subject]} {level}{number:03d}",
            credits=credits, level=level, subject=subject, hours=round(credits * 13, 1),
            cost=round(credits * tuition_per_credit), prerequisites=prerequisites,
        )  # fmt: skip
        course = Course(ident, institution, subject, level, credits, number)
        self.courses[institution].append(course)
        self.by_subject_level.setdefault(key, []).append(course)
        self.by_subject.setdefault((institution, subject), []).append(course)
        return course

    def add_node(self, **fields: Any) -> Node:
        """Add a node from its fields (requirements already parsed)."""
        node = Node.model_validate(fields)
        self.nodes.append(node)
        return node

    def equivalent(self, course: Course, institution: str, level: int) -> Course | None:
        """The course at ``institution`` that ``course`` is assigned to, in its subject and at ``level`` when possible.

        Assigned credit maps a course to its equivalent, not to any course of the subject: the
        position within subject and level decides, so equivalents form small classes across
        institutions and chains of transfers (A to B, then B to C) stay inside them, as they do
        in real articulation tables.
        """
        pool = self.by_subject_level.get((institution, course.subject, level)) or self.by_subject.get((institution, course.subject))
        return pool[course.number % len(pool)] if pool else None

    def blanket(self, institution: str, subject: str, level: int, *, credits: float = 3) -> str:
        """The id of the unassigned (blanket, elective) credit node ``INST:SUBJ-LXX``, made on first use."""
        key = (institution, subject, level)
        ident = self._blankets.get(key)
        if ident is None:
            ident = f"{institution}:{subject}-{level}XX"
            self.add_node(
                id=ident, kind="course", institution=institution, credits=credits, level=level, subject=subject,
                title=f"{SUBJECTS[subject]} {level}00-level elective (unassigned credit)", details={"unassigned": True},
            )  # fmt: skip
            self._blankets[key] = ident
        return ident

    def grant(self, node: str, credits: float | None = None) -> Grant:
        """A shared :class:`Grant` of ``node`` (frozen, so one instance serves every rule)."""
        key = (node, credits)
        g = self._grants.get(key)
        if g is None:
            g = self._grants[key] = Grant(node=node, credits=credits)
        return g

    def prerequisite_for(self, institution: str, subject: str, level: int) -> Requirement | None:
        """A lower-level course of the same subject here, as a prerequisite leaf, if one exists."""
        lower = self.by_subject_level.get((institution, subject, level - 1))
        if not lower:
            return None
        return NodeLeaf(self.rng.choice(lower).id, "C-" if self.rng.random() < 0.3 else None)


def make_rule(**fields: Any) -> Rule:
    """A rule from its fields, ``requires`` already a parsed requirement and ``grants`` shared Grants."""
    return Rule.model_validate(fields)
