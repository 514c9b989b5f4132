"""Step 1, "Vad ser vi?": an outcome by kön and kön combined with other variables.

Disaggregated tables (one outcome by groups, with intervals and the difference between women and
men), trends over years and data quality by kön. The list of every outcome against every
background variable is in :mod:`isuwork.analysis.screening`, the comparison of units in
:mod:`isuwork.analysis.units`. Every table leaves through the small-number protection
(:mod:`isuwork.privacy`), so nothing below the threshold is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.analysis.outcomes import OutcomeKind, outcome_kind
from isuwork.analysis.summaries import summaries
from isuwork.domain.catalog import load_catalog
from isuwork.domain.selection import Filters, require_columns, select
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import ParameterError
from isuwork.privacy.protected import Protected, protect
from isuwork.privacy.suppression import suppress

#: The columns of a compare() table, in order (grouping columns follow ``kategori``).
RESULT_TAIL: tuple[str, ...] = (
    "n",
    "antal",
    "varde",
    "ci_lag",
    "ci_hog",
    "metod",
    "skillnad",
    "skillnad_ci_lag",
    "skillnad_ci_hog",
    "p_varde",
    "test",
)


def compare(
    df: pd.DataFrame,
    *,
    outcome: str,
    by: Sequence[str] = (SEX,),
    filters: Filters | None = None,
    min_n: int = DEFAULT_MIN_N,
    alpha: float = 0.05,
) -> Protected:
    """One outcome by groups, with 95 % intervals and the difference between women and men.

    Parameters
    ----------
    df
        A prepared frame.
    outcome
        A yes/no outcome (share, Wilson interval), a number (mean, t interval) or a coded
        variable (share of each category, Wilson).
    by
        Grouping columns; with ``kon`` among them each row also carries the difference
        kvinna minus man within its combination of the other groups (Newcombe for shares,
        Welch for means; Fisher's exact test when expected counts are small).
    filters
        Selection, column to value or list of values (see :mod:`isuwork.domain.selection`).
    min_n
        Smallest number of cases shown (see :func:`isuwork.privacy.suppression.suppress`).

    Returns
    -------
    Protected
        Columns ``utfall, kategori, <by…>, n, antal, varde, ci_lag, ci_hog, metod, skillnad,
        skillnad_ci_lag, skillnad_ci_hog, p_varde, test, dold``; the same every time.
    """
    by = list(by)
    if not by:
        raise ParameterError("Ange minst en variabel att gruppera efter, till exempel kon.")
    require_columns(df, [outcome], what="utfallet")
    require_columns(df, by, what="grupperingen")
    data = select(df, filters)
    kind = outcome_kind(data[outcome])
    table = result_table(
        summaries(data, outcome, by, kind), outcome=outcome, by=by, kind=kind, alpha=alpha
    )
    return protect(table, min_n=min_n, group_cols=by)


def result_table(
    summary: pd.DataFrame, *, outcome: str, by: list[str], kind: OutcomeKind, alpha: float
) -> pd.DataFrame:
    """The columns of a compare() table from group summaries: value, interval and, when
    ``kon`` is among ``by``, the difference between the sexes within each combination of the
    other groups (unprotected)."""
    table = summary.copy()
    table.insert(0, "utfall", outcome)
    n = table["n"].to_numpy(dtype=float)
    if kind == "mean":
        table["antal"] = np.nan
        table["varde"] = table.pop("medel")
        low, high = stats.mean_interval(table["varde"], table["sd"], n, alpha=alpha)
        table["metod"] = "t"
    else:
        antal = table["antal"].to_numpy(dtype=float)
        table["varde"] = np.where(n > 0, antal / np.where(n > 0, n, 1), np.nan)
        low, high = stats.wilson_interval(antal, n, alpha=alpha)
        table["metod"] = "wilson"
    table["ci_lag"], table["ci_hog"] = low, high
    for column in ("skillnad", "skillnad_ci_lag", "skillnad_ci_hog", "p_varde"):
        table[column] = np.nan
    table["test"] = pd.Series(pd.NA, index=table.index, dtype="string")
    if SEX in by and not table.empty:
        _sex_differences(table, by=by, kind=kind, alpha=alpha)
    table = table.drop(columns=[c for c in ("sd",) if c in table])
    ordered = ["utfall", "kategori", *by, *RESULT_TAIL]
    return table[ordered].reset_index(drop=True)


def _sex_differences(
    table: pd.DataFrame, *, by: list[str], kind: OutcomeKind, alpha: float
) -> None:
    keys = [c for c in by if c != SEX] + ["kategori"]
    sex = table[SEX].astype("string")
    first, second = load_catalog().sexes
    rows_1, rows_2 = table[sex == first], table[sex == second]
    if rows_1.empty or rows_2.empty:
        return
    key_1 = rows_1[keys].astype("string").fillna("\0").agg("\x1f".join, axis=1)
    key_2 = rows_2[keys].astype("string").fillna("\0").agg("\x1f".join, axis=1)
    pairs = pd.DataFrame({"i1": rows_1.index, "key": key_1.to_numpy()}).merge(
        pd.DataFrame({"i2": rows_2.index, "key": key_2.to_numpy()}), on="key"
    )
    if pairs.empty:
        return
    w = table.loc[pairs["i1"]]
    m = table.loc[pairs["i2"]]
    if kind == "mean":
        res = stats.diff_means(
            w["varde"].to_numpy(float),
            w["sd"].to_numpy(float),
            w["n"].to_numpy(float),
            m["varde"].to_numpy(float),
            m["sd"].to_numpy(float),
            m["n"].to_numpy(float),
            alpha=alpha,
        )
    else:
        res = stats.diff_proportions(
            w["antal"].to_numpy(float),
            w["n"].to_numpy(float),
            m["antal"].to_numpy(float),
            m["n"].to_numpy(float),
            alpha=alpha,
        )
    for index in (pairs["i1"], pairs["i2"]):
        table.loc[index, "skillnad"] = res["diff"].to_numpy()
        table.loc[index, "skillnad_ci_lag"] = res["ci_low"].to_numpy()
        table.loc[index, "skillnad_ci_hog"] = res["ci_high"].to_numpy()
        table.loc[index, "p_varde"] = res["p_value"].to_numpy()
        table.loc[index, "test"] = res["test"].astype("string").to_numpy()


def trend(
    df: pd.DataFrame,
    *,
    outcome: str,
    by: Sequence[str] = (SEX,),
    filters: Filters | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> Protected:
    """:func:`compare` with the year (``ar``) as an extra grouping, for trend charts."""
    return compare(df, outcome=outcome, by=[*by, "ar"], filters=filters, min_n=min_n)


def data_quality(df: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> Protected:
    """Share of missing values per variable, for women and men separately.

    Parameters
    ----------
    df
        A prepared frame.
    min_n
        Smallest number of cases shown.

    Returns
    -------
    Protected
        Columns ``variabel, etikett, kon, n, saknas, andel_saknas, dold``.
    """
    catalog = load_catalog()
    require_columns(df, [SEX], what="datakvaliteten")
    columns = [
        c for c in df.columns if c in catalog and c != SEX and catalog.variable(c).role != "id"
    ]
    rows = []
    for sex in catalog.sexes:
        part = df[df[SEX].astype("string") == sex]
        missing = part[columns].isna().sum()
        for column in columns:
            rows.append(
                {
                    "variabel": column,
                    "etikett": catalog.label(column),
                    SEX: sex,
                    "n": len(part),
                    "antal": int(missing[column]),
                }
            )
    table = pd.DataFrame(rows, columns=["variabel", "etikett", SEX, "n", "antal"])
    table["varde"] = np.where(table["n"] > 0, table["antal"] / table["n"].clip(lower=1), np.nan)
    table["metod"] = "andel"
    shown = suppress(table, min_n=min_n, group_cols=["variabel", SEX], pair_col=None)
    shown = shown.rename(columns={"antal": "saknas", "varde": "andel_saknas"})
    return Protected(shown.drop(columns=["metod"]), min_n=min_n)


def missing_overview(df: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> Protected:
    """The variables where something is missing: the share missing for each sex, one row each.

    A shorter view of :func:`data_quality` for reports. Variables that are there for everyone
    and variables missing for everyone (they do not apply, or the export lacks them) get no row;
    the footnotes name them.

    Parameters
    ----------
    df
        A prepared frame.
    min_n
        Smallest number of cases shown.

    Returns
    -------
    Protected
        Columns ``etikett, andel_saknas_<kön>`` for each sex, ``dold``.
    """
    quality = data_quality(df, min_n=min_n)
    sexes = load_catalog().sexes
    table = quality.table
    rows, complete, absent = [], [], []
    for _, part in table.groupby("variabel", sort=False):
        shares = part.set_index(SEX)["andel_saknas"].reindex(list(sexes))
        hidden = bool(part["dold"].any())
        label = str(part["etikett"].iloc[0])
        if not hidden and shares.notna().all() and (shares == 0).all():
            complete.append(label)
        elif not hidden and shares.notna().all() and (shares == 1).all():
            absent.append(label)
        else:
            row = {"etikett": label, **{f"andel_saknas_{s}": shares[s] for s in sexes}}
            rows.append({**row, "dold": hidden})
    columns = ["etikett", *(f"andel_saknas_{s}" for s in sexes), "dold"]
    notes = list(quality.footnotes)
    if complete:
        notes.append(f"Uppgifterna finns för alla: {', '.join(complete)}.")
    if absent:
        notes.append(f"Uppgifterna saknas för alla: {', '.join(absent)}.")
    return Protected(pd.DataFrame(rows, columns=columns), min_n=min_n, footnotes=tuple(notes))
