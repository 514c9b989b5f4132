"""Step 1, "Vad ser vi?": an outcome by kön and kön combined with other variables.

Disaggregated tables (one outcome by groups, with intervals and the difference between women and
men), trends over years and data quality by kön. The list of every outcome against every
background variable is in :mod:`isuwork.analysis.screening`, the comparison of units in
:mod:`isuwork.analysis.units`. Every table leaves through the small-number protection
(:mod:`isuwork.privacy`), so nothing below the threshold is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.analysis.outcomes import OutcomeKind, outcome_kind
from isuwork.analysis.summaries import summaries
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_percent
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
    return protect(table, min_n=min_n, group_cols=by).with_kinds({outcome: kind})


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


#: The data-quality view shows a variable when this share or more is missing for either sex …
HIGH_MISSING = 0.20
#: … or when the shares missing for the two sexes differ by this much or more.
SEX_GAP = 0.05


def missing_overview(
    df: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N, by: str | None = "verksamhet"
) -> Protected:
    """What matters of the missing data: where much is missing, or missing more for one sex.

    A shorter view of :func:`data_quality` for reports, per level of ``by`` (each verksamhet:
    a variable that does not apply to one verksamhet is not a gap in another). A row is a
    variable of a level where at least :data:`HIGH_MISSING` is missing for either sex, or where
    the two sexes' shares differ by :data:`SEX_GAP` or more; rows with hidden shares are kept.
    The footnotes name the rest: variables there for everyone, variables missing for everyone
    in a level (they do not apply there, or the export lacks them), and those with a little
    missing for both sexes alike.

    Parameters
    ----------
    df
        A prepared frame.
    min_n
        Smallest number of cases shown.
    by
        The grouping (``verksamhet``); None, or a column the data lacks, for the whole frame.

    Returns
    -------
    Protected
        Columns ``by`` (when used), ``etikett``, ``andel_saknas_<kön>`` for each sex, ``dold``.
    """
    catalog = load_catalog()
    sexes = catalog.sexes
    grouped = by is not None and by in df and df[by].notna().any()
    levels = [lvl for lvl in pd.unique(df[by].dropna())] if grouped else [None]
    rows: list[dict[str, Any]] = []
    seen: dict[str, set[str]] = {"complete": set(), "other": set(), "quiet": set(), "row": set()}
    unused: dict[str, list[str]] = {}
    notes: list[str] = []
    for level in levels:
        part = df if level is None else df[df[by] == level]
        quality = data_quality(part, min_n=min_n)
        notes.extend(n for n in quality.footnotes if n not in notes)
        table = quality.table[quality.table["variabel"] != by]
        # one row per variable (in the table's order), one column per sex
        order = pd.unique(table["variabel"])
        by_variable = table.groupby("variabel", sort=False)
        all_shares = (
            table.pivot(index="variabel", columns=SEX, values="andel_saknas")
            .reindex(index=order, columns=list(sexes))
            .to_numpy(float, na_value=np.nan)
        )
        hidden_any = by_variable["dold"].any().reindex(order).to_numpy(bool)
        labels = by_variable["etikett"].first().reindex(order).astype(str).tolist()
        for label, hidden, shares in zip(labels, hidden_any.tolist(), all_shares, strict=True):
            known = not hidden and not np.isnan(shares).any()
            if known and (shares == 0).all():
                seen["complete"].add(label)
                continue
            seen["other"].add(label)
            if known and (shares == 1).all():
                unused.setdefault(_level_label(by, level), []).append(label)
            elif known and shares.max() < HIGH_MISSING and shares.max() - shares.min() < SEX_GAP:
                seen["quiet"].add(label)
            else:
                cells = {f"andel_saknas_{s}": share for s, share in zip(sexes, shares, strict=True)}
                rows.append({"_niva": level, "etikett": label, **cells, "dold": hidden})
                seen["row"].add(label)
    shares_columns = [f"andel_saknas_{s}" for s in sexes]
    table = pd.DataFrame(rows, columns=["_niva", "etikett", *shares_columns, "dold"])
    table = table.rename(columns={"_niva": by}) if grouped else table.drop(columns="_niva")
    complete = sorted(seen["complete"] - seen["other"])
    if complete:
        notes.append(f"Uppgifterna finns för alla: {', '.join(complete)}.")
    quiet = sorted(seen["quiet"] - seen["row"])
    if quiet:
        notes.append(
            f"Visas inte för att lite saknas (under {format_percent(HIGH_MISSING, decimals=0)} "
            f"för både kvinnor och män, och lika ofta för båda): "
            f"{', '.join(quiet)}."
        )
    if unused and grouped:
        where = "; ".join(f"{name}: {', '.join(labels)}" for name, labels in unused.items())
        notes.append(
            f"Saknas för alla i en verksamhet (används inte där, eller exporten saknar dem): "
            f"{where}."
        )
    elif unused:
        labels = [label for found in unused.values() for label in found]
        notes.append(
            f"Uppgifterna saknas för alla (de används inte, eller exporten saknar dem): "
            f"{', '.join(labels)}."
        )
    return Protected(table, min_n=min_n, footnotes=tuple(notes))


def _level_label(by: str | None, level: Any) -> str:
    return "alla" if by is None or level is None else load_catalog().code_label(by, level)
