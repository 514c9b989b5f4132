"""Counts published together, protected together: one model for everything a reader sees.

A result that is more than one table (the criteria check: the groups, the counts of each step,
the cases set aside per group, the strata, the levels of the homogeneity test) publishes counts
that are linked by sums a reader can follow: cases after one step are those of the step before
less the ones set aside, strata add up to the cases compared, the same stratum appears twice.
Protecting each part on its own leaves those sums open (115 cases after one step and 114 after
the next give away the one case set aside). A :class:`Publication` collects every count under a
name, once however often it appears, with the sums between them, and protects them all at once
with the secondary suppression of :mod:`isuwork.privacy.secondary`.

A count whose fate is settled outside these counts is registered with :meth:`Publication.given`:
a count the same publication shows elsewhere (a group's cases in the screening list of the
report's first page), or one the page gives away by leaving something out (no note when there
are none), stays shown and the protection hides other counts instead, since hiding it would
protect nothing; a count hidden elsewhere is hidden here too and protected like a small count.

Counts a reader never sees but can reason about (the cases of one group still compared after a
step) are *virtual*: they take part in sums and are never shown. A count published only as a
share of another (``share_of``) follows the primary rules of shares (a small count or
complement, and 0 % or 100 % in a small group, see
:func:`~isuwork.privacy.primary.all_or_none`), and is hidden whenever the count it is a
share of is hidden.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

from isuwork.privacy.primary import all_or_none, check_min_n
from isuwork.privacy.secondary import Model, derivable, hide_recoverable, small


@dataclass
class Publication:
    """Named counts and the sums between them; :meth:`protect` decides what may be shown."""

    min_n: int
    _index: dict[Hashable, int] = field(default_factory=dict)
    _values: list[float] = field(default_factory=list)
    _shown: list[bool] = field(default_factory=list)
    _share_of: dict[int, int] = field(default_factory=dict)
    _everyone_only: set[int] = field(default_factory=set)
    _sums: list[tuple[list[int], int]] = field(default_factory=list)
    _elsewhere: dict[int, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_min_n(self.min_n)

    def add(
        self,
        name: Hashable,
        value: float,
        *,
        shown: bool = True,
        share_of: Hashable | None = None,
        category: bool = False,
    ) -> bool:
        """Register a count; return False (and register nothing) when ``value`` is missing.

        A name already registered is the same count: it must have the same value, and it is
        shown if either registration shows it. ``share_of`` names the count this one is shown
        as a share of; ``category`` marks a category of a categorical outcome (only its 100 %
        is group disclosure).
        """
        if value is None or not np.isfinite(float(value)):
            return False
        value = float(value)
        if name in self._index:
            i = self._index[name]
            if abs(self._values[i] - value) > 1e-9:
                raise ValueError(f"{name!r} registered as {self._values[i]} and as {value}")
            self._shown[i] |= shown
        else:
            self._index[name] = len(self._values)
            self._values.append(value)
            self._shown.append(shown)
        i = self._index[name]
        if share_of is not None and share_of in self._index:
            self._share_of[i] = self._index[share_of]
            if category:
                self._everyone_only.add(i)
        return True

    def given(self, name: Hashable, *, shown: bool) -> None:
        """Count ``name`` (if registered) is ``shown`` whatever is hidden here (a reader has it
        from elsewhere), or hidden elsewhere and so hidden here too."""
        if name in self._index:
            self._elsewhere[self._index[name]] = shown

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def value(self, name: Hashable) -> float:
        """The registered value of a count."""
        return self._values[self._index[name]]

    def add_sum(self, members: Iterable[Hashable], total: Hashable) -> None:
        """The ``members`` add up to ``total``, or to less (the rest is a virtual count).

        Names that were never registered (missing values) are left out; the rest covers them.
        """
        cells = [self._index[m] for m in members if m in self._index]
        if cells and total in self._index:
            self._sums.append((cells, self._index[total]))

    def protect(self, *, exact: bool = True) -> Protection:
        """Hide what rests on too few cases, and what would give a hidden count away."""
        values = np.asarray(self._values, dtype=float)
        shown = np.asarray(self._shown, dtype=bool)
        model = Model()
        cell = np.empty(len(values), dtype=np.int64)
        cell[shown] = model.add(values[shown])
        cell[~shown] = model.add(values[~shown], virtual=True)
        if self._sums:
            members = np.concatenate([cell[m] for m, _ in self._sums])
            group = np.repeat(np.arange(len(self._sums)), [len(m) for m, _ in self._sums])
            totals = cell[[t for _, t in self._sums]]
            model.add_sums(members, group, totals, exhaustive=True)
        counts = np.array(sorted(self._share_of), dtype=np.int64)
        of = np.array([self._share_of[i] for i in counts], dtype=np.int64)
        categorical = np.isin(counts, list(self._everyone_only))
        complement = model.add_sums(
            cell[counts], np.arange(len(counts)), cell[of], exhaustive=False
        )

        hidden = np.zeros(model.size, dtype=bool)
        hidden[cell] = small(values, self.min_n)
        count, n = values[counts], values[of]
        hidden[cell[counts]] |= small(n - count, self.min_n) | all_or_none(
            count, n, self.min_n, categorical=categorical
        )
        virtual = model.virtual
        hidden |= virtual
        elsewhere = np.array(list(self._elsewhere), dtype=np.int64)
        shown_there = np.array(list(self._elsewhere.values()), dtype=bool)
        hidden[cell[elsewhere[~shown_there]]] = True
        protect = (hidden & ~virtual) | (virtual & small(model.values, self.min_n))
        # what a reader has from elsewhere is never protected here, nor hidden to protect others
        fixed = np.zeros(model.size, dtype=bool)
        fixed[cell[elsewhere[shown_there]]] = True
        protect &= ~fixed
        # a complement of 0 in a small group says "everyone": a reader must not pin it either
        everyone = (complement >= 0) & all_or_none(count, n, self.min_n, categorical=True)
        protect[complement[everyone]] = True
        primary = hidden.copy()
        changed = None  # the first pass checks everything, later ones only around what changed
        while True:
            hide_recoverable(
                model,
                min_n=self.min_n,
                hidden=hidden,
                protect=protect,
                exact=exact,
                around=changed,
                fixed=fixed,
            )
            # a share cannot be shown without the count it is a share of
            follows = hidden[cell[of]] & ~hidden[cell[counts]] & ~fixed[cell[counts]]
            if not follows.any():
                break
            changed = cell[counts[follows]]
            hidden[changed] = protect[changed] = True
        if fixed.any():
            # a count hidden only to protect another, which a reader works out from what is
            # shown elsewhere, protects nothing: it is shown
            worked_out = derivable(model, hidden) & hidden & ~primary
            hidden[worked_out & ~small(model.values, self.min_n)] = False
        return Protection(
            {name: values[i] for name, i in self._index.items() if shown[i]},
            {name for name, i in self._index.items() if shown[i] and hidden[cell[i]]},
            self.min_n,
        )


@dataclass(frozen=True)
class Protection:
    """What a :class:`Publication` may show: the value of each shown count, or None."""

    values: dict[Hashable, float]
    hidden: set[Hashable]
    min_n: int

    def count(self, name: Hashable) -> int | None:
        """The count to show, or None when it is hidden or was never registered."""
        if name in self.hidden or name not in self.values:
            return None
        return int(round(self.values[name]))

    def shows(self, *names: Hashable) -> bool:
        """Whether every one of these counts is shown."""
        return all(self.count(name) is not None for name in names)
