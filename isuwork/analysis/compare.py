"""Step 1, "Vad ser vi?": outcomes by kön and kön combined with other variables.

Disaggregated tables (one outcome by groups, with intervals and the difference between women and
men), trends over years, the screening list of every outcome against every background variable,
data quality by kön, and comparison of units (kommuner, enheter) with funnel limits. Every table
leaves through :func:`isuwork.privacy.suppression.suppress`, so nothing below the threshold is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import PERCENT, POINTS, format_numbers
from isuwork.exceptions import DataError, ParameterError
from isuwork.privacy import suppression as privacy
from isuwork.privacy.processes import part_of, run_parts, worker_count

OutcomeKind = Literal["share", "mean", "category"]

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
SCREEN_COLUMNS: tuple[str, ...] = (
    "utfall",
    "kategori",
    "bakgrund",
    "niva",
    "n_kvinna",
    "n_man",
    "varde_kvinna",
    "varde_man",
    "skillnad",
    "skillnad_ci_lag",
    "skillnad_ci_hog",
    "p_varde",
    "p_justerat",
    "storlek",
    "rang",
    "mening",
)
Z95, Z998 = 1.959963984540054, 3.090232306167813
SEXES = ("kvinna", "man")


# -- validation and selection ------------------------------------------------------------------
def _require(df: pd.DataFrame, column: str, what: str = "variabeln") -> None:
    if column in df.columns:
        return
    catalog = load_catalog()
    if column in catalog:
        raise DataError(
            f"Uppgift saknas: {column} ({catalog.label(column)}) finns inte i data, så {what} "
            "kan inte visas."
        )
    raise ParameterError(
        f"'{column}' är varken en kolumn i data eller en variabel i katalogen. Kolumner i data: "
        f"{', '.join(map(str, df.columns))}."
    )


def outcome_kind(df: pd.DataFrame, outcome: str) -> OutcomeKind:
    """How an outcome is summarised: share (yes/no), mean (numbers) or category (codes)."""
    catalog = load_catalog()
    var = catalog.variables.get(outcome)
    if var is not None:
        if var.type == "yesno":
            return "share"
        if var.type in ("int", "number"):
            return "mean"
        return "category"
    column = df[outcome]
    if pd.api.types.is_bool_dtype(column):
        return "share"
    if pd.api.types.is_numeric_dtype(column):
        return "mean"
    return "category"


def apply_filters(df: pd.DataFrame, filters: Mapping[str, Any] | None) -> pd.DataFrame:
    """Keep rows whose columns hold one of the given values (``ja``/``nej`` for yes/no)."""
    if not filters:
        return df
    mask = pd.Series(True, index=df.index)
    for column, value in filters.items():
        _require(df, column, "urvalet")
        values = [value] if isinstance(value, (str, bool, int, float)) else list(value)
        col = df[column]
        if pd.api.types.is_bool_dtype(col):
            wanted = {str(v).lower() in ("ja", "true", "1") for v in values}
            mask &= col.isin(list(wanted)).fillna(False)
        else:
            mask &= col.astype("string").isin([str(v) for v in values]).fillna(False)
    return df[mask.to_numpy()]


# -- compare -------------------------------------------------------------------------------------
def _outcome_values(y: pd.Series, kind: OutcomeKind) -> pd.Series:
    """The outcome as summarised: floats for shares and means, string categories otherwise."""
    if kind == "share":
        return y.astype("Float64").astype(float)
    if kind == "mean":
        return pd.to_numeric(y, errors="coerce").astype(float)
    if isinstance(y.dtype, pd.CategoricalDtype):
        return y.cat.rename_categories([str(c) for c in y.cat.categories])
    return y.astype("string").astype("category")


@dataclass(frozen=True)
class _Grouping:
    """Rows numbered by their group: ``ids`` (-1 where a key is missing) and the key columns of
    each group, ``keys.iloc[i]`` for group ``i``. Built once per grouping, reused per outcome."""

    ids: np.ndarray
    keys: pd.DataFrame

    @classmethod
    def of(cls, df: pd.DataFrame, by: list[str]) -> _Grouping:
        groups = df[by].groupby(by, observed=True, dropna=True)
        ids = groups.ngroup().to_numpy(dtype=float, na_value=np.nan)
        ids = np.where(np.isnan(ids), -1, ids).astype(np.int64)
        return cls(ids, groups.size().index.to_frame(index=False))


def _summaries(
    df: pd.DataFrame,
    outcome: str,
    by: list[str],
    kind: OutcomeKind,
    *,
    values: pd.Series | None = None,
    grouping: _Grouping | None = None,
    occurs: np.ndarray | None = None,
) -> pd.DataFrame:
    """n, antal (shares), mean and sd (means) per group; per category for categorical outcomes.

    Groups without a known outcome are left out. Screening summarises many outcomes by the
    same groupings and passes ``values`` (the outcome through :func:`_outcome_values`) and
    ``grouping`` (:meth:`_Grouping.of`) made once, and, when it screens some units of a larger
    list, ``occurs``: which categories occur in the whole list (they get a row in every group).
    """
    y = _outcome_values(df[outcome], kind) if values is None else values
    grouping = _Grouping.of(df, by) if grouping is None else grouping
    ids = grouping.ids
    if kind == "category":
        codes = y.cat.codes.to_numpy()
        ok = (ids >= 0) & (codes >= 0)
        width = len(y.cat.categories)
        counts = np.bincount(
            ids[ok] * width + codes[ok], minlength=len(grouping.keys) * width
        ).reshape(-1, width)
        # categories that occur somewhere, in every group that has a known outcome
        occurs = counts.sum(axis=0) > 0 if occurs is None else occurs
        counts, seen = counts[:, occurs], y.cat.categories[occurs]
        present = np.flatnonzero(counts.sum(axis=1) > 0)
        out = grouping.keys.iloc[np.repeat(present, len(seen))].reset_index(drop=True)
        out["antal"] = counts[present].ravel()
        out["n"] = np.repeat(counts[present].sum(axis=1), len(seen))
        out["kategori"] = pd.array(np.tile(np.asarray(seen, dtype=object), len(present)), "string")
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


def compare(
    df: pd.DataFrame,
    *,
    outcome: str,
    by: Sequence[str] = ("kon",),
    filters: Mapping[str, Any] | None = None,
    min_n: int = 5,
    alpha: float = 0.05,
) -> pd.DataFrame:
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
        Selection, column to value or list of values.
    min_n
        Smallest number of cases shown (see :func:`isuwork.privacy.suppression.suppress`).

    Returns
    -------
    DataFrame
        Columns ``utfall, kategori, <by…>, n, antal, varde, ci_lag, ci_hog, metod, skillnad,
        skillnad_ci_lag, skillnad_ci_hog, p_varde, test, dold``; the same every time.
    """
    by = list(by)
    if not by:
        raise ParameterError("Ange minst en variabel att gruppera efter, till exempel kon.")
    _require(df, outcome, "utfallet")
    for column in by:
        _require(df, column, "grupperingen")
    data = apply_filters(df, filters)
    kind = outcome_kind(data, outcome)
    summary = _summaries(data, outcome, by, kind)
    table = _finish_compare(summary, outcome=outcome, by=by, kind=kind, alpha=alpha)
    return privacy.suppress(table, min_n=min_n, group_cols=by)


def _finish_compare(
    summary: pd.DataFrame, *, outcome: str, by: list[str], kind: OutcomeKind, alpha: float
) -> pd.DataFrame:
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
    if "kon" in by and not table.empty:
        _sex_differences(table, by=by, kind=kind, alpha=alpha)
    table = table.drop(columns=[c for c in ("sd",) if c in table])
    ordered = ["utfall", "kategori", *by, *RESULT_TAIL]
    return table[ordered].reset_index(drop=True)


def _sex_differences(
    table: pd.DataFrame, *, by: list[str], kind: OutcomeKind, alpha: float
) -> None:
    keys = [c for c in by if c != "kon"] + ["kategori"]
    sex = table["kon"].astype("string")
    women = table[sex == "kvinna"]
    men = table[sex == "man"]
    if women.empty or men.empty:
        return
    key_w = women[keys].astype("string").fillna("\0").agg("\x1f".join, axis=1)
    key_m = men[keys].astype("string").fillna("\0").agg("\x1f".join, axis=1)
    pairs = pd.DataFrame({"iw": women.index, "key": key_w.to_numpy()}).merge(
        pd.DataFrame({"im": men.index, "key": key_m.to_numpy()}), on="key"
    )
    if pairs.empty:
        return
    w = table.loc[pairs["iw"]]
    m = table.loc[pairs["im"]]
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
    for index in (pairs["iw"], pairs["im"]):
        table.loc[index, "skillnad"] = res["diff"].to_numpy()
        table.loc[index, "skillnad_ci_lag"] = res["ci_low"].to_numpy()
        table.loc[index, "skillnad_ci_hog"] = res["ci_high"].to_numpy()
        table.loc[index, "p_varde"] = res["p_value"].to_numpy()
        table.loc[index, "test"] = res["test"].astype("string").to_numpy()


def trend(
    df: pd.DataFrame,
    *,
    outcome: str,
    by: Sequence[str] = ("kon",),
    filters: Mapping[str, Any] | None = None,
    min_n: int = 5,
) -> pd.DataFrame:
    """:func:`compare` with the year (``ar``) as an extra grouping, for trend charts."""
    return compare(df, outcome=outcome, by=[*by, "ar"], filters=filters, min_n=min_n)


# -- screening -----------------------------------------------------------------------------------
#: Rows from which :func:`screen` with ``per`` splits the units over several processes by
#: default (starting one costs about a second).
PARALLEL_ROWS = 100_000


def screen(
    df: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    background: Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    min_n: int = 5,
    alpha: float = 0.05,
    per: str | None = None,
    progress: bool = False,
    exact: bool = True,
    workers: int | None = None,
) -> pd.DataFrame:
    """Every outcome against every background variable, women against men, ranked by size.

    Shares are compared in percentage points; means relative to the outcome's overall mean
    (``storlek`` = |difference| / overall mean), so that different scales can be ranked
    together. Rows whose adjusted p-value (Benjamini–Hochberg over the whole list) is below 0.05
    come first, largest first. ``per`` (e.g. ``"kommun"``) screens each unit separately in one
    pass. Values resting on too few cases are hidden, and so is their sentence.

    ``exact`` is passed to :func:`isuwork.privacy.suppression.suppress`. By default the list gets the
    complete check of the small-number protection, with linear programmes. ``exact=False``
    keeps to the fast rules (the local rule and bound propagation of :mod:`isuwork.privacy.secondary`),
    about two thirds of the time on 290 kommuner, but they can miss a cell that only a
    combination of many sums gives away (a levels-by-categories table with its margins): for
    analysis across many units, not for a list that is shown or published.

    ``workers``: with ``per``, the units are split into that many parts of about equal size,
    screened and protected at once in separate processes (units share no sum, and the
    Benjamini–Hochberg adjustment and the ranking are done on the whole list afterwards), so the
    list is the same whatever the number. ``None`` uses every core available from
    ``PARALLEL_ROWS`` rows; 1 keeps to this process. Without ``per`` it is passed to
    :func:`isuwork.privacy.suppression.suppress`. 290 kommuner with a million rows take about 20 s on two
    cores (``benchmarks/bench_screen.py``).
    """
    catalog = load_catalog()
    _require(df, "kon", "screeningen")
    data = apply_filters(df, filters)
    outcomes = list(outcomes) if outcomes else [v.name for v in catalog.outcomes if v.name in data]
    background = (
        list(background) if background else [c for c in catalog.screening_background if c in data]
    )
    # An outcome with no recorded value (e.g. home-care hours in an LSS-only selection) has
    # nothing to compare; it is reported as missing like an absent column.
    missing = [c for c in [*outcomes, *background] if c not in data or data[c].isna().all()]
    outcomes = [o for o in outcomes if o not in missing]
    background = [b for b in background if b not in missing]
    units = [per] if per else []
    kinds = {o: outcome_kind(data, o) for o in outcomes}
    # grouping on category codes is many times faster than on strings (kommun, bostadsomrade);
    # converted here, the categories are the same in every part of the units
    data = data[list(dict.fromkeys([*units, "kon", *outcomes, *background]))].assign(
        **{
            c: data[c].astype("category")
            for c in [*units, "kon", *background]
            if not isinstance(data[c].dtype, pd.CategoricalDtype)
        },
        **{o: _outcome_values(data[o], "category") for o, k in kinds.items() if k == "category"},
    )
    options = {
        "outcomes": outcomes,
        "background": background,
        "shared": _shared(data, kinds, background, units),
        "per": per,
        "min_n": min_n,
        "alpha": alpha,
        "exact": exact,
    }
    parts = _unit_parts(data, per, workers)
    if len(parts) == 1:
        table = _screen_part(data, progress=progress, workers=workers, **options)
    else:
        tables = run_parts(
            _screen_part,
            [
                {"data": part, "progress": progress and not k, "workers": 1, **options}
                for k, part in enumerate(parts)
            ],
        )
        # each outcome's rows unit by unit, as one process would have put them
        table = pd.concat(tables, ignore_index=True)
        order = pd.Categorical(table["utfall"], categories=outcomes).codes
        table = table.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    table = _rank(table, per=per)
    table.attrs["saknas"] = missing
    table.attrs["fotnot"] = privacy.footnote(min_n)
    table.attrs["min_n"] = min_n
    return table


def _shared(
    data: pd.DataFrame, kinds: dict[str, OutcomeKind], background: list[str], units: list[str]
) -> dict[str, Any]:
    """What an outcome's rows depend on beyond the rows of their unit, from the whole list: the
    overall mean of a numeric outcome (its scale) and, per background variable, the categories
    of a categorical outcome that occur anywhere (each gets a row in every group)."""
    shared: dict[str, Any] = {}
    for outcome, kind in kinds.items():
        if kind == "mean":
            shared[outcome] = float(_outcome_values(data[outcome], kind).mean())
        elif kind == "category":
            codes = data[outcome].cat.codes.to_numpy()
            width = len(data[outcome].cat.categories)
            shared[outcome] = {}
            for bakgrund in ["alla", *background]:
                keys = [*units, "kon", *([] if bakgrund == "alla" else [bakgrund])]
                known = data[keys].notna().all(axis=1).to_numpy() & (codes >= 0)
                shared[outcome][bakgrund] = np.bincount(codes[known], minlength=width) > 0
    return shared


def _unit_parts(data: pd.DataFrame, per: str | None, workers: int | None) -> list[pd.DataFrame]:
    """The rows in parts of whole units, about equal in size and in the order of the units
    (one part without ``per`` or below ``PARALLEL_ROWS`` rows unless ``workers`` says)."""
    count = worker_count(workers, len(data), PARALLEL_ROWS) if per else 1
    if count < 2:
        return [data]
    codes = data[per].cat.codes.to_numpy()
    rows = np.bincount(codes[codes >= 0], minlength=len(data[per].cat.categories))
    part = part_of(rows, count)
    parts = [data[(codes >= 0) & (part[codes] == k)] for k in range(count)]
    return [p for p in parts if len(p)] or [data]


def _screen_part(
    data: pd.DataFrame,
    *,
    outcomes: list[str],
    background: list[str],
    shared: dict[str, Any],
    per: str | None,
    min_n: int,
    alpha: float,
    exact: bool,
    progress: bool = False,
    workers: int | None = None,
) -> pd.DataFrame:
    """The protected, described list of some units (all of them without ``per``), unranked."""
    from tqdm.auto import tqdm

    units = [per] if per else []
    groupings = {
        bakgrund: _Grouping.of(
            data, [*units, "kon"] if bakgrund == "alla" else [*units, bakgrund, "kon"]
        )
        for bakgrund in ["alla", *background]
    }
    parts = []
    bar = tqdm(outcomes, desc="Screening", disable=not progress)
    for outcome in bar:
        if data[outcome].notna().any():  # else no rows for these units, as in the whole list
            parts.append(
                _screen_outcome(
                    data, outcome, groupings, per=per, alpha=alpha, shared=shared.get(outcome)
                )
            )
    bar.close()
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return _protect_and_describe(table, per=per, min_n=min_n, exact=exact, workers=workers)


def _screen_outcome(
    data: pd.DataFrame,
    outcome: str,
    groupings: dict[str, _Grouping],
    *,
    per: str | None,
    alpha: float,
    shared: Any,
) -> pd.DataFrame:
    """One outcome's rows of the list; ``shared`` is its part of :func:`_shared` (None for a
    share)."""
    kind = outcome_kind(data, outcome)
    values = _outcome_values(data[outcome], kind)
    units = [per] if per else []
    frames = []
    for bakgrund, grouping in groupings.items():
        by = list(grouping.keys.columns)
        summary = _summaries(
            data,
            outcome,
            by,
            kind,
            values=values,
            grouping=grouping,
            occurs=shared[bakgrund] if kind == "category" else None,
        )
        summary["bakgrund"] = bakgrund
        summary["niva"] = pd.NA if bakgrund == "alla" else summary[bakgrund].astype("string")
        frames.append(summary.drop(columns=[] if bakgrund == "alla" else [bakgrund]))
    long = pd.concat(frames, ignore_index=True)
    long["kon"] = long["kon"].astype("string")
    long["kategori"] = long["kategori"].astype("string")
    keys = [*units, "bakgrund", "niva", "kategori"]
    value_cols = ["n", "antal"] if kind != "mean" else ["n", "medel", "sd"]
    wide = long.pivot_table(
        index=keys, columns="kon", values=value_cols, aggfunc="first", dropna=False, observed=True
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index()
    for column in [f"{c}_{s}" for c in value_cols for s in SEXES]:
        if column not in wide:
            wide[column] = np.nan
    wide = wide.dropna(subset=["n_kvinna", "n_man"], how="all")
    n_w, n_m = wide["n_kvinna"].to_numpy(float), wide["n_man"].to_numpy(float)
    if kind == "mean":
        wide["varde_kvinna"], wide["varde_man"] = wide["medel_kvinna"], wide["medel_man"]
        res = stats.diff_means(
            wide["medel_kvinna"],
            wide["sd_kvinna"],
            n_w,
            wide["medel_man"],
            wide["sd_man"],
            n_m,
            alpha=alpha,
        )
        overall = shared
        wide["antal_kvinna"] = wide["antal_man"] = np.nan
        scale = abs(overall) if np.isfinite(overall) and overall != 0 else np.nan
        wide["storlek"] = np.abs(res["diff"].to_numpy(dtype=float)) / scale
        wide["skala"] = "medel"
    else:
        a_w, a_m = wide["antal_kvinna"].to_numpy(float), wide["antal_man"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            wide["varde_kvinna"], wide["varde_man"] = a_w / n_w, a_m / n_m
        res = stats.diff_proportions(a_w, n_w, a_m, n_m, alpha=alpha)
        wide["storlek"] = np.abs(res["diff"].to_numpy())
        wide["skala"] = "andel"
    wide["skillnad"] = res["diff"].to_numpy()
    wide["skillnad_ci_lag"] = res["ci_low"].to_numpy()
    wide["skillnad_ci_hog"] = res["ci_high"].to_numpy()
    wide["p_varde"] = res["p_value"].to_numpy()
    wide["utfall"] = outcome
    return wide


def _protect_and_describe(
    table: pd.DataFrame, *, per: str | None, min_n: int, exact: bool, workers: int | None
) -> pd.DataFrame:
    """Hide what rests on too few cases (values of hidden rows too) and describe each row in a
    sentence."""
    if table.empty:
        return table
    # Each background variable splits the same cases: its levels add up to the "alla" row, so
    # hidden cells are protected across the whole list, not row by row.
    table = privacy.suppress(
        table,
        min_n=min_n,
        group_cols=[*([per] if per else []), "bakgrund", "niva"],
        pair_col="kon",
        total_label="alla",
        partition=("bakgrund", "niva"),
        exact=exact,
        workers=workers,
    )
    hidden = table["dold"].to_numpy(dtype=bool)
    value_cols = [
        "varde_kvinna",
        "varde_man",
        "skillnad",
        "skillnad_ci_lag",
        "skillnad_ci_hog",
        "p_varde",
        "storlek",
    ]
    table.loc[hidden, value_cols] = np.nan
    table["mening"] = "Värden visas inte: för få personer."
    table.loc[~hidden, "mening"] = _sentences(table[~hidden])
    return table


def _rank(table: pd.DataFrame, *, per: str | None) -> pd.DataFrame:
    """Adjust the p-values over the whole list and rank it: significant differences first,
    then the other shown rows, then hidden ones; largest first within each."""
    columns = ([per] if per else []) + list(SCREEN_COLUMNS)
    if table.empty:
        return pd.DataFrame(columns=[*columns, "dold"])
    hidden = table["dold"].to_numpy(dtype=bool)
    table["p_justerat"] = stats.benjamini_hochberg(table["p_varde"].to_numpy(float))
    significant = (table["p_justerat"] < 0.05).to_numpy()
    table["ordning"] = np.where(significant, 0, np.where(hidden, 2, 1))
    table = table.sort_values(["ordning", "storlek"], ascending=[True, False], na_position="last")
    table["rang"] = np.arange(1, len(table) + 1)
    return table[[*columns, "dold"]].reset_index(drop=True)


def _sentences(table: pd.DataFrame) -> list[str]:
    """One plain Swedish sentence per screening row; empty where there is no difference.

    Labels are looked up once per distinct outcome and level, numbers formatted column-wise, so
    that a list of hundreds of thousands of rows is described in about a second.
    """
    catalog = load_catalog()

    def what(utfall: str, kategori: Any) -> str:
        label = catalog.label(utfall)
        return label if pd.isna(kategori) else f"{label} ({catalog.code_label(utfall, kategori)})"

    def where(bakgrund: str, niva: Any) -> str:
        return "" if bakgrund == "alla" else f", {catalog.code_label(bakgrund, niva)}"

    def labels(cols: list[str], label: Any) -> list[str]:
        keys = pd.MultiIndex.from_frame(table[cols].astype(object))
        distinct = keys.unique()
        text = [label(*key) for key in distinct]
        return list(np.asarray(text, dtype=object)[distinct.get_indexer(keys)])

    share = (table["skala"] == "andel").to_numpy()

    def numbers(column: str, unit: str) -> np.ndarray:
        """Shares in percent (differences in points), means as they are; one decimal."""
        x = table[column].to_numpy(dtype=float)
        out = np.empty(len(x), dtype=object)
        out[share] = format_numbers(x[share] * 100, decimals=1, unit=unit)
        out[~share] = format_numbers(x[~share], decimals=1)
        return out

    women, men = numbers("varde_kvinna", PERCENT), numbers("varde_man", PERCENT)
    diff = numbers("skillnad", POINTS)
    present = table["skillnad"].notna().to_numpy()
    parts = zip(
        labels(["utfall", "kategori"], what),
        labels(["bakgrund", "niva"], where),
        women,
        men,
        diff,
        present,
        strict=True,
    )
    return [
        f"{w}{h}: kvinnor {kv}, män {m} (skillnad {d})." if ok else ""
        for w, h, kv, m, d, ok in parts
    ]


# -- data quality --------------------------------------------------------------------------------
def data_quality(df: pd.DataFrame, *, min_n: int = 5) -> pd.DataFrame:
    """Share of missing values per variable, for women and men separately."""
    catalog = load_catalog()
    _require(df, "kon", "datakvaliteten")
    columns = [
        c for c in df.columns if c in catalog and c != "kon" and catalog.variable(c).role != "id"
    ]
    rows = []
    for sex in SEXES:
        part = df[df["kon"].astype("string") == sex]
        missing = part[columns].isna().sum()
        for column in columns:
            rows.append(
                {
                    "variabel": column,
                    "etikett": catalog.label(column),
                    "kon": sex,
                    "n": len(part),
                    "antal": int(missing[column]),
                }
            )
    table = pd.DataFrame(rows, columns=["variabel", "etikett", "kon", "n", "antal"])
    table["varde"] = np.where(table["n"] > 0, table["antal"] / table["n"].clip(lower=1), np.nan)
    table["metod"] = "andel"
    shown = privacy.suppress(table, min_n=min_n, group_cols=["variabel", "kon"], pair_col=None)
    return shown.rename(columns={"antal": "saknas", "varde": "andel_saknas"}).drop(
        columns=["metod"]
    )


# -- units ------------------------------------------------------------------------------------
def compare_units(
    df: pd.DataFrame,
    *,
    indicator: str,
    unit: str = "kommun",
    adjust: Sequence[str] = (),
    filters: Mapping[str, Any] | None = None,
    min_n: int = 5,
) -> pd.DataFrame:
    """Each unit's indicator against all units, with funnel limits at about 95 % and 99,8 %.

    With ``adjust`` (e.g. ``("aldersgrupp", "behov_max")``) the indicator is indirectly
    standardised: each unit's expected value is what the rates of all units within each stratum
    would give for the unit's own mix of strata, and the adjusted indicator is
    observed / expected × the overall value (column ``varde``; the crude value is in
    ``varde_ojusterat``). Rows with a missing stratum value are left out of the adjustment.

    The limits are drawn around the overall value for each unit's number of cases: a normal
    approximation to the binomial for shares, the overall standard deviation for means. A unit
    outside the 99,8 % limits (``utanfor`` "över" or "under") differs more than chance alone
    would often give, which is a reason to look closer, not a verdict.
    """
    _require(df, indicator, "indikatorn")
    _require(df, unit, "enhetsjämförelsen")
    data = apply_filters(df, filters)
    kind = outcome_kind(data, indicator)
    if kind == "category":
        raise ParameterError(
            f"Indikatorn {indicator} är en kod; välj ett ja/nej-utfall eller ett tal."
        )
    for column in adjust:
        _require(data, column, "standardiseringen")
    if adjust:
        data = data.dropna(subset=list(adjust))
    summary = _summaries(data, indicator, [unit], kind)
    table = _finish_compare(summary, outcome=indicator, by=[unit], kind=kind, alpha=0.05)
    n = table["n"].to_numpy(float)
    values = pd.to_numeric(data[indicator].astype("Float64"), errors="coerce").astype(float)
    total = float(values.mean())
    if adjust:
        table = _standardise(
            table, data.assign(_y=values), unit=unit, adjust=list(adjust), total=total
        )
    if kind == "share":
        spread = np.sqrt(total * (1 - total) / n)
    else:
        spread = float(values.std(ddof=1)) / np.sqrt(n)
    table["total"] = total
    for name, z in (("95", Z95), ("998", Z998)):
        table[f"grans{name}_lag"] = total - z * spread
        table[f"grans{name}_hog"] = total + z * spread
    table["utanfor"] = np.select(
        [table["varde"] > table["grans998_hog"], table["varde"] < table["grans998_lag"]],
        ["över", "under"],
        default="inom",
    )
    table = table.drop(
        columns=["kategori", "skillnad", "skillnad_ci_lag", "skillnad_ci_hog", "p_varde", "test"]
    )
    shown = privacy.suppress(table, min_n=min_n, group_cols=[unit], pair_col=None)
    shown.loc[shown["dold"], "utanfor"] = pd.NA
    if "varde_ojusterat" in shown:
        shown.loc[shown["dold"], "varde_ojusterat"] = np.nan
    return shown


def _standardise(
    table: pd.DataFrame, data: pd.DataFrame, *, unit: str, adjust: list[str], total: float
) -> pd.DataFrame:
    """Indirect standardisation: observed / expected × overall, expected from stratum rates."""
    known = data.dropna(subset=["_y"])
    rates = known.groupby(adjust, observed=True)["_y"].mean().rename("_rate")
    cells = known.groupby([unit, *adjust], observed=True)["_y"].agg(["count", "sum"])
    cells = cells.join(rates, on=adjust)
    by_unit = cells.groupby(level=0, observed=True).apply(
        lambda g: pd.Series(
            {"observed": g["sum"].sum(), "expected": (g["count"] * g["_rate"]).sum()}
        )
    )
    ratio = (by_unit["observed"] / by_unit["expected"]).rename("_ratio")
    out = table.join(ratio, on=unit)
    out["varde_ojusterat"] = out["varde"]
    scale = out["_ratio"] * total / out["varde"]
    out["varde"] = out["_ratio"] * total
    out["ci_lag"] = out["ci_lag"] * scale
    out["ci_hog"] = out["ci_hog"] * scale
    out["metod"] = out["metod"] + "+indirekt"
    return out.drop(columns=["_ratio"])
