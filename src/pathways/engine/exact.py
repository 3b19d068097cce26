"""Exact matching by integer programming: the answer when the fast searches give up.

:func:`~pathways.engine.matching.best_assignment` and
:func:`~pathways.engine.progress.best_progress` first try a short branch-and-bound search and
a dynamic program; both have bounds past which they give up. Then one of these two functions
decides, with HiGHS (``scipy.optimize.milp``), and no bound can cut it short:

- :func:`fewest_placements`: among the assignments that fire a rule (SPEC section 4,
  conditions 2 and 3: lineages pairwise disjoint, credential limits), the one with the smallest
  lineage, then the lexicographically smallest sorted lineage, then the smallest sorted list of
  used holdings; ``None`` when none exists.
- :func:`fullest_placements`: among assignments with pairwise disjoint lineages (no limits),
  one of largest progress fraction; ties by the same order over the placed holdings, then the
  smallest slot for each holding in candidate order (as the other methods break ties, which
  decides what is ``missing``).

The model: a binary ``x`` per candidate and slot it fits; per lineage holding, the ``x`` of the
candidates whose lineage contains it add up to at most 1 (this also keeps a holding to one
slot); a leaf takes at most one candidate. For firing, a binary ``u`` per requirement node is
"met and counted", ``u`` of the root is 1, a child's ``u`` at most its parent's, and only
counted slots take candidates, so every placed holding is used: ``all`` needs every child
counted, ``any`` one, ``at_least k`` k, a pool and ``credits c of`` their credits, limits
bound the recognized and resident credits placed. For progress, a continuous ``f`` per node
is at most its fraction (``all`` the mean; ``any`` and ``at_least k`` the mean of k children
picked by binaries; a pool min(1, credits / need); ``credits c of`` the credits placed under
children that are met, by binary ``m``, all the way down); maximizing ``f`` of the root makes
it the largest fraction.

SPEC's order is then decided a question at a time: the smallest lineage size, fixed; each
lineage holding in ascending order is in when some assignment of that size with the decisions
before still has it, else out (for equal sizes, the sorted lineage is smallest when it has the
smallest holding of the symmetric difference); then, with the lineage fixed, the used
holdings the same way. There a list that is a prefix of another sorts first, but no feasible
list is a prefix of another: both cover the same lineage with disjoint ones. Sixteen
questions go to one program (:meth:`_Model._greatest`).

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"credits": 6, "where": {"subject": "ENGL"}}))
    >>> cands = [Candidate(n, frozenset({n}), c, (0,)) for n, c in (("A", 3.0), ("B", 6.0), ("C", 3.0))]
    >>> [(c.node, s) for c, s in fewest_placements(tree, slots, cands)]
    [('B', 0)]
    >>> fewest_placements(tree, slots, cands, limits=(("U", None, 3.0),)) is None  # none is resident
    True
    >>> fullest_placements(tree, slots, cands[:1]) == [(cands[0], 0)]
    True
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from .candidates import Candidate
from .deadline import current
from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled

__all__ = ["FRACTION_TOLERANCE", "Limits", "Placement", "fewest_placements", "fullest_placements", "quiet_stdout"]

Placement = tuple[Candidate, int]
"""A candidate and the slot it goes into."""

Limits = tuple[tuple[str | None, float | None, float | None], ...]
"""``(institution, max_recognized_credits, min_residency_credits)`` per granted credential."""

FRACTION_TOLERANCE = 1e-6
"""How far below the largest fraction HiGHS found an assignment may be and still tie it.

HiGHS works to about 1e-7 on constraints; two progress fractions of a real requirement differ by much more (half a credit
of a 120-credit pool in a mean of ten parts is 4e-4)."""

_EPS = 1e-9
_BLOCK = 16  # lineage holdings decided by one program: weights up to 2**15 stay exact for HiGHS

Values: TypeAlias = npt.NDArray[np.float64]


_STDOUT_LOCK = threading.Lock()


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """File descriptor 1 pointed at the null device while HiGHS runs: it prints a debugging line
    (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``) to stdout
    whatever its options, which would corrupt the JSON the CLI writes there. Solves take turns."""
    with _STDOUT_LOCK:
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            yield
        finally:
            _LIBC.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)


_LIBC = ctypes.CDLL(None)


class _Program:
    """A mixed 0-1 program built row by row and solved with HiGHS, decisions added between solves."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integral: list[int] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, *, integral: bool = True) -> int:
        self.lb.append(0.0)
        self.ub.append(1.0)
        self.integral.append(1 if integral else 0)
        return len(self.lb) - 1

    def row(self, terms: Iterable[tuple[int, float]], lo: float, hi: float) -> None:
        merged: dict[int, float] = {}
        for v, c in terms:
            merged[v] = merged.get(v, 0.0) + c
        self.rows.append((merged, lo, hi))

    def solve(self, cost: dict[int, float], *, maximize: bool = False) -> tuple[float, Values] | None:
        """The optimum (objective, values), or ``None`` when the program is infeasible."""
        n = len(self.lb)
        c = np.zeros(n)
        for v, w in cost.items():
            c[v] += -w if maximize else w
        constraints = []
        if self.rows:
            rows, cols, vals = [], [], []
            for i, (terms, _, _) in enumerate(self.rows):
                for v, w in terms.items():
                    rows.append(i)
                    cols.append(v)
                    vals.append(w)
            matrix = coo_array((vals, (rows, cols)), shape=(len(self.rows), n)).tocsr()
            constraints = [LinearConstraint(matrix, [r[1] for r in self.rows], [r[2] for r in self.rows])]
        # HiGHS' presolve has returned a worse solution as optimal on these models (a 0-1
        # program of four variables, kept in tests/engine/test_exact_cases.py): solved without it
        # the running evaluation's deadline bounds each solve (HiGHS stops at its time limit)
        deadline = current()
        deadline.check("evaluation")
        options: dict[str, float | bool] = {"mip_rel_gap": 0.0, "presolve": False}
        if deadline.remaining() != math.inf:
            options["time_limit"] = max(deadline.remaining(), 1e-3)
        with quiet_stdout():
            res = milp(
                c,
                integrality=np.array(self.integral),
                bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                constraints=constraints,
                options=options,
            )
        if res.status == 2:
            return None
        if res.status == 1:
            deadline.check("evaluation")
        if not res.success or res.x is None:
            raise RuntimeError(f"the matching integer program failed: {res.message}")
        return (-res.fun if maximize else res.fun), res.x


class _Model:
    """The placements of one match: ``x`` per candidate and slot, lineages pairwise disjoint."""

    def __init__(self, slots: tuple[Compiled, ...], cands: list[Candidate]) -> None:
        self.program = _Program()
        self.slots = slots
        # candidate order of the other methods: their tie-break between slots follows it
        self.cands = sorted(cands, key=lambda c: (len(c.lineage), sorted(c.lineage), c.node))
        self.x: list[tuple[int, int, int]] = []  # (variable, candidate index, slot)
        self.by_slot: dict[int, list[int]] = {}
        self.by_element: dict[str, list[int]] = {}
        self.by_node: dict[str, list[int]] = {}
        for i, c in enumerate(self.cands):
            for s in c.slots:
                v = self.program.var()
                self.x.append((v, i, s))
                self.by_slot.setdefault(s, []).append(v)
                self.by_node.setdefault(c.node, []).append(v)
                for e in c.lineage:
                    self.by_element.setdefault(e, []).append(v)
        for vs in self.by_element.values():
            if len(vs) > 1:
                self.program.row(((v, 1.0) for v in vs), -np.inf, 1.0)
        for s, vs in self.by_slot.items():
            if slots[s][0] != POOL and len(vs) > 1:
                self.program.row(((v, 1.0) for v in vs), -np.inf, 1.0)
        self.size = {v: float(len(self.cands[i].lineage)) for v, i, _ in self.x}
        self.credit = {v: self.cands[i].credits for v, i, _ in self.x}

    def credits(self, s: int) -> list[tuple[int, float]]:
        """The placement variables of slot ``s`` with their credits."""
        return [(v, self.cands[i].credits) for v, i, t in self.x if t == s]

    def placements(self, values: Values) -> list[Placement]:
        return [(self.cands[i], s) for v, i, s in self.x if values[v] > 0.5]

    def forbid(self, vs: Iterable[int]) -> None:
        for v in vs:
            self.program.ub[v] = 0.0

    def decide(self) -> Values | None:
        """Minimize the lineage, then order it and the placed holdings (see the module)."""
        found = self.program.solve(self.size)
        if found is None:
            return None
        size, values = found
        self.program.row(self.size.items(), -np.inf, round(size) + 0.5)
        elements = sorted(self.by_element)
        values = self._greatest([self.by_element[e] for e in elements], values, lambda taken: len(taken) == round(size))
        # the lineage is now fixed: a used holding can no longer overlap one chosen before it,
        # and once the chosen ones cover the lineage nothing else fits (so stopping, the
        # shorter list, is exactly the greedy's answer too)
        lineage = {e for e in elements if any(values[v] > 0.5 for v in self.by_element[e])}
        nodes = sorted(self.by_node)
        lineage_of = {self.cands[i].node: self.cands[i].lineage for _, i, _ in self.x}

        def covered(taken: list[int]) -> bool:
            return sum(len(lineage_of[nodes[g]]) for g in taken) == len(lineage)

        return self._greatest([self.by_node[n] for n in nodes], values, covered)

    def slot_order(self, values: Values) -> Values:
        """With the placed holdings fixed, each in the smallest slot it can take, in candidate order."""
        options: dict[int, list[tuple[int, int]]] = {}
        for v, i, s in self.x:
            if self.program.ub[v] > 0.0:
                options.setdefault(i, []).append((s, v))
        groups = [[v] for i in sorted(options) if len(options[i]) > 1 for _, v in sorted(options[i])]
        return self._greatest(groups, values, lambda taken: False)

    def _greatest(self, groups: list[list[int]], values: Values, done: Callable[[list[int]], bool]) -> Values:
        """Decide ``groups`` of placement variables in order: in (one of them placed) when an
        assignment with the decisions before exists that has it in, else out; that is the
        lexicographically largest vector of "in", and what is returned satisfies it. ``done``
        tells, from the indices of the groups in so far, that no later group can be in.

        A block of groups per program: over a block, that vector is the one maximizing the sum
        of 2**(b - j) over its j-th group in, an integer objective HiGHS maximizes exactly. An
        assignment at hand with every group of the block in needs no program."""
        ub = self.program.ub
        taken: list[int] = []
        at = 0
        while at < len(groups) and not done(taken):
            block: list[int] = []
            while at < len(groups) and len(block) < _BLOCK:
                if any(ub[v] > 0.0 for v in groups[at]):
                    block.append(at)
                at += 1
            if not all(any(values[v] > 0.5 for v in groups[g]) for g in block):
                weight: dict[int, float] = {}
                for j, g in enumerate(block):
                    for v in groups[g]:
                        weight[v] = weight.get(v, 0.0) + 2.0 ** (len(block) - 1 - j)
                found = self.program.solve(weight, maximize=True)
                assert found is not None  # the assignment at hand agrees with every decision
                values = found[1]
            for g in block:
                if any(values[v] > 0.5 for v in groups[g]):
                    self.program.row(((v, 1.0) for v in groups[g]), 1.0, np.inf)
                    taken.append(g)
                else:
                    self.forbid(groups[g])
        self.forbid(v for g in groups[at:] for v in g if values[v] <= 0.5)
        return values


def fewest_placements(
    tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate], *, limits: Limits = ()
) -> list[Placement] | None:
    """The placements of the assignment SPEC reports for a firing rule (every one is used), or
    ``None`` when the rule cannot fire; ``limits`` as in
    :func:`~pathways.engine.matching.best_assignment`."""
    model = _Model(slots, cands)
    program = model.program
    root = _counted(model, tree)
    program.lb[root] = 1.0
    for inst, max_rec, min_res in limits:
        if max_rec is not None:
            program.row([(v, model.cands[i].limit_credits) for v, i, _ in model.x if model.cands[i].recognized], -np.inf, max_rec + _EPS)
        if min_res is not None:
            resident = [(v, model.cands[i].resident_credits(inst)) for v, i, _ in model.x]
            program.row(resident, min_res - _EPS, np.inf)
    values = model.decide()
    return None if values is None else model.placements(values)


def _counted(model: _Model, node: Compiled) -> int:
    """The variable "``node`` is met and its holdings are used"; only counted slots take holdings."""
    program = model.program
    u = program.var()
    tag = node[0]
    if tag == LEAF or tag == COMPETENCY or tag == POOL:
        s = node[1]
        placed = model.credits(s)
        if tag == POOL:
            for v, _ in placed:
                program.row([(v, 1.0), (u, -1.0)], -np.inf, 0.0)
            program.row([*placed, (u, -float(node[2]))], -_EPS, np.inf)
        else:
            program.row([*((v, 1.0) for v, _ in placed), (u, -1.0)], 0.0, 0.0)
        return u
    kids = [_counted(model, child) for child in node[-1]]
    for k in kids:
        program.row([(k, 1.0), (u, -1.0)], -np.inf, 0.0)
    if tag == ALL:
        for k in kids:
            program.row([(k, 1.0), (u, -1.0)], 0.0, np.inf)
    elif tag == ANY or tag == AT_LEAST:
        need = 1 if tag == ANY else node[1]
        program.row([*((k, 1.0) for k in kids), (u, -float(need))], 0.0, np.inf)
    else:
        assert tag == CREDITS_OF
        below = [pair for s in _slots_under(node) for pair in model.credits(s)]
        program.row([*below, (u, -float(node[1]))], -_EPS, np.inf)
    return u


def _slots_under(node: Compiled) -> list[int]:
    if node[0] in (LEAF, COMPETENCY, POOL):
        return [node[1]]
    return [s for child in node[-1] for s in _slots_under(child)]


def fullest_placements(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> list[Placement]:
    """The placements of an assignment of largest progress fraction (conditions 1 and 2 only)
    that SPEC's order picks among those reaching it (see the module)."""
    model = _Model(slots, cands)
    root = _fraction(model, tree, [])[0]
    found = model.program.solve({root: 1.0}, maximize=True)
    assert found is not None  # placing nothing is an assignment
    best = found[0]
    model.program.row([(root, 1.0)], best - FRACTION_TOLERANCE, np.inf)
    values = model.decide()
    assert values is not None
    values = model.slot_order(values)
    return model.placements(values)


def _fraction(model: _Model, node: Compiled, counted: list[list[tuple[int, int]]]) -> tuple[int, int | None]:
    """(variable at most ``node``'s fraction, variable "``node`` is met" or ``None`` outside any
    ``credits ... of``). ``counted`` holds, per enclosing ``credits ... of``, its (placement,
    credit-counting variable) pairs: a placement counts there only while every node between
    is met."""
    program = model.program
    f = program.var(integral=False)
    tag = node[0]
    need_met = bool(counted)
    if tag == LEAF or tag == COMPETENCY or tag == POOL:
        s = node[1]
        placed = model.credits(s)
        if tag == POOL:
            program.row([*placed, (f, -float(node[2]))], 0.0, np.inf)
        else:
            program.row([*((v, 1.0) for v, _ in placed), (f, -1.0)], 0.0, np.inf)
        met = None
        if need_met:
            met = program.var()
            if tag == POOL:
                program.row([*placed, (met, -float(node[2]))], -_EPS, np.inf)
            else:
                program.row([*((v, 1.0) for v, _ in placed), (met, -1.0)], 0.0, np.inf)
            for v, _ in placed:
                for pairs in counted:
                    z = program.var(integral=False)
                    program.row([(z, 1.0), (v, -1.0)], -np.inf, 0.0)
                    program.row([(z, 1.0), (met, -1.0)], -np.inf, 0.0)
                    pairs.append((v, z))
        return f, met
    inner: list[list[tuple[int, int]]] = [*counted, []] if tag == CREDITS_OF else counted
    kids = [_fraction(model, child, inner) for child in node[-1]]
    fs = [k[0] for k in kids]
    if tag == ALL:
        program.row([*((k, 1.0) for k in fs), (f, -float(len(fs)))], 0.0, np.inf)
    elif tag == ANY or tag == AT_LEAST:
        need = 1 if tag == ANY else node[1]
        picks = []
        for k in fs:
            y, g = program.var(), program.var(integral=False)
            program.row([(g, 1.0), (k, -1.0)], -np.inf, 0.0)
            program.row([(g, 1.0), (y, -1.0)], -np.inf, 0.0)
            picks.append((y, g))
        program.row(((y, 1.0) for y, _ in picks), float(need), float(need))
        program.row([*((g, 1.0) for _, g in picks), (f, -float(need))], 0.0, np.inf)
    if tag == CREDITS_OF:
        own = inner[-1]
        program.row([*((z, model.credit[v]) for v, z in own), (f, -float(node[1]))], 0.0, np.inf)
    met = None
    if need_met:
        met = program.var()
        mets = [m for _, m in kids if m is not None]  # every child under a ``credits ... of`` has one
        if tag == ALL:
            for m in mets:
                program.row([(met, 1.0), (m, -1.0)], -np.inf, 0.0)
        elif tag == ANY or tag == AT_LEAST:
            need = 1 if tag == ANY else node[1]
            program.row([*((m, 1.0) for m in mets), (met, -float(need))], 0.0, np.inf)
        else:
            own = inner[-1]
            program.row([*((z, model.credit[v]) for v, z in own), (met, -float(node[1]))], -_EPS, np.inf)
        # this node's own placements count upward only while it is met: the pairs its children
        # added to the enclosing lists get one more bound
        for pairs in counted:
            for _, z in pairs[len(pairs) - _added(node, model) :]:
                program.row([(z, 1.0), (met, -1.0)], -np.inf, 0.0)
    return f, met


def _added(node: Compiled, model: _Model) -> int:
    """How many placement pairs the subtree of ``node`` adds to each enclosing ``credits ... of``."""
    return sum(len(model.by_slot.get(s, [])) for s in _slots_under(node))
