"""Estimates of the criteria check: the difference between the two compared groups.

The analysed cases are held as arrays (outcome, group). A difference is estimated on the cases
still in the comparison, either raw (Newcombe's interval for shares, Welch for means) or held
within strata (Mantel–Haenszel risk difference, weighted mean difference; weights
``n1 * n2 / (n1 + n2)``), with the strata where only one group is present counted but unused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.domain.vocabulary import NO, YES

OutcomeType = Literal["share", "mean"]

#: Default smallest difference that counts as clear, for shares (3 percentage points).
DEFAULT_MIN_DIFF_SHARE = 0.03
#: Default smallest difference for numeric outcomes, as a fraction of the overall mean.
DEFAULT_MIN_DIFF_MEAN_FRACTION = 0.10
#: Default equivalence margin for shares: ``no_difference`` needs the intervals inside ±10 pp.
DEFAULT_MARGIN_SHARE = 0.10
#: Default equivalence margin for numeric outcomes, as a fraction of the overall mean (a
#: quarter: 10 percentage points of a typical share of about 40 %).
DEFAULT_MARGIN_MEAN_FRACTION = 0.25
#: Label of the stratum of cases whose need value is missing.
UNKNOWN_STRATUM = "okänt"
#: Between the ``var=value`` parts of a stratum's name.
STRATUM_SEPARATOR = " · "


def finite(value: Any) -> bool:
    """True for a number that is not missing, NaN or infinite."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number_or_none(value: Any) -> float | None:
    """A JSON-safe float (None for missing or infinite)."""
    return float(value) if finite(value) else None


@dataclass(frozen=True)
class Estimate:
    """A difference (first compared group minus second) with its interval and p-value."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str

    @classmethod
    def missing(cls, method: str = "") -> Estimate:
        """An estimate that could not be made."""
        nan = float("nan")
        return cls(nan, nan, nan, nan, method)

    @property
    def defined(self) -> bool:
        """True when there is a difference."""
        return not math.isnan(self.diff)

    def is_clear(self, min_diff: float) -> bool:
        """True when the interval excludes 0 and the difference is at least ``min_diff``."""
        if not (self.defined and finite(self.ci_low) and finite(self.ci_high)):
            return False
        excludes_zero = self.ci_low > 0 or self.ci_high < 0
        return bool(excludes_zero and abs(self.diff) >= min_diff)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``diff``, ``ci`` and ``p`` (None where missing)."""
        return {
            "diff": number_or_none(self.diff),
            "ci": [number_or_none(self.ci_low), number_or_none(self.ci_high)],
            "p": number_or_none(self.p_value),
        }


@dataclass
class Cases:
    """The analysed cases: the compared groups with a known outcome, as arrays."""

    frame: pd.DataFrame
    y: np.ndarray  # outcome as float (0/1 for shares)
    g: np.ndarray  # 0 = first compared group, 1 = second
    outcome_type: OutcomeType

    @property
    def share(self) -> bool:
        """True when the outcome is yes/no (compared as shares)."""
        return self.outcome_type == "share"


@dataclass
class Cells:
    """Per stratum (rows) and compared group (columns 0, 1): counts, sums, means, SDs."""

    n: np.ndarray
    total: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    min_cell: int = 1

    @property
    def both(self) -> np.ndarray:
        """Strata where both compared groups are present (with ``min_cell`` cases each).

        A stratum comparing means needs two cases per group (:data:`stats.MIN_CELL_MEANS`).
        """
        return (self.n[:, 0] >= self.min_cell) & (self.n[:, 1] >= self.min_cell)


def cells(cases: Cases, codes: np.ndarray, k: int, keep: np.ndarray) -> Cells:
    """Counts, sums, means and standard deviations per stratum and group of the kept cases."""
    idx = codes[keep] * 2 + cases.g[keep]
    y = cases.y[keep]
    n = np.bincount(idx, minlength=2 * k)
    total = np.bincount(idx, weights=y, minlength=2 * k)
    mean = np.divide(total, n, out=np.full(2 * k, np.nan), where=n > 0)
    # two passes for the variance: exact enough for hours per month on a million rows
    dev = y - mean[idx]
    ss = np.bincount(idx, weights=dev * dev, minlength=2 * k)
    var = np.divide(ss, n - 1, out=np.full(2 * k, np.nan), where=n > 1)
    return Cells(
        n=n.reshape(k, 2),
        total=total.reshape(k, 2),
        mean=mean.reshape(k, 2),
        sd=np.sqrt(var).reshape(k, 2),
        min_cell=1 if cases.share else stats.MIN_CELL_MEANS,
    )


def stratified_method(outcome_type: OutcomeType) -> str:
    """The name of the stratified estimator for an outcome type."""
    return "mantel_haenszel_rd" if outcome_type == "share" else "weighted_mean_diff"


def estimate(
    cases: Cases,
    codes: np.ndarray,
    k: int,
    keep: np.ndarray,
    alpha: float,
    *,
    stratified: bool,
) -> tuple[Estimate, Cells]:
    """The difference (first minus second) on the kept cases, within strata when stratified.

    Parameters
    ----------
    cases
        The analysed cases.
    codes, k
        Stratum number of each case, and the number of strata.
    keep
        Which cases are still in the comparison.
    alpha
        1 − confidence level.
    stratified
        Hold the difference within the strata (else the raw difference over all kept cases).
    """
    table = cells(cases, codes, k, keep)
    if not table.both.any():
        method = stratified_method(cases.outcome_type) if stratified else ""
        return Estimate.missing(method), table
    if stratified:
        res = within_strata(table, share=cases.share, alpha=alpha)
        est = Estimate(
            float(res.diff), float(res.ci_low), float(res.ci_high), float(res.p_value), res.method
        )
        return est, table
    n1, n2 = table.n[:, 0].sum(), table.n[:, 1].sum()
    if cases.share:
        result = stats.diff_proportions(
            np.array([table.total[:, 0].sum().round()]),
            np.array([n1]),
            np.array([table.total[:, 1].sum().round()]),
            np.array([n2]),
            alpha=alpha,
        )
    else:
        m1 = cases.y[keep & (cases.g == 0)]
        m2 = cases.y[keep & (cases.g == 1)]
        result = stats.diff_means(
            np.array([m1.mean()]),
            np.array([sd(m1)]),
            np.array([n1]),
            np.array([m2.mean()]),
            np.array([sd(m2)]),
            np.array([n2]),
            alpha=alpha,
        )
    row = result.iloc[0]
    est = Estimate(
        float(row["diff"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        float(row["p_value"]),
        str(row["test"]),
    )
    return est, table


def within_strata(table: Cells, *, share: bool, alpha: float) -> stats.StratifiedDiff:
    """The difference held within the strata where both groups are present.

    Mantel–Haenszel risk difference for shares, weighted mean difference for means.
    """
    use = table.both
    n1, n2 = table.n[use, 0], table.n[use, 1]
    if share:
        return stats.stratified_diff_proportions(
            table.total[use, 0].round(), n1, table.total[use, 1].round(), n2, alpha=alpha
        )
    return stats.stratified_diff_means(
        table.mean[use, 0],
        table.sd[use, 0],
        n1,
        table.mean[use, 1],
        table.sd[use, 1],
        n2,
        alpha=alpha,
    )


def sd(values: np.ndarray) -> float:
    """Sample standard deviation (NaN for fewer than two values)."""
    return float(values.std(ddof=1)) if len(values) > 1 else float("nan")


def odds_ratio(table: Cells, compare: tuple[str, str]) -> dict[str, Any] | None:
    """Mantel–Haenszel odds ratio of the first compared group relative to the second.

    The same direction as the differences (first minus second): above 1 when the first group
    has the higher odds.

    None when no stratum holds both groups, or when the pooled ratio is 0, infinite or
    undefined (every stratum has an empty cell on one side), where no interval exists.
    """
    use = table.both
    if not use.any():
        return None
    a2 = table.total[use, 1].round()
    a1 = table.total[use, 0].round()
    b2 = table.n[use, 1] - a2
    b1 = table.n[use, 0] - a1
    if not ((a2 * b1).sum() > 0 and (b2 * a1).sum() > 0):
        return None
    tables = np.stack(
        [np.column_stack([a1, b1]), np.column_stack([a2, b2])],
        axis=1,
    ).astype(float)
    res = stats.mantel_haenszel_odds_ratio(tables)
    return {
        "group": compare[0],
        "reference": compare[1],
        "odds_ratio": number_or_none(res["odds_ratio"]),
        "ci": [number_or_none(res["ci_low"]), number_or_none(res["ci_high"])],
        "p": number_or_none(res["p_value"]),
    }


def strata(
    frame: pd.DataFrame, variables: Sequence[str]
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Stratum number per case, one row of values per stratum, and which cases lack a value.

    Strata are the combinations of the variables' values that occur, ordered by the values
    (categorical order where there is one); a missing value is a level of its own, shown as
    ``okänt``.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    unknown = np.zeros(len(frame), dtype=bool)
    for var in variables:
        codes, uniques = pd.factorize(frame[var], sort=True, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
        # keep the numbers small so that many variables cannot overflow
        _, combined = np.unique(combined, return_inverse=True)
        combined = combined.astype(np.int64)
        unknown |= frame[var].isna().to_numpy()
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    labels = pd.DataFrame(
        {var: [_value_label(v) for v in frame[var].take(first)] for var in variables}
    )
    return inverse.astype(np.int64), labels, unknown


def _value_label(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN_STRATUM
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def stratum_names(labels: pd.DataFrame) -> list[str]:
    """A name per stratum: ``var=value`` joined by `` · ``."""
    return [
        STRATUM_SEPARATOR.join(f"{var}={row[var]}" for var in labels.columns)
        for _, row in labels.iterrows()
    ]


def strata_table(
    labels: pd.DataFrame, table: Cells, *, group: str, compare: tuple[str, str], share: bool
) -> pd.DataFrame:
    """Tidy strata table: one row per stratum and compared group (unprotected)."""
    names = stratum_names(labels)
    parts = []
    for i, level in enumerate(compare):
        part = labels.copy()
        part.insert(0, "stratum", names)
        part[group] = level
        part["n"] = table.n[:, i].astype(np.int64)
        part["antal"] = table.total[:, i].round() if share else np.nan
        part["varde"] = table.mean[:, i]
        part["ingar"] = table.both
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    order = np.argsort(np.tile(np.arange(len(labels)), 2), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def group_table(
    cases: Cases, *, group: str, compare: tuple[str, str], outcome: str
) -> pd.DataFrame:
    """Per compared group: cases with a known outcome, count (shares), share or mean, interval."""
    rows = []
    for i, level in enumerate(compare):
        y = cases.y[cases.g == i]
        n = len(y)
        value = float(y.mean()) if n else float("nan")
        if cases.share:
            antal = float(y.sum())
            low, high = stats.wilson_interval(np.array([antal]), np.array([n]))
        else:
            antal = float("nan")
            low, high = stats.mean_interval(np.array([value]), np.array([sd(y)]), np.array([n]))
        rows.append(
            {
                "utfall": outcome,
                group: level,
                "n": n,
                "antal": antal,
                "varde": value,
                "ci_lag": float(np.asarray(low)[0]),
                "ci_hog": float(np.asarray(high)[0]),
            }
        )
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("int64")
    return out


def default_margin(cases: Cases) -> float:
    """10 percentage points for shares, a quarter of the overall mean for numeric outcomes."""
    if cases.share:
        return DEFAULT_MARGIN_SHARE
    if not len(cases.y):
        return float("nan")
    return DEFAULT_MARGIN_MEAN_FRACTION * abs(float(cases.y.mean()))


def default_min_diff(cases: Cases) -> float:
    """3 percentage points for shares, 10 % of the overall mean for numeric outcomes."""
    if cases.share:
        return DEFAULT_MIN_DIFF_SHARE
    if not len(cases.y):
        return float("nan")
    return DEFAULT_MIN_DIFF_MEAN_FRACTION * abs(float(cases.y.mean()))
