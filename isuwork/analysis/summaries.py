"""Group summaries: counts, shares and means per group, the building block of every table.

A grouping numbers the rows by their combination of grouping values once; summaries of many
outcomes by the same grouping reuse it. Sums per group are taken with :func:`numpy.bincount`,
which is what keeps a screening of hundreds of kommuner fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from isuwork.analysis.outcomes import OutcomeKind, outcome_values


@dataclass(frozen=True)
class Grouping:
    """Rows numbered by their group: ``ids`` (-1 where a key is missing) and the key columns of
    each group, ``keys.iloc[i]`` for group ``i``. Built once per grouping, reused per outcome."""

    ids: np.ndarray
    keys: pd.DataFrame

    @classmethod
    def of(cls, df: pd.DataFrame, by: list[str]) -> Grouping:
        """Number the rows of ``df`` by their combination of the columns ``by``."""
        groups = df[by].groupby(by, observed=True, dropna=True)
        ids = groups.ngroup().to_numpy(dtype=float, na_value=np.nan)
        ids = np.where(np.isnan(ids), -1, ids).astype(np.int64)
        return cls(ids, groups.size().index.to_frame(index=False))


def summaries(
    df: pd.DataFrame,
    outcome: str,
    by: list[str],
    kind: OutcomeKind,
    *,
    values: pd.Series | None = None,
    grouping: Grouping | None = None,
    occurs: np.ndarray | None = None,
) -> pd.DataFrame:
    """n, antal (shares), mean and sd (means) per group; per category for categorical outcomes.

    Groups without a known outcome are left out. Screening summarises many outcomes by the
    same groupings and passes ``values`` (the outcome through
    :func:`~isuwork.analysis.outcomes.outcome_values`) and ``grouping`` (:meth:`Grouping.of`)
    made once, and ``occurs``: which categories get a row in every group that has a known
    outcome (one flag per category), or in each group (one row of flags per group). Without
    it, the categories that occur in ``df``.
    """
    y = outcome_values(df[outcome], kind) if values is None else values
    grouping = Grouping.of(df, by) if grouping is None else grouping
    ids = grouping.ids
    if kind == "category":
        codes = y.cat.codes.to_numpy()
        ok = (ids >= 0) & (codes >= 0)
        width = len(y.cat.categories)
        counts = np.bincount(
            ids[ok] * width + codes[ok], minlength=len(grouping.keys) * width
        ).reshape(-1, width)
        # categories that occur somewhere, in every group that has a known outcome
        occurs = counts.sum(axis=0) > 0 if occurs is None else np.asarray(occurs, dtype=bool)
        present = np.flatnonzero(counts.sum(axis=1) > 0)
        flags = np.broadcast_to(occurs, counts.shape)[present]
        group, category = np.nonzero(flags)  # group by group, categories in order
        out = grouping.keys.iloc[present[group]].reset_index(drop=True)
        out["antal"] = counts[present[group], category]
        out["n"] = counts[present].sum(axis=1)[group]
        names = np.asarray(y.cat.categories, dtype=object)[category]
        out["kategori"] = pd.array(names, "string")
        return out
    y = y.to_numpy(dtype=float, na_value=np.nan)
    ok = (ids >= 0) & ~np.isnan(y)
    # sums per group with bincount: a pandas groupby would sort out the ids again per outcome
    group, y = ids[ok], y[ok]
    size = len(grouping.keys)
    n = np.bincount(group, minlength=size)
    total = np.bincount(group, weights=y, minlength=size)
    present = np.flatnonzero(n)
    out = grouping.keys.iloc[present].reset_index(drop=True)
    out["n"] = n[present]
    if kind == "share":
        out["antal"] = total[present]
    else:
        mean = total / np.maximum(n, 1)
        # two passes: squares around each group's mean, not differences of large sums
        squares = np.bincount(group, weights=(y - mean[group]) ** 2, minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.where(n > 1, np.sqrt(squares / (n - 1)), np.nan)
        out["medel"] = mean[present]
        out["sd"] = sd[present]
    out["kategori"] = pd.NA
    return out
