"""The screening list: every outcome against every background variable, women against men.

The list a workshop starts step 1 from ("Vad ser vi?"): each outcome is compared between the
sexes in all cases and within each level of each background variable (age band, country of
birth, verksamhet …), with p-values adjusted for the many comparisons (Benjamini–Hochberg) and
the rows ranked by the size of the difference. ``per`` screens each unit (kommun) separately in
one pass, split over several processes for a national export. The list is protected as a whole:
each background variable splits the same cases, so hidden cells are protected across the list.
Swedish sentences for the rows are written by :mod:`isuwork.present.screening_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from isuwork.analysis import stats
from isuwork.analysis.outcomes import OutcomeKind, outcome_kind, outcome_values
from isuwork.analysis.summaries import Grouping, summaries
from isuwork.domain.catalog import load_catalog
from isuwork.domain.selection import Filters, require_columns, select
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.privacy.processes import part_of, run_parts, worker_count
from isuwork.privacy.protected import Protected
from isuwork.privacy.suppression import suppress

#: Rows from which :func:`screen` with ``per`` splits the units over several processes by
#: default (starting one costs about a second).
PARALLEL_ROWS = 100_000
#: The ``bakgrund`` of the rows that compare all cases (the total every background splits).
ALL = "alla"


def screen_columns() -> list[str]:
    """The columns of the list (after the unit column with ``per``, before ``dold``).

    ``storlek`` is an effect size comparable across outcomes: Cohen's h for shares
    (``|2 asin √p1 − 2 asin √p2|``), the standardised mean difference for means (difference over
    the pooled standard deviation). ``stor_dold_skillnad`` marks a hidden row whose difference
    would be significant (hidden for a small group, or so that a small group's values cannot be
    worked out); its values are not shown.
    """
    first, second = load_catalog().sexes
    return [
        "utfall",
        "kategori",
        "bakgrund",
        "niva",
        f"n_{first}",
        f"n_{second}",
        f"varde_{first}",
        f"varde_{second}",
        "skillnad",
        "skillnad_ci_lag",
        "skillnad_ci_hog",
        "p_varde",
        "p_justerat",
        "storlek",
        "stor_dold_skillnad",
        "rang",
    ]


def screen(
    df: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    background: Sequence[str] | None = None,
    filters: Filters | None = None,
    min_n: int = DEFAULT_MIN_N,
    alpha: float = 0.05,
    per: str | None = None,
    progress: bool = False,
    exact: bool = True,
    workers: int | None = None,
) -> Protected:
    """Every outcome against every background variable, women against men, ranked by size.

    Shares are compared in percentage points, means in their own unit; ``storlek`` is an effect
    size on one scale for both (Cohen's h, standardised mean difference), so that different
    outcomes can be ranked together. Rows whose adjusted p-value (Benjamini–Hochberg over every
    test of the list, hidden rows included) is below ``alpha`` come first, largest first; then
    hidden rows whose difference would be significant (``stor_dold_skillnad``, values not
    shown); then the other rows. A level of a
    background variable that holds exactly the same cases as another one (``lagrum=lss`` and
    ``verksamhet=lss``), or as all cases, is listed once, under the first. ``per`` (e.g.
    ``"kommun"``) screens each unit separately in one pass. Values resting on too few cases
    are hidden.

    ``exact`` is passed to :func:`isuwork.privacy.suppression.suppress`. By default the list
    gets the complete check of the small-number protection, with linear programmes.
    ``exact=False`` keeps to the fast rules (the local rule and bound propagation of
    :mod:`isuwork.privacy.secondary`), about two thirds of the time on 290 kommuner, but they can
    miss a cell that only a combination of many sums gives away (a levels-by-categories table
    with its margins): for analysis across many units, not for a list that is shown or
    published.

    ``workers``: with ``per``, the units are split into that many parts of about equal size,
    screened and protected at once in separate processes (units share no sum, and the
    Benjamini–Hochberg adjustment and the ranking are done on the whole list afterwards), so the
    list is the same whatever the number. ``None`` uses every core available from
    ``PARALLEL_ROWS`` rows; 1 keeps to this process. Without ``per`` it is passed to
    :func:`isuwork.privacy.suppression.suppress`. 290 kommuner with a million rows take about
    20 s on two cores (``benchmarks/bench_screen.py``).

    Returns
    -------
    Protected
        Columns ``[per,] utfall, kategori, bakgrund, niva, n_kvinna, n_man, varde_kvinna,
        varde_man, skillnad, skillnad_ci_lag, skillnad_ci_hog, p_varde, p_justerat, storlek,
        stor_dold_skillnad, rang, dold``; ``kinds`` says which outcomes are shares and which
        means, ``missing``
        which outcomes and background variables the data lacks.
    """
    table, requested, kinds, data = _screen_table(
        df,
        outcomes=outcomes,
        background=background,
        filters=filters,
        min_n=min_n,
        alpha=alpha,
        per=per,
        progress=progress,
        exact=exact,
        workers=workers,
    )
    missing = [c for c in requested if c not in data or data[c].isna().all()]
    ranked = _rank(table, per=per, alpha=alpha)
    return Protected(ranked, min_n=min_n, missing=tuple(missing), kinds=kinds)


def screen_each(
    df: pd.DataFrame, *, per: str, min_n: int = DEFAULT_MIN_N, alpha: float = 0.05, **options: Any
) -> dict[str, Protected]:
    """Each unit's own screening list, for every unit at once.

    The list of unit ``u`` is the one :func:`screen` gives for ``u``'s rows alone: the same
    rows, values, protection, missing variables, and p-values adjusted over ``u``'s tests only,
    ranked within ``u``. Made in one pass over all units (as ``screen(df, per=per)``), which on
    a national export takes a fraction of the time of one call per unit.

    Parameters
    ----------
    df
        The data of every unit.
    per
        The unit column (``"kommun"``).
    min_n, alpha
        As for :func:`screen`.
    **options
        Other arguments of :func:`screen` (``outcomes``, ``background``, ``filters``,
        ``exact``, ``workers``, ``progress``).

    Returns
    -------
    dict
        Unit name to its protected list.
    """
    table, requested, kinds, data = _screen_table(df, per=per, min_n=min_n, alpha=alpha, **options)
    present = list(dict.fromkeys(c for c in requested if c in data))
    known = data[present].notna().groupby(data[per], observed=True).any()
    lists = {}
    for unit, rows in table.groupby(per, observed=True, sort=False) if len(table) else []:
        gone = [c for c in requested if c not in known.columns or not known.at[unit, c]]
        own = rows.drop(columns=per).reset_index(drop=True)
        lists[str(unit)] = Protected(
            _rank(own, per=None, alpha=alpha),
            min_n=min_n,
            missing=tuple(gone),
            kinds={o: k for o, k in kinds.items() if o not in gone},
        )
    return lists


def _screen_table(
    df: pd.DataFrame,
    *,
    min_n: int,
    alpha: float,
    per: str | None,
    outcomes: Sequence[str] | None = None,
    background: Sequence[str] | None = None,
    filters: Filters | None = None,
    progress: bool = False,
    exact: bool = True,
    workers: int | None = None,
) -> tuple[pd.DataFrame, list[str], dict[str, OutcomeKind], pd.DataFrame]:
    """The protected list before ranking; the variables asked for, the outcomes' kinds and
    the selected rows."""
    catalog = load_catalog()
    require_columns(df, [SEX], what="screeningen")
    data = select(df, filters)
    outcomes = list(outcomes) if outcomes else [v.name for v in catalog.outcomes if v.name in data]
    background = (
        list(background) if background else [c for c in catalog.screening_background if c in data]
    )
    requested = [*outcomes, *background]
    # An outcome with no recorded value (e.g. home-care hours in an LSS-only selection) has
    # nothing to compare; it is reported as missing like an absent column.
    missing = [c for c in requested if c not in data or data[c].isna().all()]
    outcomes = [o for o in outcomes if o not in missing]
    background = [b for b in background if b not in missing]
    units = [per] if per else []
    kinds = {o: outcome_kind(data[o]) for o in outcomes}
    selected = data
    # grouping on category codes is many times faster than on strings (kommun, bostadsomrade);
    # converted here, the categories are the same in every part of the units
    data = data[list(dict.fromkeys([*units, SEX, *outcomes, *background]))].assign(
        **{
            c: data[c].astype("category")
            for c in [*units, SEX, *background]
            if not isinstance(data[c].dtype, pd.CategoricalDtype)
        },
        **{o: outcome_values(data[o], "category") for o, k in kinds.items() if k == "category"},
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
    return table, requested, kinds, selected


def _shared(
    data: pd.DataFrame, kinds: dict[str, OutcomeKind], background: list[str], units: list[str]
) -> dict[str, Any]:
    """Which categories of a categorical outcome get a row in every group, per background
    variable: those that occur in the group's unit (a row of flags per unit with ``per``), so
    that each unit's rows are those of its own list, whichever part of the units it is in."""
    shared: dict[str, Any] = {}
    # as int64: category codes are as small as int8, and unit x width overflows them
    unit = data[units[0]].cat.codes.to_numpy().astype(np.int64) if units else None
    for outcome, kind in kinds.items():
        if kind == "category":
            codes = data[outcome].cat.codes.to_numpy().astype(np.int64)
            width = len(data[outcome].cat.categories)
            shared[outcome] = {}
            for bakgrund in [ALL, *background]:
                keys = [*units, SEX, *([] if bakgrund == ALL else [bakgrund])]
                known = data[keys].notna().all(axis=1).to_numpy() & (codes >= 0)
                if unit is None:
                    shared[outcome][bakgrund] = np.bincount(codes[known], minlength=width) > 0
                    continue
                size = len(data[units[0]].cat.categories)
                seen = np.bincount(unit[known] * width + codes[known], minlength=size * width)
                shared[outcome][bakgrund] = seen.reshape(size, width) > 0
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
    """The protected list of some units (all of them without ``per``), unranked."""
    units = [per] if per else []
    groupings = {
        bakgrund: Grouping.of(data, [*units, SEX] if bakgrund == ALL else [*units, bakgrund, SEX])
        for bakgrund in [ALL, *background]
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
    if not table.empty:
        repeated = _same_cases(data, groupings, units)
        if len(repeated):
            keys = [*units, "bakgrund", "niva"]
            niva = table["niva"].astype("string").fillna("")
            marked = (
                table[keys]
                .assign(niva=niva)
                .merge(repeated.assign(_upprepad=True), on=keys, how="left")
            )
            table = table[marked["_upprepad"].isna().to_numpy()].reset_index(drop=True)
    nested = _nested_levels(data, background, units)
    return _protect(table, per=per, min_n=min_n, nested=nested, exact=exact, workers=workers)


def _screen_outcome(
    data: pd.DataFrame,
    outcome: str,
    groupings: dict[str, Grouping],
    *,
    per: str | None,
    alpha: float,
    shared: Any,
) -> pd.DataFrame:
    """One outcome's rows of the list; ``shared`` is its part of :func:`_shared` (None for a
    share)."""
    kind = outcome_kind(data[outcome])
    values = outcome_values(data[outcome], kind)
    units = [per] if per else []
    frames = []
    for bakgrund, grouping in groupings.items():
        by = list(grouping.keys.columns)
        summary = summaries(
            data,
            outcome,
            by,
            kind,
            values=values,
            grouping=grouping,
            occurs=_occurs(shared[bakgrund], grouping, per) if kind == "category" else None,
        )
        summary["bakgrund"] = bakgrund
        summary["niva"] = pd.NA if bakgrund == ALL else summary[bakgrund].astype("string")
        frames.append(summary.drop(columns=[] if bakgrund == ALL else [bakgrund]))
    long = pd.concat(frames, ignore_index=True)
    long[SEX] = long[SEX].astype("string")
    long["kategori"] = long["kategori"].astype("string")
    keys = [*units, "bakgrund", "niva", "kategori"]
    value_cols = ["n", "antal"] if kind != "mean" else ["n", "medel", "sd"]
    wide = long.pivot_table(
        index=keys, columns=SEX, values=value_cols, aggfunc="first", dropna=False, observed=True
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index()
    first, second = load_catalog().sexes
    for column in [f"{c}_{s}" for c in value_cols for s in (first, second)]:
        if column not in wide:
            wide[column] = np.nan
    wide = wide.dropna(subset=[f"n_{first}", f"n_{second}"], how="all")
    # a sex without a case in the group has n 0 (a zero, not a missing number)
    for sex in (first, second):
        none = wide[f"n_{sex}"].isna()
        wide.loc[none, f"n_{sex}"] = 0
        if kind != "mean":
            wide.loc[none, f"antal_{sex}"] = 0
    n_1, n_2 = wide[f"n_{first}"].to_numpy(float), wide[f"n_{second}"].to_numpy(float)
    if kind == "mean":
        wide[f"varde_{first}"], wide[f"varde_{second}"] = (
            wide[f"medel_{first}"],
            wide[f"medel_{second}"],
        )
        res = stats.diff_means(
            wide[f"medel_{first}"],
            wide[f"sd_{first}"],
            n_1,
            wide[f"medel_{second}"],
            wide[f"sd_{second}"],
            n_2,
            alpha=alpha,
        )
        wide[f"antal_{first}"] = wide[f"antal_{second}"] = np.nan
        s_1, s_2 = wide[f"sd_{first}"].to_numpy(float), wide[f"sd_{second}"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            pooled = np.sqrt(((n_1 - 1) * s_1**2 + (n_2 - 1) * s_2**2) / (n_1 + n_2 - 2))
            size = np.abs(res["diff"].to_numpy(dtype=float)) / pooled
        # no spread at all: a difference is as large as it gets, none is none
        size = np.where(pooled == 0, np.where(res["diff"].to_numpy() == 0, 0.0, np.inf), size)
        wide["storlek"] = size
    else:
        a_1, a_2 = wide[f"antal_{first}"].to_numpy(float), wide[f"antal_{second}"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            wide[f"varde_{first}"], wide[f"varde_{second}"] = a_1 / n_1, a_2 / n_2
        res = stats.diff_proportions(a_1, n_1, a_2, n_2, alpha=alpha)
        with np.errstate(invalid="ignore"):
            wide["storlek"] = np.abs(
                2 * np.arcsin(np.sqrt(a_1 / n_1)) - 2 * np.arcsin(np.sqrt(a_2 / n_2))
            )
    wide["skillnad"] = res["diff"].to_numpy()
    wide["skillnad_ci_lag"] = res["ci_low"].to_numpy()
    wide["skillnad_ci_hog"] = res["ci_high"].to_numpy()
    wide["p_varde"] = res["p_value"].to_numpy()
    wide["utfall"] = outcome
    return wide


def _occurs(flags: np.ndarray, grouping: Grouping, per: str | None) -> np.ndarray:
    """The categories each group gets a row for: its unit's row of ``flags`` with ``per``."""
    return flags[grouping.keys[per].cat.codes.to_numpy()] if per else flags


def _protect(
    table: pd.DataFrame,
    *,
    per: str | None,
    min_n: int,
    nested: pd.DataFrame,
    exact: bool,
    workers: int | None,
) -> pd.DataFrame:
    """Hide what rests on too few cases, and every value of a row with a hidden cell."""
    if table.empty:
        return table
    # Each background variable splits the same cases: its levels add up to the "alla" row, so
    # hidden cells are protected across the whole list, not row by row; and levels that lie
    # inside a level of another variable (age bands in a verksamhet) add up to it.
    # every test counts in the adjustment for many comparisons, hidden ones too: their
    # p-values are kept aside, used only to adjust and to mark a large hidden difference
    table[_HIDDEN_P] = table["p_varde"].to_numpy(float)
    table = suppress(
        table,
        min_n=min_n,
        group_cols=[*([per] if per else []), "bakgrund", "niva"],
        pair_col=SEX,
        total_label=ALL,
        partition=("bakgrund", "niva"),
        nested=nested,
        counts_as_shares=True,
        exact=exact,
        workers=workers,
    )
    hidden = table["dold"].to_numpy(dtype=bool)
    table[_HIDDEN_P] = np.where(hidden, table[_HIDDEN_P].to_numpy(float), np.nan)
    # each sex's value stays where only the other's is hidden (suppress hid what must go)
    table.loc[hidden, ["skillnad", "skillnad_ci_lag", "skillnad_ci_hog", "p_varde", "storlek"]] = (
        np.nan
    )
    return table


def _rank(table: pd.DataFrame, *, per: str | None, alpha: float) -> pd.DataFrame:
    """Adjust the p-values over every test of the list and rank it: significant differences
    first, then hidden rows whose difference would be significant, then the other shown rows,
    then the other hidden ones; largest first within each."""
    columns = ([per] if per else []) + screen_columns()
    if table.empty:
        return pd.DataFrame(columns=[*columns, "dold"])
    hidden = table["dold"].to_numpy(dtype=bool)
    every = np.where(hidden, table[_HIDDEN_P].to_numpy(float), table["p_varde"].to_numpy(float))
    adjusted = stats.benjamini_hochberg(every)
    table["p_justerat"] = np.where(hidden, np.nan, adjusted)
    # flagged only where neither value is shown: beside a shown value, "large" would say
    # roughly where the hidden one lies
    neither = table[[f"varde_{sex}" for sex in load_catalog().sexes]].isna().all(axis=1)
    table["stor_dold_skillnad"] = hidden & (adjusted < alpha) & neither.to_numpy(dtype=bool)
    significant = ~hidden & (adjusted < alpha)
    table["ordning"] = np.select(
        [significant, table["stor_dold_skillnad"].to_numpy(), ~hidden], [0, 1, 2], default=3
    )
    table = table.sort_values(["ordning", "storlek"], ascending=[True, False], na_position="last")
    table["rang"] = np.arange(1, len(table) + 1)
    return table[[*columns, "dold"]].reset_index(drop=True)


def _nested_levels(data: pd.DataFrame, background: list[str], units: list[str]) -> pd.DataFrame:
    """The levels that lie inside one level of another background variable (the catalogue's
    ``nested_in``, in its order): in their unit, all their cases have that one known outer
    level."""
    catalog = load_catalog()
    frames = []
    for inner in background:
        for outer in catalog.nested_in.get(inner, ()):
            if outer not in background or outer not in data or inner not in data:
                continue
            levels = data.groupby([*units, inner], observed=True, dropna=True)[outer].agg(
                ["nunique", "count", "size", "first"]
            )
            levels = levels[(levels["nunique"] == 1) & (levels["count"] == levels["size"])]
            found = levels.index.to_frame(index=False).rename(columns={inner: "niva"})
            found["bakgrund"] = inner
            found["inom_bakgrund"] = outer
            found["inom_niva"] = levels["first"].astype("string").to_numpy()
            frames.append(found)
    columns = [*units, "bakgrund", "niva", "inom_bakgrund", "inom_niva"]
    if not frames:
        return pd.DataFrame(columns=columns, dtype="string")
    found = pd.concat(frames, ignore_index=True)[columns].astype("string")
    # a level inside the first of its possible parents needs no sum with the next: an age band
    # in a verksamhet is in its lagrum through the verksamhet's own sum
    return found.drop_duplicates([*units, "bakgrund", "niva"]).reset_index(drop=True)


def _same_cases(
    data: pd.DataFrame, groupings: dict[str, Grouping], units: list[str]
) -> pd.DataFrame:
    """The levels (``[unit,] bakgrund, niva``) that hold exactly the same cases of each sex as
    a level listed before them (all cases first, then the background variables in order).

    Two levels hold the same cases when the sums of one random number per case agree for both
    sexes (the same rows summed in the same order give the same sum, bit for bit).
    """
    weights = np.random.default_rng(0).random(len(data))
    frames = []
    for order, (bakgrund, grouping) in enumerate(groupings.items()):
        ids = grouping.ids
        ok = ids >= 0
        keys = grouping.keys.copy()
        keys["signatur"] = np.bincount(ids[ok], weights=weights[ok], minlength=len(keys))
        keys["bakgrund"] = bakgrund
        keys["niva"] = "" if bakgrund == ALL else keys[bakgrund].astype("string")
        keys["ordning"] = order
        frames.append(keys[[*units, "bakgrund", "niva", "ordning", SEX, "signatur"]])
    long = pd.concat(frames, ignore_index=True)
    long[SEX] = long[SEX].astype("string")
    wide = long.pivot_table(
        index=[*units, "ordning", "bakgrund", "niva"],
        columns=SEX,
        values="signatur",
        aggfunc="first",
        observed=True,
    ).reset_index()
    sexes = [c for c in wide.columns if c not in {*units, "ordning", "bakgrund", "niva"}]
    wide = wide.sort_values([*units, "ordning"], kind="stable")
    repeated = wide.fillna(-1.0).duplicated(subset=[*units, *sexes])
    return wide.loc[repeated, [*units, "bakgrund", "niva"]]


#: The column that keeps the p-values of hidden rows until the list is adjusted.
_HIDDEN_P = "_p_dold"
