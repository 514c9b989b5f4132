"""Secondary suppression: the sums a reader can use, and hiding more cells until none gives away.

Counts of a result table are *cells*; the relations between them are *sums* (``members == total``:
levels add up to a total row, categories to the group's ``n``, a count and its complement to
``n``). Cells a reader can only derive (the complement of a share, cases outside the listed
levels) are *virtual* cells, always unknown. Counts are whole numbers and never negative.

A hidden cell is *protected* when it is a small count (primary suppression), a small virtual
cell, or a cell hidden to protect another (no hidden value may be recoverable). Three checks,
from cheap to complete, look for protected cells a reader could still work out, and each hides
one more shown neighbour until nothing is exposed:

1. the local rule of the hypercube method (a sum with one unknown cell, or hidden members of a
   shown total adding up to less than ``min_n``);
2. bound propagation: every sum, with ``x >= 0``, narrows the range of each of its cells, and
   the narrowed ranges are fed back until they settle (interval constraint propagation). A cell
   whose range holds one whole number, or a small count whose upper bound is below ``min_n``, is
   exposed. Sound but not complete: every exposure it finds is real;
3. optionally, an exact check with linear programmes (HiGHS, through highspy) per connected
   group of unknown cells (complete, and slower).

The first two work on all sums at once with numpy, which is what lets a screening list over
hundreds of kommuner be protected in seconds. The exact check keeps its cost down by solving
as few programmes as it can: groups whose sums form no cycle are already settled by bound
propagation; feasible points seen so far (the true counts, moves along the null space, a climb
of each small cell along the null space, earlier optima) show most cells safe without a
programme of their own; one programme lifts many small cells at once; and each group keeps one
HiGHS instance, so each new objective starts from the last optimal basis. When choosing cells
to hide, it avoids totals that many sums share, which would merge many groups into one to be
checked again. Groups of sums that share no cell (different kommuner) are independent: large
models are checked in several processes at once (:mod:`isuwork.privacy.processes`).

The module is long because it holds one algorithm, secondary cell suppression over linked
sums, whose three checks share the cell model, the sums and the choice of cells to hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import highspy
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from isuwork.exceptions import DataError
from isuwork.privacy.processes import part_of, run_parts, worker_count

EPS = 1e-9
#: Turns at most of the climb towards ``min_n`` before a linear programme takes over.
_CLIMB_STEPS = 8
#: Rounds of bound propagation before the ranges are taken as settled (wider is still sound).
_MAX_PROPAGATION = 60
#: Entries in the sums from which :func:`hide_recoverable` uses several processes by default
#: (a screening list over about 30 kommuner).
PARALLEL_ENTRIES = 400_000
#: About as many entries as are checked in the time a worker process takes to start (1 s): the
#: part checked in this process is that much larger, so that all parts end together.
_STARTUP_ENTRIES = 150_000


def small(x: np.ndarray, min_n: int) -> np.ndarray:
    """True where a count is 1 … ``min_n``−1 (with a little room for floating point)."""
    return (x > EPS) & (x < min_n - EPS)


# -- the cell model -------------------------------------------------------------------------------
@dataclass
class Model:
    """Counts as cells (shown ones and virtual ones a reader can only derive) and their sums.

    Sums are stored flat: the cells of sum ``i`` are ``cells[start[i]:start[i + 1]]``, members
    first and the total last, so that the local rule can check every sum at once with numpy.
    """

    _values: list[np.ndarray] = field(default_factory=list)
    _virtual: list[np.ndarray] = field(default_factory=list)
    _cells: list[np.ndarray] = field(default_factory=list)
    _sizes: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(self, values: np.ndarray, *, virtual: bool = False) -> np.ndarray:
        """Add cells with these values (virtual: known only to the model); return their indices."""
        values = np.asarray(values, dtype=float)
        self._values.append(values)
        self._virtual.append(np.full(len(values), virtual))
        start = self.size
        self.size += len(values)
        return np.arange(start, self.size)

    @property
    def values(self) -> np.ndarray:
        """The value of every cell."""
        return np.concatenate([np.empty(0), *self._values])

    @property
    def virtual(self) -> np.ndarray:
        """Which cells are virtual (derived by a reader, never shown)."""
        return np.concatenate([np.empty(0, dtype=bool), *self._virtual])

    def add_sums(
        self,
        members: np.ndarray,
        group: np.ndarray,
        totals: np.ndarray,
        *,
        exhaustive: bool | np.ndarray,
        strict: bool = False,
    ) -> np.ndarray:
        """Add ``sum(members of g) (+ rest) == totals[g]`` for every group ``g``; return the
        rest cell of each group (-1 where it has none).

        ``members`` are cell indices (-1 for a missing cell) and ``group`` their group; a group
        without member rows, or whose total is -1, gives no sum. ``rest`` is a virtual cell for
        what the members do not cover: cases outside the listed rows, or (``exhaustive`` False)
        the complement of a share. A relation that the numbers contradict (members exceeding
        the total, e.g. overlapping levels) is left out, or with ``strict`` (antal against n)
        raises :class:`DataError`.
        """
        members = np.asarray(members, dtype=np.int64)
        group = np.asarray(group, dtype=np.int64)
        totals = np.asarray(totals, dtype=np.int64)
        groups = len(totals)
        values = self.values
        valid = members >= 0
        rows = np.bincount(group, minlength=groups)
        shown = np.bincount(group[valid], minlength=groups)
        covered = np.bincount(group[valid], weights=values[members[valid]], minlength=groups)
        ok = (rows > 0) & (totals >= 0)
        rest = np.where(ok, values[np.maximum(totals, 0)] - covered, 0.0)
        contradicted = ok & (rest < -EPS)
        if strict and contradicted.any():
            raise DataError(
                "Resultattabellen har fler fall i antal än i n för samma grupp (antal ska "
                "vara en del av n; kategorier tillsammans högst n). Det är ett fel i "
                "beräkningen före röjandekontrollen."
            )
        ok &= ~contradicted
        extra = ok & (~np.broadcast_to(np.asarray(exhaustive, dtype=bool), groups) | (rest > EPS))
        ok &= (shown > 0) | extra
        extra_cell = np.full(groups, -1, dtype=np.int64)
        extra_cell[extra] = self.add(np.maximum(rest[extra], 0.0), virtual=True)
        keep = valid & ok[group]
        # members, then the virtual rest, then the total; a stable sort keeps that order per sum
        owner = np.concatenate([group[keep], np.flatnonzero(extra), np.flatnonzero(ok)])
        cells = np.concatenate([members[keep], extra_cell[extra], totals[ok]])
        order = np.argsort(owner, kind="stable")
        self._cells.append(cells[order])
        self._sizes.append(np.bincount(owner, minlength=groups)[ok])
        return extra_cell

    def add_totals(
        self, cells: np.ndarray, outer: np.ndarray, is_total: np.ndarray, group: np.ndarray
    ) -> None:
        """Sums over rows: the member rows of each ``group`` add up to the one total row of
        their ``outer`` group (no sum when an outer group has no total row, or several)."""
        outer, group = np.asarray(outer, dtype=np.int64), np.asarray(group, dtype=np.int64)
        if len(outer) == 0:
            return
        n_outer = int(outer.max()) + 1
        count = np.bincount(outer[is_total], minlength=n_outer)
        total_cell = np.full(n_outer, -1, dtype=np.int64)
        total_cell[outer[is_total]] = cells[is_total]
        total_cell[count != 1] = -1
        members = ~is_total
        if not members.any():
            return
        member_group = pd.factorize(group[members])[0]
        group_outer = np.zeros(int(member_group.max()) + 1, dtype=np.int64)
        group_outer[member_group] = outer[members]
        self.add_sums(cells[members], member_group, total_cell[group_outer], exhaustive=True)

    def sums(self) -> tuple[np.ndarray, np.ndarray]:
        """All sums as flat cells and start offsets (``len(start) == number of sums + 1``)."""
        cells = np.concatenate([np.empty(0, dtype=np.int64), *self._cells])
        sizes = np.concatenate([np.empty(0, dtype=np.int64), *self._sizes])
        return cells, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


# -- hiding ----------------------------------------------------------------------------------------
def hide_recoverable(
    model: Model,
    *,
    min_n: int,
    hidden: np.ndarray,
    protect: np.ndarray,
    exact: bool = True,
    workers: int | None = None,
    around: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
) -> None:
    """Hide more cells (in place) until no protected cell follows from the shown ones.

    ``around`` limits the checks to the sums linked to these cells (after a first pass, when
    only they have changed since). ``fixed`` marks shown cells that are never hidden: counts
    a reader already has from elsewhere in the same publication, so hiding them here would
    protect nothing.

    The local rule and bound propagation (see the module docstring) run in turn until neither
    finds anything; with ``exact`` the linear-programme check per connected group of sums runs
    after them, and if it hides cells everything runs again on the sums linked to those cells.

    Sums that share no cell, directly or through other sums (different kommuner of a screening
    list), are independent, and large models are split into parts of whole groups checked in
    ``workers`` processes at once; the result is the same as in one process. ``None`` uses
    every core available when the model has at least ``PARALLEL_ENTRIES`` entries in its sums
    (starting processes costs about a second), one process otherwise.
    """
    cells, start = model.sums()
    if around is not None:
        label = _components(cells, start, model.size)
        cells, start = _subset(cells, start, np.isin(label[cells[start[:-1]]], label[around]))
    parts = _split(
        cells,
        start,
        worker_count(workers, len(cells), PARALLEL_ENTRIES),
        head_start=_STARTUP_ENTRIES,
    )
    if len(parts) == 1:
        sums = Sums(cells, start, values=model.values, min_n=min_n, fixed=fixed)
        _hide(sums, hidden=hidden, protect=protect, exact=exact)
        return
    # the first part changes hidden and protect in place, the others return what they hid
    # (parts share no cell, so each changes only its own)
    common = {
        "values": model.values,
        "hidden": hidden,
        "protect": protect,
        "min_n": min_n,
        "fixed": fixed,
    }
    found = run_parts(
        _hide_part, [{"cells": c, "start": s, **common, "exact": exact} for c, s in parts]
    )
    for chosen in found[1:]:
        hidden[chosen] = protect[chosen] = True


def _hide_part(
    cells: np.ndarray,
    start: np.ndarray,
    values: np.ndarray,
    hidden: np.ndarray,
    protect: np.ndarray,
    min_n: int,
    exact: bool,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`_hide` on one part of the sums (the first part in this process, the others each in
    a worker process); returns the cells it hid."""
    before = hidden.copy()
    part = Sums(cells, start, values=values, min_n=min_n, fixed=fixed)
    _hide(part, hidden=hidden, protect=protect, exact=exact)
    return np.flatnonzero(hidden & ~before)


def _hide(sums: Sums, *, hidden: np.ndarray, protect: np.ndarray, exact: bool) -> None:
    """The checks of :func:`hide_recoverable` on ``sums``, in this process."""
    safe: set[bytes] = set()
    # the sums the fast rules check next, those the exact check goes over next, and whether
    # bound propagation settled on all of them since
    scope, unchecked, settled = sums, sums, True
    # The exact check solves many small systems. Threaded BLAS gains nothing on them and, when
    # several processes check at once (a report per kommun in parallel), its waiting threads
    # made each check 20 times slower; one thread each keeps it at seconds.
    with threadpool_limits(limits=1):
        while True:
            before = hidden.copy()
            scope.hide_local(hidden, protect)
            changed = scope.hide_bounded(hidden, protect)
            settled &= scope.settled
            if changed:
                # again only where cells were hidden: elsewhere nothing changed
                scope = scope.around(np.flatnonzero(hidden & ~before))
                continue
            if not exact:
                return
            chosen = _exact_pass(
                unchecked, hidden=hidden, protect=protect, safe=safe, settled=settled
            )
            if not chosen:
                return
            scope = unchecked = unchecked.around(np.asarray(chosen))
            settled = True


def derivable(model: Model, hidden: np.ndarray) -> np.ndarray:
    """Per cell: shown, or pinned to one value by bound propagation over the sums (which
    finds every cell a reader works out by subtraction, and more)."""
    cells, start = model.sums()
    low, high = Sums(cells, start, values=model.values, min_n=1).bounds(hidden)
    return high - low < 1 - 1e-6


def _components(cells: np.ndarray, start: np.ndarray, size: int = 0) -> np.ndarray:
    """For each cell (at least ``size`` of them), the label of its group of linked sums."""
    n = max(int(cells.max(initial=-1)) + 1, size)
    first = cells[start[:-1]]
    owner = np.repeat(np.arange(len(start) - 1), np.diff(start))
    graph = coo_matrix((np.ones(len(cells)), (cells, first[owner])), (n, n))
    return connected_components(graph, directed=False)[1]


def _subset(
    cells: np.ndarray, start: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The sums (flat cells and start offsets) where ``keep`` is True."""
    sizes = np.diff(start)
    return cells[np.repeat(keep, sizes)], np.r_[0, np.cumsum(sizes[keep])].astype(np.int64)


def _split(
    cells: np.ndarray, start: np.ndarray, parts: int, *, head_start: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The sums in up to ``parts`` parts that share no cell (each group of linked sums whole in
    one part): the first part ``head_start`` entries larger than the others, which are of
    about equal size."""
    count = len(start) - 1
    if parts < 2 or count < 2:
        return [(cells, start)]
    label = _components(cells, start)[cells[start[:-1]]]
    group, of_sum = np.unique(label, return_inverse=True)
    size = np.bincount(of_sum, weights=np.diff(start), minlength=len(group))
    part = part_of(size, parts, head_start=head_start)[of_sum]
    split = [_subset(cells, start, part == k) for k in range(parts)]
    return [(c, s) for c, s in split if len(s) > 1] or [(cells, start)]


class Sums:
    """All sums in flat form (members, then the total), checked all at once with numpy."""

    def __init__(
        self,
        cells: np.ndarray,
        start: np.ndarray,
        *,
        values: np.ndarray,
        min_n: int,
        fixed: np.ndarray | None = None,
    ):
        self.cells, self.start, self.values, self.min_n = cells, start, values, min_n
        #: shown cells that may not be hidden (see :func:`hide_recoverable`)
        self.fixed = np.zeros(len(values), dtype=bool) if fixed is None else fixed
        self.count = len(start) - 1
        self.owner = np.repeat(np.arange(self.count), np.diff(start))
        self.is_total = np.zeros(len(cells), dtype=bool)
        self.is_total[start[1:] - 1] = True
        self.total = cells[self.is_total]
        self.cell_values = values[cells]
        # the entries of each cell, for combining what different sums say about it
        self.by_cell, self.first_entry, self.entry_cells = _entries_by_cell(cells)
        #: whether the last bound propagation ran until nothing narrowed (read by _hide)
        self.settled = False

    def around(self, cells: np.ndarray) -> Sums:
        """The sums linked to ``cells`` through any chain of sums (shown cells included)."""
        label = _components(self.cells, self.start, int(cells.max(initial=-1)) + 1)
        keep = np.isin(label[self.cells[self.start[:-1]]], label[cells])
        return Sums(
            *_subset(self.cells, self.start, keep),
            values=self.values,
            min_n=self.min_n,
            fixed=self.fixed,
        )

    @cached_property
    def degree(self) -> np.ndarray:
        """For each cell, the number of sums it takes part in."""
        return np.bincount(self.cells, minlength=len(self.values))

    def members(self, i: int) -> np.ndarray:
        """The cells of sum ``i``, members first and the total last."""
        return self.cells[self.start[i] : self.start[i + 1]]

    def sums_of(self, cell: int) -> np.ndarray:
        """The sums a cell takes part in."""
        k = np.searchsorted(self.entry_cells, cell)
        if k >= len(self.entry_cells) or self.entry_cells[k] != cell:
            return np.empty(0, dtype=np.int64)
        end = self.first_entry[k + 1] if k + 1 < len(self.first_entry) else len(self.cells)
        return self.owner[self.by_cell[self.first_entry[k] : end]]

    def best_known(self, cells: np.ndarray, total: int, hidden: np.ndarray) -> int | None:
        """The shown cell of a sum to hide next (see :func:`_candidates`), if any."""
        options = _candidates(cells, int(total), self.values, hidden | self.fixed)
        return options[0] if options else None

    # -- 1. the local rule ---------------------------------------------------------------------
    def local_exposed(self, hidden: np.ndarray, protect: np.ndarray) -> np.ndarray:
        """Indices of the sums that give a protected cell away by the local rule."""
        unknown = hidden[self.cells]
        at_risk = unknown & protect[self.cells]
        count = np.bincount(self.owner, weights=unknown, minlength=self.count)
        hidden_sum = np.bincount(
            self.owner, weights=np.where(unknown, self.cell_values, 0.0), minlength=self.count
        )
        risky = np.bincount(self.owner, weights=at_risk, minlength=self.count) > 0
        gives_away = (count == 1) | (~hidden[self.total] & (hidden_sum < self.min_n - EPS))
        return np.flatnonzero(risky & gives_away)

    def hide_local(self, hidden: np.ndarray, protect: np.ndarray) -> bool:
        """Apply the local rule until no sum gives a protected cell away; True if it hid any.

        Each round finds the exposed sums at once and hides one more cell in each, re-checking
        each sum in turn, so that one hidden cell can settle several sums.
        """
        changed = False
        while True:
            progress = False
            for i in self.local_exposed(hidden, protect):
                members = self.members(i)
                unknown = members[hidden[members]]
                total = members[-1]
                still = protect[unknown].any() and (
                    len(unknown) == 1
                    or (not hidden[total] and self.values[unknown].sum() < self.min_n - EPS)
                )
                best = self.best_known(members, total, hidden) if still else None
                if best is not None:
                    hidden[best] = protect[best] = True
                    progress = changed = True
            if not progress:
                return changed

    # -- 2. bound propagation ------------------------------------------------------------------
    def computable(self, hidden: np.ndarray) -> np.ndarray:
        """Per cell: shown, or computable by a reader from a sum with one unknown cell (and so
        on, until no such sum is left)."""
        known = ~hidden
        while True:
            unknown = ~known[self.cells]
            count = np.bincount(self.owner, weights=unknown, minlength=self.count)
            single = unknown & (count == 1)[self.owner]
            if not single.any():
                return known
            known[self.cells[single]] = True

    def bounds(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The range ``[low, high]`` of each cell that a reader can derive from the shown cells.

        Shown and computable cells are fixed; the others start at ``[0, inf)``. Each sum that
        still has unknown cells bounds its total by the members' bounds and each member by the
        total minus the other members; ranges are rounded inwards to whole numbers and the
        rounds repeat until nothing narrows.
        """
        self.settled = False
        known = self.computable(hidden)
        low = np.where(known, self.values, 0.0)
        high = np.where(known, self.values, np.inf)
        open_sums = np.bincount(self.owner, weights=~known[self.cells], minlength=self.count) > 0
        entries = np.flatnonzero(open_sums[self.owner])
        if entries.size == 0:
            self.settled = True
            return low, high
        owner = np.unique(self.owner[entries], return_inverse=True)[1]
        n = int(owner.max()) + 1
        cells = self.cells[entries]
        member = ~self.is_total[entries]
        total = cells[~member]
        by_cell, first, touched = _entries_by_cell(cells)
        for _ in range(_MAX_PROPAGATION):
            lo, hi = low[cells], high[cells]
            endless = np.isinf(hi)
            sum_lo = np.bincount(owner, weights=np.where(member, lo, 0.0), minlength=n)
            sum_hi = np.bincount(owner, weights=np.where(member & ~endless, hi, 0.0), minlength=n)
            n_endless = np.bincount(owner, weights=member & endless, minlength=n)
            total_lo, total_hi = low[total], high[total]
            others_lo = sum_lo[owner] - lo
            others_endless = n_endless[owner] - endless > 0
            others_hi = np.where(others_endless, np.inf, sum_hi[owner] - np.where(endless, 0, hi))
            new_hi = np.where(
                member, total_hi[owner] - others_lo, np.where(n_endless > 0, np.inf, sum_hi)[owner]
            )
            new_lo = np.where(member, total_lo[owner] - others_hi, sum_lo[owner])
            cell_hi = np.floor(np.minimum.reduceat(new_hi[by_cell], first) + 1e-6)
            cell_lo = np.ceil(np.maximum.reduceat(new_lo[by_cell], first) - 1e-6)
            narrower = (cell_hi < high[touched]) | (cell_lo > low[touched])
            if not narrower.any():
                self.settled = True
                break
            high[touched] = np.minimum(high[touched], cell_hi)
            low[touched] = np.maximum(low[touched], cell_lo)
        return low, high

    def bounded_exposed(self, hidden: np.ndarray, protect: np.ndarray) -> np.ndarray:
        """Protected cells whose derived range holds one whole number, or that are small counts
        known to lie below ``min_n``."""
        if not self.count:
            return np.empty(0, dtype=np.int64)
        low, high = self.bounds(hidden)
        pinned = high - low < 1 - 1e-6
        known_small = small(self.values, self.min_n) & (high < self.min_n - 1e-6)
        return np.flatnonzero(hidden & protect & (pinned | known_small))

    def hide_bounded(self, hidden: np.ndarray, protect: np.ndarray) -> bool:
        """Hide one shown cell near each exposed cell (its own sums first, then further out);
        True if any was hidden. A cell whose neighbourhood already changed in this round waits
        for the next check."""
        touched = np.zeros(len(hidden), dtype=bool)
        changed = False
        for cell in self.bounded_exposed(hidden, protect):
            near = self.sums_of(int(cell))
            if not len(near) or touched[np.concatenate([self.members(int(i)) for i in near])].any():
                continue
            seen = {int(i) for i in near}
            while len(near):
                options = [
                    c
                    for i in near
                    if (c := self.best_known(self.members(int(i)), self.total[i], hidden))
                    is not None
                ]
                if options:
                    best = min(options, key=lambda c: _nearest_first(c, self.values))
                    hidden[best] = protect[best] = True
                    touched[[c for i in self.sums_of(best) for c in self.members(int(i))]] = True
                    changed = True
                    break
                # every cell of these sums is hidden: look one step further out
                reach = {
                    int(j) for i in near for c in self.members(int(i)) for j in self.sums_of(c)
                }
                near = np.asarray(sorted(reach - seen), dtype=np.int64)
                seen |= reach
        return changed


def _entries_by_cell(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries sorted by cell (``order``), where each cell's run starts in that order
    (``first``, for ``np.*.reduceat``) and the distinct cells."""
    order = np.argsort(cells, kind="stable")
    ordered = cells[order]
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(cells) else order
    return order, first, ordered[first]


def _nearest_first(cell: int, values: np.ndarray) -> tuple[bool, float, int]:
    """Order of shown cells to hide when no sum-specific choice applies: positive and small
    first, empty cells last."""
    return bool(values[cell] <= EPS), float(values[cell]), cell


def _preference(is_total: bool, value: float, cell: int) -> tuple[int, float, int]:
    """Smallest positive member first, then the total, then empty members."""
    rank = 1 if is_total else (0 if value > EPS else 2)
    return rank, value, cell


def _candidates(
    cells: Sequence[int] | np.ndarray, total: int, values: np.ndarray, taken: np.ndarray
) -> list[int]:
    """The cells of a sum that can still be hidden (not ``taken``: hidden or fixed), in the
    order to hide them."""
    known = [int(c) for c in cells if not taken[c]]
    return sorted(known, key=lambda c: _preference(c == total, float(values[c]), c))


# -- 3. the exact check ----------------------------------------------------------------------
def _system(sums: Sums, entries: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sums holding ``entries`` as ``A x = b`` over the cells in ``columns`` (in that
    order); every other cell is shown and moves to the right-hand side."""
    order = np.argsort(columns, kind="stable")
    cells = sums.cells[entries]
    at = np.minimum(np.searchsorted(columns[order], cells), max(len(columns) - 1, 0))
    free = (columns[order][at] == cells) if len(columns) else np.zeros(len(cells), bool)
    row_sums, row = np.unique(sums.owner[entries], return_inverse=True)
    coef = np.where(sums.is_total[entries], -1.0, 1.0)
    a = np.zeros((len(row_sums), len(columns)))
    np.add.at(a, (row[free], order[at[free]]), coef[free])
    b = -np.bincount(
        row[~free], weights=coef[~free] * sums.values[cells[~free]], minlength=len(row_sums)
    )
    keep = a.any(axis=1)
    return a[keep], b[keep]


class _Solver(highspy.Highs):
    """HiGHS without its banner: the banner is printed at C level (into notebook outputs)
    when the callbacks are switched on, and no callbacks are used here."""

    def enableCallbacks(self) -> None:
        pass


class _LinearProgram:
    """``row_lower <= A x <= row_upper`` with bounds on ``x``, kept in one HiGHS instance so
    that each new objective starts from the previous optimal basis (a few simplex steps instead
    of a fresh solve). A single ``b`` (``row_lower``) means ``A x = b``."""

    def __init__(
        self,
        a: np.ndarray,
        b: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        row_upper: np.ndarray | None = None,
    ):
        self.size = a.shape[1]
        self.highs = _Solver()
        self.highs.setOptionValue("output_flag", False)
        column, row = np.nonzero(a.T)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = _finite(lower)
        lp.col_upper_ = _finite(upper)
        lp.row_lower_ = _finite(b)
        lp.row_upper_ = _finite(b if row_upper is None else row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(column, minlength=self.size))]
        lp.a_matrix_.index_ = row
        lp.a_matrix_.value_ = a[row, column]
        self.highs.passModel(lp)
        self.cost = np.zeros(self.size)

    def optimum(self, cost: np.ndarray, *, maximize: bool) -> tuple[float, np.ndarray] | None:
        """The optimal value and point; ``(inf, empty)`` when unbounded; None when the solver
        does not reach an answer (or the bounds leave nothing feasible)."""
        changed = np.flatnonzero(cost != self.cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, changed, cost[changed])
            self.cost = cost.copy()
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            point = np.asarray(self.highs.getSolution().col_value)
            return float(self.highs.getInfo().objective_function_value), point
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return (np.inf if maximize else -np.inf), np.empty(0)
        return None

    def limit(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds for some columns."""
        self.highs.changeColsBounds(len(columns), columns, _finite(lower), _finite(upper))


def _finite(bound: np.ndarray) -> np.ndarray:
    """Bounds for HiGHS, which has its own number for infinity."""
    return np.clip(np.asarray(bound, dtype=float), -highspy.kHighsInf, highspy.kHighsInf)


class _Group:
    """One connected group of sums, as ``A x = b`` over its unknown cells, with the feasible
    points seen so far: the true counts, the points reached from them along the null space
    (see :func:`_reach`) and every optimum of a linear programme. Whatever range these points
    span, a reader cannot narrow a cell further, so a linear programme is needed only where
    they do not already show a cell to be safe."""

    def __init__(self, sums: Sums, entries: np.ndarray, unknown: np.ndarray, targets: np.ndarray):
        self.sums, self.entries, self.unknown = sums, entries, unknown
        self.pos = {int(c): i for i, c in enumerate(unknown)}
        self.a, self.b = _system(sums, entries, unknown)
        self.x0 = sums.values[unknown]
        # without zeros every cell that moves at all can move both ways; see _exposed
        self.zeros = bool(self.x0.min() < 1 - EPS)
        basis = _null_space(self.a)
        self.moves = (
            np.abs(basis).max(axis=1) > 1e-8 if basis.shape[1] else np.zeros(len(unknown), bool)
        )
        # the basis vectors, and for each target the direction that raises it fastest
        steepest = basis @ basis[np.searchsorted(unknown, targets)].T
        self.low, self.top = _reach(np.hstack([basis, steepest]), self.x0)
        self.basis = basis
        self._lp: _LinearProgram | None = None

    def climb(self, columns: np.ndarray, *, min_n: int) -> None:
        """Raise each small cell of ``columns`` towards ``min_n`` without a linear programme:
        from the true counts along the steepest direction in the null space, and each time a
        cell falls to zero, on along the steepest direction that keeps it there (the projector
        onto the null space less that cell's direction), for at most ``_CLIMB_STEPS`` turns.
        Every point on the way is feasible. It never lets a cell rise from zero again, so
        where it stops short a linear programme decides."""
        projector = self.basis @ self.basis.T
        for j in columns.tolist():
            if self.top[j] >= min_n - 1e-6:
                continue  # reached by an earlier climb
            p, x = projector.copy(), self.x0.copy()
            for _ in range(_CLIMB_STEPS):
                d = p[:, j]
                if d[j] < 1e-9:
                    break
                need = (min_n - x[j]) / d[j]
                falling = np.flatnonzero(d < -1e-12)
                limits = x[falling] / -d[falling]
                if not len(limits) or limits.min() >= need:
                    self.see(np.maximum(x + need * d, 0.0))
                    break
                k = int(np.argmin(limits))
                x += limits[k] * d
                i = falling[k]
                x[i] = 0.0
                if p[i, i] < 1e-9:
                    break
                p -= np.outer(p[:, i], p[:, i]) / p[i, i]

    def extreme(self, columns: list[int], *, maximize: bool) -> float | None:
        """The largest (or smallest) feasible sum of the unknowns ``columns``; None if not
        solved."""
        cost = np.zeros(len(self.unknown))
        cost[columns] = 1.0
        found = self._program().optimum(cost, maximize=maximize)
        if found is None:
            return None
        value, point = found
        if point.size:
            self.see(point)
        return value

    def _program(self) -> _LinearProgram:
        """The group's linear programme (``A x = b``, ``x >= 0``), built on first use."""
        if self._lp is None:
            n = len(self.unknown)
            self._lp = _LinearProgram(self.a, self.b, np.zeros(n), np.full(n, np.inf))
        return self._lp

    def see(self, point: np.ndarray) -> None:
        """Widen the ranges seen by one more feasible point."""
        self.low, self.top = np.minimum(self.low, point), np.maximum(self.top, point)

    def raise_together(self, columns: np.ndarray, *, min_n: int) -> None:
        """Look for feasible points where many of the small cells ``columns`` reach ``min_n``
        at once: with those cells capped at ``min_n``, maximise their sum over the cells not yet
        seen there, again until no further cell gets there. Each such point shows several cells
        safe with one linear programme. The cap only narrows the search (every point found is
        feasible); cells it does not lift are left for one programme each."""
        lp = self._program()
        n = len(self.unknown)
        lp.limit(columns, np.zeros(len(columns)), np.full(len(columns), float(min_n)))
        pending = np.ones(len(columns), dtype=bool)
        while pending.any():
            cost = np.zeros(n)
            cost[columns[pending]] = 1.0
            found = lp.optimum(cost, maximize=True)
            if found is None or not found[1].size:
                break
            self.see(found[1])
            lifted = pending & (found[1][columns] >= min_n - 1e-6)
            if not lifted.any():
                break
            pending &= ~lifted
        lp.limit(columns, np.zeros(len(columns)), np.full(len(columns), np.inf))

    def safe_as_seen(self, j: int, is_small: bool, min_n: int) -> bool:
        """Whether the points seen already show that a reader cannot pin cell ``j`` or bound
        it below ``min_n``."""
        big_enough = not is_small or self.top[j] >= min_n - 1e-6
        wide_enough = (
            not self.zeros or np.floor(self.top[j] + 1e-6) - np.ceil(self.low[j] - 1e-6) >= 1
        )
        return bool(big_enough and wide_enough)


def _exposed(group: _Group, targets: np.ndarray, *, min_n: int) -> list[int]:
    """The targets (unknown cells) a reader can pin down, or bound below ``min_n``.

    Algebra first: a cell is fixed by the sums when its coordinate vanishes on their null space.
    Counts cannot be negative either, so the sums plus ``x >= 0`` bound every cell; the bounds
    come from a linear programme (HiGHS). A cell is exposed when its feasible range holds a
    single whole number, or when it is a small count (1 … ``min_n``−1) whose largest feasible
    value is still below ``min_n`` (a reader would know it is small). The lower bound matters
    only where an unknown cell is zero; without zeros every free cell can move both ways.
    """
    if group.a.shape[0] == 0:
        return []
    columns = np.array([group.pos[int(t)] for t in targets], dtype=np.int64)
    is_small = small(group.x0[columns], min_n)
    below = columns[is_small & (group.top[columns] < min_n - 1e-6) & group.moves[columns]]
    group.climb(below, min_n=min_n)
    below = below[group.top[below] < min_n - 1e-6]
    if len(below) > 1:
        group.raise_together(below, min_n=min_n)
    exposed = []
    for t, j, is_small_t in zip(targets.tolist(), columns.tolist(), is_small.tolist(), strict=True):
        if not group.moves[j]:
            exposed.append(t)
            continue
        if not (group.zeros or is_small_t) or group.safe_as_seen(j, is_small_t, min_n):
            continue
        top = group.extreme([j], maximize=True)
        if top is None:
            continue  # numerically troubled: the algebraic check above still holds
        if is_small_t and top < min_n - 1e-6:
            exposed.append(t)
            continue
        if group.safe_as_seen(j, is_small_t, min_n):
            continue
        low = group.extreme([j], maximize=False)
        if low is not None and np.floor(top + 1e-6) - np.ceil(low - 1e-6) < 1:
            exposed.append(t)
    return exposed


def _null_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the null space of ``a`` as columns (what
    :func:`scipy.linalg.null_space` gives, without its checks, which cost more than the
    decomposition on the many small systems here)."""
    if a.shape[0] == 0:
        return np.eye(a.shape[1])
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((s > s.max(initial=0.0) * max(a.shape) * np.finfo(float).eps).sum())
    return vt[rank:].T


def _reach(basis: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How low and how high each cell gets when moving from the true counts ``x0`` along each
    direction (a column of ``basis``, in the null space; one at a time) as far as every count
    stays non-negative."""
    if basis.shape[1] == 0:
        return x0.copy(), x0.copy()
    tol = 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        step_plus = np.where(basis < -tol, x0[:, None] / -basis, np.inf).min(axis=0)
        step_minus = np.where(basis > tol, x0[:, None] / basis, np.inf).min(axis=0)
        size = np.abs(basis)
        up = np.where(basis > tol, step_plus * size, np.where(basis < -tol, step_minus * size, 0))
        down = np.where(basis > tol, step_minus * size, np.where(basis < -tol, step_plus * size, 0))
    return x0 - np.nan_to_num(down, nan=0.0).max(axis=1), x0 + np.nan_to_num(
        up, nan=0.0, posinf=np.inf
    ).max(axis=1)


def _freeing_cells(
    group: _Group, exposed: list[int], shown: np.ndarray, *, min_n: int
) -> list[int]:
    """Shown cells of the group whose hiding frees the ``exposed`` cells, found with linear
    programmes.

    The shown cells become free too, each with a cost per unit it moves away from its true
    value (cells in a sum with the target cost less, cells in more than two sums more, cells
    already chosen nothing), and the target is required to reach ``min_n`` (a small count) or
    to move by one (a pinned cell). The cheapest such point moves few shown cells. When it moves no new cell, the cells
    already chosen free this target too; when it moves one, hiding that cell frees the target,
    as the point proves. Otherwise each moved cell is tried alone, and failing that the one
    that moved most is taken, for the next pass to go on from. Targets that no shown cells can
    free add nothing.
    """
    if not len(shown):
        return []
    sums, unknown, values = group.sums, group.unknown, group.sums.values
    a, b = _system(sums, group.entries, np.concatenate([unknown, shown]))
    n, k = len(unknown), len(shown)
    a_shown = a[:, n:]
    v = values[shown]
    # x (unknown cells), then how far each shown cell moves up, then down
    moves, free = np.arange(n, n + 2 * k), np.concatenate([np.full(k, np.inf), v])
    lp = _LinearProgram(
        np.hstack([a[:, :n], a_shown, -a_shown]),
        b - a_shown @ v,
        np.zeros(n + 2 * k),
        np.concatenate([np.full(n, np.inf), free]),
    )
    cells, owners = sums.cells[group.entries], sums.owner[group.entries]
    chosen: list[int] = []
    # a cell in many sums (a total that several partitions add up to) links many groups once
    # hidden, and they would have to be checked again as one: each sum beyond two costs more
    links = np.maximum(sums.degree[shown] - 2, 0)
    for target in exposed:
        near = np.isin(shown, cells[np.isin(owners, owners[cells == target])])
        weight = np.where(np.isin(shown, chosen), 0.0, np.where(near, 1.0, 2.0) + links)
        cost = np.concatenate([np.zeros(n), weight, weight])
        j = group.pos[target]
        v_t = float(values[target])
        if small(values[target : target + 1], min_n)[0]:
            demands = [(float(min_n), np.inf)]
        else:
            demands = [(v_t + 1, np.inf)] + ([(0.0, v_t - 1)] if v_t >= 1 - EPS else [])
        best = _cheapest(lp, cost, j, demands)
        if best is not None:
            moved = best[n : n + k] + best[n + k :]
            order = [i for i in np.argsort(-moved, kind="stable") if moved[i] > 1e-6]
            taken = np.isin(shown, chosen)
            new = [i for i in order if not taken[i]]
            if len(new) > 1:
                # each moved cell alone (with those already chosen): is there such a point?
                for i in new:
                    fixed = ~taken
                    fixed[i] = False
                    lp.limit(moves, np.zeros(2 * k), np.where(np.r_[fixed, fixed], 0.0, free))
                    if _cheapest(lp, cost, j, demands) is not None:
                        new = [i]
                        break
                lp.limit(moves, np.zeros(2 * k), free)  # all free again for the next target
            if new:
                chosen.append(int(shown[new[0]]))
        lp.limit(np.array([j]), np.zeros(1), np.full(1, np.inf))
    return chosen


def _cheapest(
    lp: _LinearProgram, cost: np.ndarray, j: int, demands: list[tuple[float, float]]
) -> np.ndarray | None:
    """The cheapest point meeting any one of the ``demands`` (bounds on column ``j``)."""
    best: tuple[float, np.ndarray] | None = None
    for low, high in demands:
        lp.limit(np.array([j]), np.array([low]), np.array([high]))
        found = lp.optimum(cost, maximize=False)
        if found is not None and found[1].size and (best is None or found[0] < best[0]):
            best = found
    return None if best is None else best[1]


def _unknown_groups(
    sums: Sums, hidden: np.ndarray, protect: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cells a reader can still not compute, grouped by the sums that link them.

    First every sum with a single unknown cell gives that cell (a reader computes it) and
    counts as shown, repeated until no such sum is left; the local rule has already made sure
    that no protected cell goes this way. What is left splits into groups of unknown cells
    linked by sums; each group can be checked on its own, with all other cells as constants.

    Returns
    -------
    known
        Per cell: shown, or computable by the reader.
    groups
        For each group with a protected unknown cell, the entries (positions in
        ``sums.cells``) of its sums, those sums being the ones with at least one unknown cell.
    """
    known = sums.computable(hidden)
    owner = sums.owner
    unknown = ~known[sums.cells]
    active = np.bincount(owner, weights=unknown, minlength=sums.count) > 0
    entries = np.flatnonzero(unknown & active[owner])
    if entries.size == 0:
        return known, []
    # link every unknown cell to the first unknown cell of each of its sums
    first = np.full(sums.count, -1, dtype=np.int64)
    first[owner[entries[::-1]]] = sums.cells[entries[::-1]]
    n = len(hidden)
    graph = coo_matrix(
        (np.ones(entries.size), (sums.cells[entries], first[owner[entries]])), shape=(n, n)
    )
    _, label = connected_components(graph, directed=False)
    at_risk = np.zeros(label.max() + 1, dtype=bool)
    risky = sums.cells[entries][protect[sums.cells[entries]]]
    at_risk[label[risky]] = True
    member = np.flatnonzero(active[owner])
    group = label[first[owner[member]]]
    member, group = member[at_risk[group]], group[at_risk[group]]
    order = np.argsort(group, kind="stable")
    return known, np.split(member[order], np.flatnonzero(np.diff(group[order])) + 1)


def _is_tree(sums: Sums, entries: np.ndarray, known: np.ndarray) -> bool:
    """Whether a group's sums link its unknown cells without cycles (no two sums share two
    unknown cells, no ring of sums): as many links as cells plus sums, less one.

    On such a group the settled bound propagation already gives each cell its exact range: each
    sum narrows its cells to the values it can support, and without cycles every supported
    value extends to a solution of the whole group (local consistency is global on acyclic
    constraint networks). Propagation rounds to whole numbers, so its ranges are at most as
    wide as the exact ones, and whatever the exact check would expose, it has exposed already.
    """
    unknown = ~known[sums.cells[entries]]
    links = int(unknown.sum())
    cells = len(np.unique(sums.cells[entries][unknown]))
    return links == cells + len(np.unique(sums.owner[entries])) - 1


def _exact_pass(
    sums: Sums,
    *,
    hidden: np.ndarray,
    protect: np.ndarray,
    safe: set[bytes],
    settled: bool,
) -> list[int]:
    """Check each group of unknown cells exactly; in each group with exposed cells, hide more
    shown cells (see :func:`_freeing_cells`). Returns the cells it hid.

    Groups are independent, so one pass settles the exposures of every group (a report over
    many kommuner needs as many passes as its most exposed group, not as all together). A group
    that shares a cell hidden earlier in the same pass waits for the next pass. Acyclic groups
    are skipped when bound propagation has ``settled`` on them (see :func:`_is_tree`). ``safe``
    remembers groups (by their unknown cells) already found safe, so that a group is solved
    again only when one of its cells changes.
    """
    min_n = sums.min_n
    known, groups = _unknown_groups(sums, hidden, protect)
    touched = np.zeros(len(hidden), dtype=bool)
    hid: list[int] = []
    for entries in groups:
        cells = np.unique(sums.cells[entries])
        unknown = cells[~known[cells]]
        key = unknown.tobytes()
        if key in safe or touched[cells].any():
            continue
        if settled and _is_tree(sums, entries, known):
            safe.add(key)
            continue
        targets = unknown[protect[unknown]]
        system = _Group(sums, entries, unknown, targets)
        exposed = _exposed(system, targets, min_n=min_n)
        if not exposed:
            safe.add(key)
            continue
        free = cells[~hidden[cells] & ~sums.fixed[cells]]
        shown = sorted(free.tolist(), key=lambda c: _nearest_first(c, sums.values))
        chosen = _freeing_cells(system, exposed, np.asarray(shown, dtype=np.int64), min_n=min_n)
        hidden[chosen] = protect[chosen] = touched[chosen] = True
        hid.extend(chosen)
    return hid
