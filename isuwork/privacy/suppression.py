"""Small-number protection for every table that leaves the library.

A published table must not let a reader single out a person. As in Swedish official statistics,
a count of 1 … ``min_n``−1 cases is hidden (shown as ``..``, as Kolada does), and so is every
share, mean, interval or difference that rests on too few cases; that is *primary* suppression.
So is a share of 0 % or 100 % in a group of fewer than ``GROUP_FACTOR * min_n`` cases (group
disclosure: "all six men who applied were refused" tells something about each of them; see
:mod:`isuwork.privacy.primary`). *Secondary* suppression then hides further cells so that no
hidden cell can be worked out again from what is shown: categories that add up to the group's
``n``, levels that add up to a total row, levels that lie inside a level of another variable
(``nested``: age bands within a verksamhet), the complement ``n − antal`` of a share, or a
difference together with the other share.

Supported table shapes (see CONTRIBUTING.md, "Result tables"):

* **Long** tables: one row per cell, identified by ``utfall`` and ``kategori`` (when present),
  the columns in ``group_cols`` and ``pair_col`` (when present). Numbers: ``n``, ``antal``
  (shares and categories; NaN on mean rows), ``varde``, ``ci_lag``, ``ci_hog`` and the pair
  columns ``skillnad``, ``skillnad_ci_lag``, ``skillnad_ci_hog``, ``p_varde``, ``p_justerat``
  (repeated on the rows of a compared pair, or on one of them). Rows whose value in a grouping
  column (or ``pair_col``) is ``total_label`` are totals over that column; any number of
  grouping columns may have total rows (a hypercube with margins). Rows with a ``kategori``
  are the categories of a categorical outcome; when they add up to ``n`` they are treated as
  exhaustive. Other columns are copied unchanged.
* **Wide** tables (one row per comparison, as from screening): instead of ``n`` etc. the
  columns ``n_<kod>``, ``antal_<kod>``, ``varde_<kod>``, ``ci_lag_<kod>``, ``ci_hog_<kod>`` for
  the codes of ``pair_col`` in the catalogue (``n_kvinna``, ``n_man``). Plain ``n``, ``antal``
  … on a wide table are read as the total over both (``total_label``).

Counts are the columns ``n`` and ``antal`` (and their wide forms); nothing else is treated as a
count. Limits: only linear relations *inside one table* are considered (the screening list is
one table, its nesting included). Disclosure by combining
two separately published tables (say one by kön and one by kön × åldersgrupp, or an earlier
year), by the non-linear link between means and their totals, by adjusted p-values that depend
on hidden ones (Benjamini–Hochberg), or by free text built from the numbers (a sentence in a
``mening`` column must be written from the suppressed table) is out of scope. Publish one table
per question, or the coarser one only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import DataError, ParameterError, PrivacyError
from isuwork.privacy.primary import GROUP_FACTOR, all_or_none, check_min_n
from isuwork.privacy.secondary import Model, hide_recoverable, small

N = "n"
COUNT = "antal"
VALUE = "varde"
COUNT_COLUMNS: tuple[str, ...] = (N, COUNT)
VALUE_COLUMNS: tuple[str, ...] = (VALUE, "ci_lag", "ci_hog")
PAIR_COLUMNS: tuple[str, ...] = (
    "skillnad",
    "skillnad_ci_lag",
    "skillnad_ci_hog",
    "p_varde",
    "p_justerat",
)
OUTCOME_COLUMN = "utfall"
CATEGORY_COLUMN = "kategori"
HIDDEN_COLUMN = "dold"

#: The prefix of the outer level's columns in ``nested`` (see :func:`suppress`).
NESTED_PREFIX = "inom_"
_FIX_HINT = "Kör tabellen genom isuwork.privacy.protected.protect() med samma gräns innan den visas eller sparas."


# -- suppress --------------------------------------------------------------------------------------
def suppress(
    table: pd.DataFrame,
    *,
    min_n: int = DEFAULT_MIN_N,
    group_cols: Sequence[str] = (),
    pair_col: str | None = SEX,
    total_label: str = "Totalt",
    partition: tuple[str, str] | None = None,
    nested: pd.DataFrame | None = None,
    counts_as_shares: bool = False,
    exact: bool = True,
    workers: int | None = None,
) -> pd.DataFrame:
    """Hide every number that rests on fewer than ``min_n`` cases, with secondary suppression.

    Parameters
    ----------
    table
        A long or wide result table (see the module docstring). Not modified.
    min_n
        The smallest number of cases that may be shown (an integer, at least 1).
    group_cols
        Every column besides ``utfall``, ``kategori`` and ``pair_col`` that tells the rows apart
        (``aldersgrupp``, ``ar`` …). Rows with ``total_label`` in one of them are totals.
    pair_col
        The column whose levels are compared by the difference columns (usually ``kon``); rows
        equal in every other key column form a compared pair. ``None``: no pairs.
    total_label
        The value that marks a total row.
    partition
        ``(partition_col, level_col)`` for a stack of partitions of one total, as in a
        screening list: rows whose ``partition_col`` is ``total_label`` are the total, and for
        every other value of ``partition_col`` its rows (told apart by ``level_col``) add up to
        that total. Both columns must be in ``group_cols``.
    nested
        Levels of the partition that lie inside a level of another one (age bands inside a
        verksamhet): the columns of ``partition`` name the inner level, the same names with the
        prefix ``inom_`` the level it lies in, and any other column of ``group_cols`` in it (a
        unit) says where this holds. The inner levels of one variable add up to at most the
        outer level, and a reader who knows the nesting can use that sum.
    counts_as_shares
        The counts ``antal`` are published only as shares of ``n`` (the screening list): where
        ``n`` is hidden, its counts are hidden too, and protected like the others.
    exact
        After the fast rules (the local rule of the hypercube method and bound propagation; see
        :mod:`isuwork.privacy.secondary`), also check every linked group of unknown cells exactly with
        linear programmes and hide more where a reader could still pin a cell down or know it
        is small. ``False`` keeps to the fast rules: about two thirds of the time on very large
        tables (a screening list over 290 kommuner), closing every recovery from one sum and
        every bound that chains of sums give, but not every combination of many sums at once
        (a levels-by-categories table with its margins can need the exact check).
    workers
        Processes for the secondary suppression of a large table whose parts share no sum
        (kommuner of a screening list); see :func:`isuwork.privacy.secondary.hide_recoverable`. The
        result does not depend on it. ``None``: every core for large tables, else one.

    Returns
    -------
    DataFrame
        A copy with the same columns plus a boolean ``dold`` (True where anything on the row is
        hidden; combined with an existing ``dold``), hidden numbers set to missing (NaN, or
        ``<NA>`` for nullable dtypes; integer columns become float). Wrap it in a
        :class:`~isuwork.privacy.protected.Protected` (or use
        :func:`~isuwork.privacy.protected.protect`) to hand it to tables and charts.

    Raises
    ------
    ParameterError
        ``min_n`` is not a positive integer, a grouping column is missing, or the key columns do
        not identify the rows.
    DataError
        A count is negative or ``antal`` exceeds ``n``.

    Examples
    --------
    >>> t = pd.DataFrame({"kon": ["kvinna", "man"], "n": [40, 40], "antal": [3, 20],
    ...                   "varde": [3 / 40, 0.5], "skillnad": [-0.425, -0.425]})
    >>> suppress(t)[["antal", "varde", "skillnad", "dold"]]
       antal  varde  skillnad  dold
    0    NaN    NaN       NaN  True
    1   20.0    0.5       NaN  True
    """
    check_min_n(min_n)
    group_cols = _check_group_cols(table, group_cols)
    if partition is not None and not set(partition) <= set(group_cols):
        raise ParameterError(
            f"Kolumnerna i partition ({', '.join(partition)}) måste också finnas i group_cols."
        )
    levels = _wide_levels(table, pair_col)
    out = table.copy()
    shared = [c for c in (OUTCOME_COLUMN, CATEGORY_COLUMN, *group_cols) if c in table]
    if levels:
        assert pair_col is not None
        long = _to_long(table, levels, pair_col=pair_col, shared=shared)
        keys = [*shared, pair_col]
    else:
        long = table.reset_index(drop=True)
        keys = list(dict.fromkeys([*shared, *([pair_col] if pair_col in table else [])]))
        if N not in table:
            raise ParameterError(
                "Tabellen saknar kolumnen n (antal fall i gruppen), så det går inte att avgöra "
                "vad som bygger på för få personer. Lägg till n eller, för en bred tabell, "
                f"n_<kod> för varje kod i {pair_col}."
            )
    _check_unique(long, keys)
    total_cols = [c for c in keys if c not in (OUTCOME_COLUMN, CATEGORY_COLUMN, *(partition or ()))]
    masks = _hidden_masks(
        long,
        min_n=min_n,
        keys=keys,
        total_cols=total_cols,
        label=total_label,
        partition=partition,
        nested=nested,
        counts_as_shares=counts_as_shares,
        exact=exact,
        workers=workers,
    )

    rows = len(table)
    hidden_any = np.zeros(rows, dtype=bool)
    for j, (_, suffix) in enumerate(levels or [("", "")]):
        block = slice(j * rows, (j + 1) * rows)
        for base, mask in masks.items():
            col = f"{base}{suffix}"
            if col in out:
                hidden_any |= _blank(out, col, mask[block])
    if levels:
        pair_hidden = hidden_any.copy()
    else:
        pair_keys = [c for c in keys if c != pair_col]
        ids = _group_ids(long, pair_keys)
        pair_hidden = pd.Series(hidden_any).groupby(ids).transform("any").to_numpy(dtype=bool)
    for col in PAIR_COLUMNS:
        if col in out:
            hidden_any |= _blank(out, col, pair_hidden)
    if HIDDEN_COLUMN in out:
        before = out[HIDDEN_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out[HIDDEN_COLUMN] = before | hidden_any
    else:
        out[HIDDEN_COLUMN] = hidden_any
    return out


def _check_group_cols(table: pd.DataFrame, group_cols: Sequence[str]) -> list[str]:
    if isinstance(group_cols, str):
        group_cols = [group_cols]
    missing = [c for c in group_cols if c not in table]
    if missing:
        raise ParameterError(
            f"Grupperingskolumnerna {', '.join(missing)} finns inte i tabellen. Tabellen har "
            f"kolumnerna {', '.join(map(str, table.columns))}; ange bara sådana i group_cols."
        )
    return list(dict.fromkeys(group_cols))


def _wide_levels(table: pd.DataFrame, pair_col: str | None) -> list[tuple[str, str]]:
    """(level, column suffix) of a wide table; empty for a long one."""
    if pair_col is None or pair_col in table:
        return []
    catalog = load_catalog()
    if pair_col not in catalog:
        return []
    codes = [c for c in catalog.variable(pair_col).codes if f"{N}_{c}" in table]
    if not codes:
        return []
    levels = [(c, f"_{c}") for c in codes]
    if N in table:
        levels.append(("", ""))  # plain columns: the total over the compared groups
    return levels


def _to_long(
    table: pd.DataFrame, levels: list[tuple[str, str]], *, pair_col: str, shared: list[str]
) -> pd.DataFrame:
    parts = []
    for level, suffix in levels:
        part = table[shared].reset_index(drop=True).astype("string")
        part[pair_col] = level
        for base in (*COUNT_COLUMNS, *VALUE_COLUMNS):
            col = f"{base}{suffix}"
            part[base] = table[col].to_numpy() if col in table else np.nan
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _group_ids(frame: pd.DataFrame, cols: Sequence[str] | None = None) -> np.ndarray:
    """One integer per distinct combination of ``cols`` (all columns by default); missing
    values form a group of their own."""
    cols = list(frame.columns) if cols is None else list(cols)
    ids = np.zeros(len(frame), dtype=np.int64)
    for col in cols:
        codes, uniques = pd.factorize(frame[col], use_na_sentinel=False)
        ids = pd.factorize(ids * (len(uniques) + 1) + codes)[0]
    return ids


def _check_unique(frame: pd.DataFrame, keys: list[str]) -> None:
    if len(frame) < 2:
        return
    dup = pd.Series(_group_ids(frame, keys)).duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        rows = ", ".join(str(i) for i in np.flatnonzero(dup)[:5])
        raise ParameterError(
            f"Raderna i tabellen skiljs inte åt av kolumnerna {', '.join(keys) or '(inga)'} "
            f"({int(dup.sum())} rader delar nycklar, bland annat rad {rows}). Sekundär "
            "röjandekontroll behöver veta vilka rader som summerar till vilka: ange alla "
            "kolumner som skiljer raderna åt (till exempel ar eller bakgrund) i group_cols."
        )


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[column], errors="coerce")
    return pd.Series(values).to_numpy(dtype=float, na_value=np.nan)


def _blank(out: pd.DataFrame, col: str, mask: np.ndarray) -> np.ndarray:
    """Set ``col`` to missing where ``mask``; return where a present value was hidden.

    Nullable numeric dtypes and floats keep their dtype; anything else becomes float64, whether
    or not a value is hidden, so the dtype does not depend on the data.
    """
    series = out[col]
    dtype = series.dtype
    nullable = pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_numeric_dtype(dtype)
    if not (nullable or pd.api.types.is_float_dtype(dtype)):
        series = pd.to_numeric(series, errors="coerce").astype(float)
    mask = np.asarray(mask, dtype=bool)
    present = series.notna().to_numpy(dtype=bool)
    out[col] = series.mask(pd.Series(mask, index=series.index))
    return mask & present


def _hidden_masks(
    frame: pd.DataFrame,
    *,
    min_n: int,
    keys: list[str],
    total_cols: list[str],
    label: str,
    partition: tuple[str, str] | None = None,
    nested: pd.DataFrame | None = None,
    counts_as_shares: bool = False,
    exact: bool = True,
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """Per row of a long table: which of n, antal, varde, ci_lag, ci_hog to hide."""
    n = _numeric(frame, N)
    a = _numeric(frame, COUNT)
    if (n < 0).any() or (a < 0).any():
        raise DataError(
            "Resultattabellen har negativa antal i n eller antal; det är ett fel i beräkningen "
            "före röjandekontrollen. Kontrollera tabellen."
        )
    cat_keys = [k for k in keys if k != CATEGORY_COLUMN]
    gid = _group_ids(frame, cat_keys)
    if CATEGORY_COLUMN in frame:
        spread = pd.Series(n).groupby(gid).nunique(dropna=False)
        if (spread > 1).any():
            raise ParameterError(
                "Kategorierna i samma grupp har olika n i resultattabellen; n ska vara antalet "
                "fall med känt utfall i gruppen och vara lika för alla kategorier."
            )
    model = Model()
    first = pd.Series(np.arange(len(frame))).groupby(gid).first().to_numpy()
    n_first = n[first] if len(frame) else np.empty(0)
    n_cell_of_group = np.full(len(first), -1, dtype=np.int64)
    has_n = np.isfinite(n_first)
    n_cell_of_group[has_n] = model.add(n_first[has_n])
    n_cell = n_cell_of_group[gid] if len(frame) else np.empty(0, dtype=np.int64)
    has_a = np.isfinite(a)
    a_cell = np.full(len(frame), -1, dtype=np.int64)
    a_cell[has_a] = model.add(a[has_a])

    # primary suppression of shown cells
    hidden = np.zeros(model.size, dtype=bool)
    hidden[n_cell_of_group[has_n]] = small(n_first[has_n], min_n)
    complement = n - a
    primary_a = small(a, min_n) | small(complement, min_n) | (~np.isfinite(n) & (a < min_n))
    primary_a |= all_or_none(a, n, min_n, categorical=_categorical(frame))
    hidden[a_cell[has_a]] = primary_a[has_a]

    # relations a reader can use
    categorical = _categorical(frame)
    rows = np.flatnonzero(has_a)
    group = pd.factorize(gid[rows])[0]
    totals = np.full(group.max() + 1 if len(rows) else 0, -1, dtype=np.int64)
    totals[group] = n_cell[rows]
    exhaustive = np.bincount(group, weights=categorical[rows], minlength=len(totals)) > 0
    rest = model.add_sums(a_cell[rows], group, totals, exhaustive=exhaustive, strict=True)
    # a share's complement n - antal (a group's rest when it is a share)
    complements = [(rest[group][~exhaustive[group]], rows[~exhaustive[group]])]
    # each category's complement (the other categories together) is a count too
    several = (exhaustive & (np.bincount(group, minlength=len(totals)) > 2))[group]
    single = rows[several]
    complements.append(
        (
            model.add_sums(
                a_cell[single], np.arange(len(single)), n_cell[single], exhaustive=False
            ),
            single,
        )
    )
    if partition is not None:
        part = frame[partition[0]].astype("string").fillna("").to_numpy(dtype=object)
    for col in [*total_cols, *([partition[0]] if partition else [])]:
        in_partition = partition is not None and col == partition[0]
        is_total = frame[col].astype("string").eq(label).fillna(False).to_numpy(dtype=bool)
        if not is_total.any():
            continue
        other = [k for k in keys if k not in (partition if in_partition else (col,))]
        outer = _group_ids(frame.iloc[first], [k for k in other if k != CATEGORY_COLUMN])
        by = _group_ids(pd.DataFrame({"o": outer, "p": part[first]})) if in_partition else outer
        model.add_totals(n_cell_of_group, outer, is_total[first], by)
        outer = _group_ids(frame.iloc[rows], other)
        by = _group_ids(pd.DataFrame({"o": outer, "p": part[rows]})) if in_partition else outer
        model.add_totals(a_cell[rows], outer, is_total[rows], by)
    if partition is not None and nested is not None and len(nested):
        other = [k for k in keys if k not in partition]
        plain = [k for k in other if k != CATEGORY_COLUMN]
        _add_nesting(model, frame.iloc[first], n_cell_of_group, plain, partition, nested)
        _add_nesting(model, frame.iloc[rows], a_cell[rows], other, partition, nested)

    virtual = model.virtual
    hidden = np.concatenate([hidden, np.ones(model.size - len(hidden), dtype=bool)])
    protect = (hidden & ~virtual) | (virtual & small(model.values, min_n))
    # a complement of 0 in a small group says "everyone": a reader must not pin it either
    for cells, at in complements:
        safe = np.maximum(cells, 0)
        count = n[at] - model.values[safe]
        everyone = (cells >= 0) & all_or_none(count, n[at], min_n, categorical=True)
        protect[cells[everyone]] = True
    changed = None  # the first pass checks everything, later ones only around what changed
    while True:
        hide_recoverable(
            model,
            min_n=min_n,
            hidden=hidden,
            protect=protect,
            exact=exact,
            workers=workers,
            around=changed,
        )
        if not counts_as_shares:
            break
        # a count shown only as a share of n cannot be shown when n is hidden: it is hidden too,
        # and a reader must not work it out either
        follows = (a_cell >= 0) & (n_cell >= 0)
        follows[follows] = hidden[n_cell[follows]] & ~hidden[a_cell[follows]]
        if not follows.any():
            break
        changed = a_cell[follows]
        hidden[changed] = protect[changed] = True

    n_cells = model.size
    hide_n = (n_cell >= 0) & hidden[np.maximum(n_cell, 0)] if n_cells else n_cell >= 0
    hide_a = (a_cell >= 0) & hidden[np.maximum(a_cell, 0)] if n_cells else a_cell >= 0
    hide_value = hide_n | hide_a | ~(n >= min_n)
    return {N: hide_n, COUNT: hide_a, **dict.fromkeys(VALUE_COLUMNS, hide_value)}


def _categorical(frame: pd.DataFrame) -> np.ndarray:
    """Rows that hold a category of a categorical outcome."""
    if CATEGORY_COLUMN not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[CATEGORY_COLUMN].notna().to_numpy(dtype=bool)


def _add_nesting(
    model: Model,
    frame: pd.DataFrame,
    cells: np.ndarray,
    other: list[str],
    partition: tuple[str, str],
    nested: pd.DataFrame,
) -> None:
    """Sums of the inner levels of each variable (see ``nested`` in :func:`suppress`) up to
    the outer level they lie in, for every combination of the ``other`` keys."""
    outer = [f"{NESTED_PREFIX}{c}" for c in partition]
    where = [c for c in nested.columns if c not in (*partition, *outer)]
    rows = frame[list(dict.fromkeys([*other, *partition]))].astype("string")
    rows = rows.reset_index(drop=True).assign(_cell=cells, _o=_group_ids(frame, other))
    inner = rows.merge(nested.astype("string"), on=[*where, *partition])
    parents = rows[["_o", *partition, "_cell"]].set_axis(["_o", *outer, "_total"], axis=1)
    linked = inner.merge(parents, on=["_o", *outer])
    if linked.empty:
        return
    group = _group_ids(linked, ["_o", partition[0], *outer])
    totals = np.full(int(group.max()) + 1, -1, dtype=np.int64)
    totals[group] = linked["_total"].to_numpy(dtype=np.int64)
    model.add_sums(linked["_cell"].to_numpy(dtype=np.int64), group, totals, exhaustive=True)


# -- check_table -----------------------------------------------------------------------------------
def check_table(table: pd.DataFrame, *, min_n: int) -> None:
    """Raise :class:`PrivacyError` when a shown number breaks the primary rules.

    Output layers call this as a last guard before anything is written or shown. It checks, for
    long tables and for each ``_<kod>`` group of a wide table: no shown ``n`` or ``antal`` of
    1 … ``min_n``−1; no shown complement ``n − antal`` of 1 … ``min_n``−1; no shown 0 % or
    100 % in a small group (:func:`all_or_none`); no shown ``varde``,
    ``ci_lag`` or ``ci_hog`` unless ``n`` is shown and at least ``min_n``; and, when the table
    has a ``dold`` column, no shown difference or p-value on a row marked ``dold``. Secondary
    suppression needs the table's structure and is the job of :func:`suppress`.

    Raises
    ------
    PrivacyError
        With a Swedish message naming the column and the first offending rows.
    """
    check_min_n(min_n)
    for suffix in _suffixes(table):
        # a value of the row's own group under another name (varde_ojusterat) has the row's n
        n = _numeric(table, f"{N}{suffix}" if f"{N}{suffix}" in table else N)
        a = _numeric(table, f"{COUNT}{suffix}")
        for col, bad, what in (
            (f"{N}{suffix}", small(n, min_n), f"ett antal fall under {min_n}"),
            (f"{COUNT}{suffix}", small(a, min_n), f"ett antal under {min_n}"),
            (
                f"{COUNT}{suffix}",
                small(n - a, min_n),
                f"ett antal vars komplement (n − antal) är under {min_n}",
            ),
            (
                f"{COUNT}{suffix}",
                all_or_none(a, n, min_n, categorical=_categorical(table)),
                f"0 % eller 100 % i en grupp med färre än {GROUP_FACTOR * min_n} personer",
            ),
        ):
            _raise_if(table, bad, col, what)
        for base in VALUE_COLUMNS:
            col = f"{base}{suffix}"
            if col in table:
                shown = ~np.isnan(_numeric(table, col))
                _raise_if(
                    table,
                    shown & ~(n >= min_n),
                    col,
                    f"ett värde för en grupp med färre än {min_n} personer (eller okänt n)",
                )
    if HIDDEN_COLUMN in table:
        dold = table[HIDDEN_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool)
        for col in PAIR_COLUMNS:
            if col in table:
                shown = ~np.isnan(_numeric(table, col))
                _raise_if(table, dold & shown, col, "en skillnad på en rad med dolda värden")


def _suffixes(table: pd.DataFrame) -> list[str]:
    found = [""] if N in table or COUNT in table or VALUE in table else []
    pattern = re.compile(rf"^(?:{N}|{COUNT}|{VALUE})(_.+)$")
    for col in table.columns:
        match = pattern.match(str(col))
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def _raise_if(table: pd.DataFrame, bad: np.ndarray, col: str, what: str) -> None:
    if not bad.any():
        return
    rows = ", ".join(str(i) for i in table.index[bad][:5])
    count = int(bad.sum())
    raise PrivacyError(
        f"Tabellen visar {what} i kolumnen {col} ({count} rad{'er' if count > 1 else ''}, "
        f"bland annat rad {rows}). Sådana värden kan göra enskilda personer identifierbara. "
        f"{_FIX_HINT}"
    )
