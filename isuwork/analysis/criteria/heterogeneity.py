"""Is the difference the same in every need stratum? Opposite differences must not cancel.

A difference held within strata is a weighted average. When it goes one way in some strata and
the other way in others (or is large in one and absent elsewhere), the average can be near zero
although some clients are treated differently. The test looks along levels of need (the need
strata themselves, or, when those are groups of a prognostic score, the combinations of the
coarse need variables). For shares in exact strata it is Breslow–Day with Tarone's correction
(equal odds ratios); otherwise a regression test of whether the difference changes between
levels with the fine strata held fixed (logistic regression and a likelihood-ratio test for
shares, least squares and an F test for means). Each level's own difference is held within
the fine strata of the level. Only levels where each compared group has at least
:data:`MIN_STRATUM_N` cases take part, both in the test and in naming the levels that show a
clear difference on their own; those intervals are Bonferroni-adjusted for the number of
levels looked at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isuwork.analysis import stats
from isuwork.analysis.criteria.estimate import (
    Cases,
    Cells,
    cells,
    number_or_none,
    within_strata,
)

#: Fewest cases per compared group for a stratum to be tested and named on its own.
MIN_STRATUM_N = 10
#: The homogeneity test's level, as a part of the check's ``alpha``. The check calls a
#: difference a risk either when the pooled difference is clear or when it clearly varies and
#: one stratum shows it; the stricter level keeps the two routes together near ``alpha``.
ALPHA_SHARE = 1 / 5
#: The level, as a multiple of the check's ``alpha``, at which a sign of variation is enough to
#: stop the verdict ``no_difference``: tests of heterogeneity have little power and are
#: customarily read at twice the usual level (0.10).
DOUBT_FACTOR = 2


@dataclass(frozen=True)
class StratumDiff:
    """The difference in one stratum (first minus second group), with its adjusted interval."""

    stratum: str
    diff: float
    ci_low: float
    ci_high: float
    n: tuple[int, int]
    clear: bool


@dataclass(frozen=True)
class Heterogeneity:
    """The homogeneity test over the strata and the strata it looked at.

    Attributes
    ----------
    method
        ``breslow_day_tarone`` (shares in exact strata), ``likelihood_ratio`` (other shares) or
        ``f_test`` (means).
    statistic, df, p_value
        The test; ``p_value`` is NaN when fewer than two strata could take part.
    strata
        Per stratum that took part: its difference and Bonferroni-adjusted interval.
    alpha
        The level of the test.
    """

    method: str
    statistic: float
    df: int
    p_value: float
    strata: tuple[StratumDiff, ...]
    alpha: float

    @property
    def rejected(self) -> bool:
        """True when the difference clearly varies between strata (p below ``alpha``)."""
        return bool(np.isfinite(self.p_value) and self.p_value < self.alpha)

    @property
    def doubtful(self) -> bool:
        """True when homogeneity is in doubt: p below twice the check's level (0.10).

        Too weak a sign to call a risk, strong enough that the data cannot rule a difference out.
        """
        level = self.alpha / ALPHA_SHARE * DOUBT_FACTOR
        return bool(np.isfinite(self.p_value) and self.p_value < level)

    @property
    def clear_strata(self) -> tuple[StratumDiff, ...]:
        """Strata whose own difference is clear (adjusted interval excludes 0, at least min_diff)."""
        return tuple(s for s in self.strata if s.clear)

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``method``, ``p`` and per stratum ``stratum``, ``diff``, ``ci``, ``n``."""
        return {
            "method": self.method,
            "p": number_or_none(self.p_value),
            "strata": [
                {
                    "stratum": s.stratum,
                    "diff": number_or_none(s.diff),
                    "ci": [number_or_none(s.ci_low), number_or_none(s.ci_high)],
                    "n": list(s.n),
                    "clear": s.clear,
                }
                for s in self.strata
            ],
        }


def heterogeneity(
    cases: Cases,
    codes: np.ndarray,
    k: int,
    keep: np.ndarray,
    in_both: np.ndarray,
    bands: np.ndarray,
    names: list[str],
    *,
    alpha: float,
    min_diff: float,
) -> Heterogeneity:
    """Test whether the difference varies between levels of need, and name those that show one.

    Within each level (band) the difference is held within the fine need strata it contains,
    so that a level's difference is as adjusted as the overall one.

    Parameters
    ----------
    cases
        The analysed cases.
    codes, k
        The fine need stratum of each case, and their number.
    keep, in_both
        Which cases are still in the comparison, and which of them lie in a stratum where both
        compared groups are present.
    bands, names
        The level of need of each case (numbers from 0), and each level's name.
    alpha, min_diff
        The check's level (the test uses ``alpha * ALPHA_SHARE``; the levels' own intervals
        ``alpha`` over the number of levels tested), and the smallest clear difference.
    """
    tables = [cells(cases, codes, k, keep & (bands == band)) for band in range(len(names))]
    rows = [t.n[t.both].sum(axis=0) if t.both.any() else [0, 0] for t in tables]
    counts = np.array(rows, dtype=np.int64).reshape(-1, 2)  # no levels: no rows, two columns
    use = (counts >= MIN_STRATUM_N).all(axis=1)
    adjusted = alpha / max(int(use.sum()), 1)
    results = [
        within_strata(t, share=cases.share, alpha=adjusted)
        for t, used in zip(tables, use, strict=True)
        if used
    ]
    exact = bool((bands == codes).all())
    level = alpha * ALPHA_SHARE
    if not use.any():
        # no level with enough cases of both groups (an empty selection has no levels at all)
        method = (
            "f_test" if not cases.share else "breslow_day_tarone" if exact else "likelihood_ratio"
        )
        return Heterogeneity(method, float("nan"), 0, float("nan"), (), level)
    if cases.share and exact:
        # each level is one stratum: the classical test of equal odds ratios
        a, n1, c, n2 = np.array([_sums(t) for t in tables])[use].T
        test = stats.breslow_day(a.round(), n1, c, n2)
    else:
        chosen = in_both & use[bands]
        test = stats.interaction_test(
            cases.y[chosen], cases.g[chosen], codes[chosen], bands[chosen], share=cases.share
        )
    chosen_names = [name for name, used in zip(names, use, strict=True) if used]
    strata = tuple(
        StratumDiff(
            stratum=name,
            diff=float(r.diff),
            ci_low=float(r.ci_low),
            ci_high=float(r.ci_high),
            n=(int(n[0]), int(n[1])),
            clear=bool((r.ci_low > 0 or r.ci_high < 0) and abs(r.diff) >= min_diff),
        )
        for name, r, n in zip(chosen_names, results, counts[use], strict=True)
    )
    return Heterogeneity(test.method, test.statistic, test.df, test.p_value, strata, level)


def _sums(table: Cells) -> tuple[float, float, float, float]:
    """Events and cases of each group in the strata where both are present."""
    use = table.both
    return (
        float(table.total[use, 0].sum()),
        float(table.n[use, 0].sum()),
        float(table.total[use, 1].sum()),
        float(table.n[use, 1].sum()),
    )
