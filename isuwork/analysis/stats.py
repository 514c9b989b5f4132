"""Statistics for group comparisons: intervals, differences, stratified estimates, FDR.

Pure functions over numpy arrays, vectorised over many cells at once, with no knowledge of
column names. Shares get Wilson intervals, differences of shares Newcombe's hybrid score
interval with a Pearson chi-square or (for small expected counts) Fisher's exact test; means get
t intervals and Welch tests. Differences held within strata (need, department …) use
Mantel–Haenszel-type weights ``n1*n2/(n1+n2)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

#: Expected cell count below which the exact test replaces the chi-square test.
EXACT_BELOW = 5.0
#: Fewest cases per group for a stratum to take part in a stratified comparison of means.
MIN_CELL_MEANS = 2


def _arr(x: object) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def _z(alpha: float) -> float:
    return float(sps.norm.ppf(1 - alpha / 2))


def wilson_interval(count, n, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for shares ``count / n`` (NaN where ``n`` is 0 or missing).

    Examples
    --------
    >>> low, high = wilson_interval([5], [10])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.2366, 0.7634)
    """
    count, n = _arr(count), _arr(n)
    ok = (n > 0) & np.isfinite(count)
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(count[ok], n[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = lo, hi
        # the limits are exactly 0 and 1 at the boundaries; remove floating-point residue
        low[ok & (count == 0)] = 0.0
        high[ok & (count == n)] = 1.0
    return low, high


def mean_interval(mean, sd, n, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval for means from summary statistics (NaN where ``n`` < 2)."""
    mean, sd, n = _arr(mean), _arr(sd), _arr(n)
    ok = n >= 2
    half = np.full(n.shape, np.nan)
    half[ok] = sps.t.ppf(1 - alpha / 2, n[ok] - 1) * sd[ok] / np.sqrt(n[ok])
    return mean - half, mean + half


def diff_proportions(count1, n1, count2, n2, *, alpha: float = 0.05) -> pd.DataFrame:
    """Difference of two independent shares, ``p1 - p2``, per cell.

    Returns
    -------
    DataFrame
        ``diff``, ``ci_low``, ``ci_high`` (Newcombe's hybrid score interval, method 10 of
        Newcombe 1998), ``p_value`` and ``test``: ``"fisher"`` (two-sided exact) when any expected
        count is below 5, else ``"chi2"`` (Pearson, no continuity correction). NaN where a group
        is empty.
    """
    c1, n1, c2, n2 = _arr(count1), _arr(n1), _arr(count2), _arr(n2)
    c1, n1, c2, n2 = np.broadcast_arrays(c1, n1, c2, n2)
    size = c1.shape
    out = {k: np.full(size, np.nan) for k in ("diff", "ci_low", "ci_high", "p_value")}
    test = np.full(size, None, dtype=object)
    ok = (n1 > 0) & (n2 > 0) & np.isfinite(c1) & np.isfinite(c2)
    if ok.any():
        a, m, c, k = c1[ok], n1[ok], c2[ok], n2[ok]
        out["diff"][ok] = a / m - c / k
        low, high = confint_proportions_2indep(a, m, c, k, method="newcomb", alpha=alpha)
        # a difference of shares lies in [-1, 1]; remove floating-point residue at the ends
        out["ci_low"][ok], out["ci_high"][ok] = np.clip(low, -1, 1), np.clip(high, -1, 1)
        total = m + k
        events = a + c
        expected = np.minimum.reduce(
            [
                m * events / total,
                k * events / total,
                m * (total - events) / total,
                k * (total - events) / total,
            ]
        )
        pooled = events / total
        se = np.sqrt(pooled * (1 - pooled) * (1 / m + 1 / k))
        with np.errstate(divide="ignore", invalid="ignore"):
            zstat = np.where(se > 0, (a / m - c / k) / se, 0.0)
        p = 2 * sps.norm.sf(np.abs(zstat))
        small = expected < EXACT_BELOW
        kind = np.where(small, "fisher", "chi2").astype(object)
        p[small] = fisher_exact_pvalues(a[small], m[small], c[small], k[small])
        out["p_value"][ok] = p
        test[ok] = kind
    frame = pd.DataFrame(out)
    frame["test"] = test
    return frame


#: Relative tolerance for tables as probable as the observed one (as in R's fisher.test).
_FISHER_TIES = 1e-7
#: Support points handled at once by :func:`fisher_exact_pvalues` (bounds memory).
_FISHER_CHUNK = 2_000_000


def fisher_exact_pvalues(count1, n1, count2, n2) -> np.ndarray:
    """Two-sided Fisher exact p-values of many 2×2 tables ``[[a, n1-a], [c, n2-c]]`` at once.

    The same test as :func:`scipy.stats.fisher_exact` (the p-value sums the hypergeometric
    probabilities of every table with the observed margins that is no more probable than the
    observed one), computed over all tables in one pass with :data:`scipy.stats.hypergeom`
    instead of one call per table, which is what makes screening hundreds of thousands of
    small cells feasible. Tables within a relative ``1e-7`` of the observed probability count
    as ties, as in R's ``fisher.test``.

    Examples
    --------
    >>> round(float(fisher_exact_pvalues([3], [4], [1], [4])[0]), 4)  # Fisher's tea tasting
    0.4857
    """
    a, m, c, k = (np.atleast_1d(np.asarray(v, dtype=np.int64)) for v in (count1, n1, count2, n2))
    a, m, c, k = np.broadcast_arrays(a, m, c, k)
    total, events = m + k, a + c
    low, high = np.maximum(0, events - k), np.minimum(m, events)
    size = high - low + 1
    observed = sps.hypergeom.logpmf(a, total, m, events) + np.log1p(_FISHER_TIES)
    out = np.ones(a.shape, dtype=float)
    ends = np.cumsum(size)
    start = 0
    while start < len(size):
        # tables whose support points fit in one chunk (at least one table)
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - size[start] + _FISHER_CHUNK)))
        sizes = size[start:stop]
        table = np.repeat(np.arange(stop - start), sizes)
        offset = np.arange(len(table)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        t = table + start
        x = low[t] + offset
        logp = sps.hypergeom.logpmf(x, total[t], m[t], events[t])
        keep = logp <= observed[t]
        mass = np.bincount(table, weights=np.where(keep, np.exp(logp), 0.0), minlength=len(sizes))
        out[start:stop] = np.minimum(mass, 1.0)
        start = stop
    return out


def diff_means(mean1, sd1, n1, mean2, sd2, n2, *, alpha: float = 0.05) -> pd.DataFrame:
    """Difference of two means, ``mean1 - mean2``, with Welch's t interval and test, per cell.

    NaN where a group has fewer than two cases (no variance can be estimated).
    """
    m1, s1, k1, m2, s2, k2 = np.broadcast_arrays(*map(_arr, (mean1, sd1, n1, mean2, sd2, n2)))
    diff = m1 - m2
    v1, v2 = s1**2 / np.where(k1 > 0, k1, np.nan), s2**2 / np.where(k2 > 0, k2, np.nan)
    se = np.sqrt(v1 + v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (v1 + v2) ** 2 / (v1**2 / (k1 - 1) + v2**2 / (k2 - 1))
        tstat = diff / se
    ok = (k1 >= 2) & (k2 >= 2) & np.isfinite(diff)
    low = np.full(diff.shape, np.nan)
    high = np.full(diff.shape, np.nan)
    p = np.full(diff.shape, np.nan)
    zero_var = ok & (se == 0)
    live = ok & (se > 0)
    if live.any():
        q = sps.t.ppf(1 - alpha / 2, df[live])
        low[live] = diff[live] - q * se[live]
        high[live] = diff[live] + q * se[live]
        p[live] = 2 * sps.t.sf(np.abs(tstat[live]), df[live])
    # no spread in either group: the difference is exact
    low[zero_var] = high[zero_var] = diff[zero_var]
    p[zero_var] = np.where(diff[zero_var] == 0, 1.0, 0.0)
    diff = np.where(ok, diff, np.nan)
    return pd.DataFrame(
        {"diff": diff, "ci_low": low, "ci_high": high, "p_value": p, "test": "welch"}
    )


@dataclass(frozen=True)
class StratifiedDiff:
    """A difference held within strata, with how much of the data could be used."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    strata_used: int
    strata_total: int
    n_used: int
    n_total: int
    se: float = float("nan")


def _strata_mask(n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    return (n1 > 0) & (n2 > 0)


def stratified_diff_proportions(count1, n1, count2, n2, *, alpha: float = 0.05) -> StratifiedDiff:
    """Mantel–Haenszel risk difference over strata (group 1 minus group 2).

    Weights ``n1*n2/(n1+n2)``; the variance is Sato's (1989) estimator, which stays valid both
    with many sparse strata and with few large ones (Sato, *Biometrics* 45:1323–1324; the same
    estimator as Greenland & Robins 1985 in large strata). The p-value is the
    Cochran–Mantel–Haenszel test without continuity correction. Strata where one group is absent
    are counted in ``strata_total``/``n_total`` but cannot contribute.
    """
    a, m, c, k = map(_arr, (count1, n1, count2, n2))
    n_total = int(np.nansum(m) + np.nansum(k))
    used = _strata_mask(m, k)
    method = "mantel_haenszel_rd"
    if not used.any():
        nan = float("nan")
        return StratifiedDiff(nan, nan, nan, nan, method, 0, len(m), 0, n_total)
    a, m, c, k = a[used], m[used], c[used], k[used]
    total = m + k
    weight = m * k / total
    diff = float(np.sum((a * k - c * m) / total) / np.sum(weight))
    p_term = (m**2 * c - k**2 * a + m * k * (k - m) / 2) / total**2
    q_term = (a * (k - c) + c * (m - a)) / (2 * total)
    var = (diff * np.sum(p_term) + np.sum(q_term)) / np.sum(weight) ** 2
    se = float(np.sqrt(max(var, 0.0)))
    z = _z(alpha)
    p_value = _cmh_pvalue(a, m, c, k)
    if se == 0 and np.isnan(p_value):
        p_value = 1.0 if diff == 0 else 0.0
    return StratifiedDiff(
        diff=diff,
        ci_low=diff - z * se,
        ci_high=diff + z * se,
        p_value=p_value,
        method=method,
        strata_used=int(used.sum()),
        strata_total=len(used),
        n_used=int(total.sum()),
        n_total=n_total,
        se=se,
    )


def _cmh_pvalue(
    a: np.ndarray, m: np.ndarray, c: np.ndarray, k: np.ndarray, *, correction: bool = False
) -> float:
    """Two-sided Cochran–Mantel–Haenszel test; NaN if degenerate."""
    total = m + k
    events = a + c
    expected = m * events / total
    with np.errstate(divide="ignore", invalid="ignore"):
        var = m * k * events * (total - events) / (total**2 * (total - 1))
    var = np.where(total > 1, var, 0.0)
    denominator = float(np.sum(var))
    if denominator <= 0:
        return float("nan")
    gap = abs(float(np.sum(a - expected)))
    if correction:
        gap = max(gap - 0.5, 0.0)
    statistic = gap**2 / denominator
    return float(sps.chi2.sf(statistic, 1))


def stratified_diff_means(mean1, sd1, n1, mean2, sd2, n2, *, alpha: float = 0.05) -> StratifiedDiff:
    """Weighted mean difference over strata (group 1 minus group 2), Student-t interval.

    Weights ``n1*n2/(n1+n2)``; variance ``sum(w² (s1²/n1 + s2²/n2)) / (sum w)²``. The interval
    and test use a t distribution with Welch–Satterthwaite degrees of freedom, so that they hold
    their level in sparse strata where a normal approximation gives too many false alarms. A
    stratum contributes only when each group has at least :data:`MIN_CELL_MEANS` cases (a
    group of one has no spread of its own); the other strata are counted but unused.
    """
    m1, s1, k1, m2, s2, k2 = map(_arr, (mean1, sd1, n1, mean2, sd2, n2))
    n_total = int(np.nansum(k1) + np.nansum(k2))
    used = (k1 >= MIN_CELL_MEANS) & (k2 >= MIN_CELL_MEANS)
    method = "weighted_mean_diff"
    if not used.any():
        nan = float("nan")
        return StratifiedDiff(nan, nan, nan, nan, method, 0, len(k1), 0, n_total)
    m1, s1, k1, m2, s2, k2 = (x[used] for x in (m1, s1, k1, m2, s2, k2))
    weight = k1 * k2 / (k1 + k2)
    share = weight / np.sum(weight)
    diff = float(np.sum(share * (m1 - m2)))
    parts1 = share**2 * s1**2 / k1
    parts2 = share**2 * s2**2 / k2
    var = float(np.sum(parts1 + parts2))
    se = float(np.sqrt(var)) if np.isfinite(var) else float("nan")
    spread = float(np.sum(parts1**2 / (k1 - 1) + parts2**2 / (k2 - 1)))
    # no spread in any stratum used (every value the same within each): no t distribution
    dof = var**2 / spread if spread > 0 else float("nan")
    if se > 0:
        q = float(sps.t.ppf(1 - alpha / 2, dof))
        p_value = float(2 * sps.t.sf(abs(diff) / se, dof))
    else:
        q = 0.0
        p_value = (1.0 if diff == 0 else 0.0) if se == 0 else float("nan")
    return StratifiedDiff(
        diff=diff,
        ci_low=diff - q * se,
        ci_high=diff + q * se,
        p_value=p_value,
        method=method,
        strata_used=int(used.sum()),
        strata_total=len(used),
        n_used=int((k1 + k2).sum()),
        n_total=n_total,
        se=se,
    )


@dataclass(frozen=True)
class Homogeneity:
    """A test of whether a difference is the same in every stratum (p small: it is not)."""

    method: str
    statistic: float
    df: int
    p_value: float


def breslow_day(count1, n1, count2, n2) -> Homogeneity:
    """Breslow–Day test, with Tarone's correction, of equal odds ratios over strata.

    Only strata where both groups are present and where the outcome varies can say anything
    about the odds ratio; the others are left out. Fewer than two such strata: NaN.
    (``statsmodels.stats.contingency_tables.StratifiedTable.test_equal_odds``.)
    """
    a, m, c, k = map(_arr, (count1, n1, count2, n2))
    events = a + c
    use = (m > 0) & (k > 0) & (events > 0) & (events < m + k)
    method = "breslow_day_tarone"
    if use.sum() < 2:
        return Homogeneity(method, float("nan"), 0, float("nan"))
    tables = np.stack(
        [np.column_stack([a[use], m[use] - a[use]]), np.column_stack([c[use], k[use] - c[use]])],
        axis=1,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        table = StratifiedTable(np.moveaxis(tables, 0, -1))
        res = table.test_equal_odds(adjust=True)
    statistic = float(res.statistic)
    if not np.isfinite(statistic) and table.oddsratio_pooled == 1:
        # statsmodels solves a quadratic for the expected counts that degenerates when the
        # pooled odds ratio is exactly 1; then they are the counts expected under independence
        statistic = _breslow_day_at_one(tables)
    dof = int(use.sum() - 1)
    return Homogeneity(method, statistic, dof, float(sps.chi2.sf(statistic, dof)))


def _breslow_day_at_one(tables: np.ndarray) -> float:
    """Breslow–Day statistic when the pooled odds ratio is 1 (Tarone's term is then 0 too)."""
    rows = tables.sum(axis=2)
    cols = tables.sum(axis=1)
    total = tables.sum(axis=(1, 2))
    expected = rows[:, :, None] * cols[:, None, :] / total[:, None, None]
    var = 1 / np.sum(1 / expected, axis=(1, 2))
    return float(np.sum((tables[:, 0, 0] - expected[:, 0, 0]) ** 2 / var))


def cochran_q(diff, se) -> Homogeneity:
    """Cochran's Q test of equal differences over strata, with weights ``1 / se²``.

    Strata without a positive, finite standard error are left out; fewer than two: NaN.
    """
    d, s = _arr(diff), _arr(se)
    use = np.isfinite(d) & np.isfinite(s) & (s > 0)
    method = "cochran_q"
    if use.sum() < 2:
        return Homogeneity(method, float("nan"), 0, float("nan"))
    w = 1 / s[use] ** 2
    pooled = np.sum(w * d[use]) / np.sum(w)
    statistic = float(np.sum(w * (d[use] - pooled) ** 2))
    dof = int(use.sum() - 1)
    return Homogeneity(method, statistic, dof, float(sps.chi2.sf(statistic, dof)))


def interaction_test(y, group, strata, levels, *, share: bool) -> Homogeneity:
    """Does a group difference vary between levels, with the strata held fixed?

    ``group`` is 0/1 per case; ``strata`` and ``levels`` are numbers from 0.

    Compares two regressions of the outcome ``y``: one with the strata, the levels and the
    group, one with the group's difference also allowed to change from level to level. Shares
    use logistic regression and a likelihood-ratio test; means least squares and an F test
    (statsmodels). Both are fitted on the cells (stratum × level × group) with their counts,
    which gives the same statistics as the cases one by one, at a cost that does not grow with
    the number of cases. Strata where the outcome does not vary say nothing about the
    difference and are left out.
    """
    y, g = np.asarray(y, dtype=float), np.asarray(group, dtype=np.int64)
    strata, levels = np.asarray(strata), np.asarray(levels)
    method = "likelihood_ratio" if share else "f_test"
    nan = Homogeneity(method, float("nan"), 0, float("nan"))
    if len(y) == 0:
        return nan
    # strata and levels are numbers from 0; number the occupied cells without sorting the cases
    width = int(levels.max()) + 1
    key = (strata.astype(np.int64) * width + levels) * 2 + g
    occupied = np.bincount(key)
    cell_ids = np.flatnonzero(occupied)
    position = np.full(len(occupied), -1, dtype=np.int64)
    position[cell_ids] = np.arange(len(cell_ids))
    cell = position[key]
    n = np.bincount(cell).astype(float)
    total = np.bincount(cell, weights=y)
    mean = total / n
    cell_g = cell_ids % 2
    cell_level = (cell_ids // 2) % width
    cell_stratum = cell_ids // 2 // width
    if share:
        events = np.bincount(cell_stratum, weights=total)
        size = np.bincount(cell_stratum, weights=n)
        varies = ((events > 0) & (events < size))[cell_stratum]
        n, total, mean = n[varies], total[varies], mean[varies]
        cell_g, cell_level, cell_stratum = cell_g[varies], cell_level[varies], cell_stratum[varies]
    if len(n) == 0 or len(np.unique(cell_level)) < 2:
        return nan
    _, cell_stratum = np.unique(cell_stratum, return_inverse=True)
    level_codes, cell_level = np.unique(cell_level, return_inverse=True)
    dummies = np.eye(len(level_codes))[cell_level][:, 1:]
    base = np.column_stack([np.eye(cell_stratum.max() + 1)[cell_stratum], dummies, cell_g])
    full = np.column_stack([base, cell_g[:, None] * dummies])
    dof = np.linalg.matrix_rank(full) - np.linalg.matrix_rank(base)
    if dof < 1:
        return nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation in a small stratum: the test still holds
        if share:
            counts = np.column_stack([total, n - total])
            fits = [sm.GLM(counts, x, family=sm.families.Binomial()).fit() for x in (base, full)]
            statistic = max(2 * (fits[1].llf - fits[0].llf), 0.0)
            p_value = float(sps.chi2.sf(statistic, dof))
        else:
            # residual sum of squares = within cells + between cell means (weighted by n)
            within = float(np.sum((y - mean[cell]) ** 2))
            rss = [within + sm.WLS(mean, x, weights=n).fit().ssr for x in (base, full)]
            resid_df = len(y) - np.linalg.matrix_rank(full)
            statistic = ((rss[0] - rss[1]) / dof) / (rss[1] / resid_df)
            p_value = float(sps.f.sf(statistic, dof, resid_df))
    return Homogeneity(method, float(statistic), int(dof), float(p_value))


def cmh_test(count1, n1, count2, n2, *, correction: bool = False) -> float:
    """Two-sided Cochran–Mantel–Haenszel p-value over strata, optionally continuity-corrected.

    The uncorrected test is the one :func:`stratified_diff_proportions` reports; the corrected
    one is for comparison with published figures that use it.
    """
    a, m, c, k = map(_arr, (count1, n1, count2, n2))
    use = _strata_mask(m, k)
    return _cmh_pvalue(a[use], m[use], c[use], k[use], correction=correction)


def mantel_haenszel_odds_ratio(tables: np.ndarray) -> dict[str, float]:
    """Pooled Mantel–Haenszel odds ratio of ``k`` 2×2 tables, shape ``(k, 2, 2)``.

    Rows are the groups, columns event / no event; the odds ratio is group 1 against group 2.
    The interval is the Robins–Breslow–Greenland one and the p-value the CMH test without
    continuity correction (``statsmodels.stats.contingency_tables.StratifiedTable``).
    """
    arr = np.asarray(tables, dtype=float)
    keep = (arr.sum(axis=2) > 0).all(axis=1)
    if not keep.any():
        nan = float("nan")
        return {"odds_ratio": nan, "ci_low": nan, "ci_high": nan, "p_value": nan}
    table = StratifiedTable(np.moveaxis(arr[keep], 0, -1))
    low, high = table.oddsratio_pooled_confint()
    return {
        "odds_ratio": float(table.oddsratio_pooled),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(table.test_null_odds(correction=False).pvalue),
    }


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate); NaN stays NaN."""
    p = _arr(p_values)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out
