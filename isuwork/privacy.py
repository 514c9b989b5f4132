"""Small-number protection for every table that leaves the library.

Published tables must not let anyone be identified. Following Swedish statistical practice, a
count of 1 … ``min_n``−1 cases is hidden (shown as ``..``, as Kolada does), and so is every share,
mean or interval built on too few cases, including 0 % and 100 % in small groups. Secondary
suppression then hides further cells so that a hidden one cannot be worked out from what is
shown: sibling categories that sum to the group's total, levels that sum to a total row, the
other member of a compared pair, or a difference plus the other group's share.

Out of scope: disclosure by combining two separately published tables (for instance a table by
kön and another by kön × åldersgrupp). Publish one table per question, or the coarser one only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from isuwork.exceptions import PrivacyError

COUNT_COLUMNS: tuple[str, ...] = ("n", "antal")
VALUE_COLUMNS: tuple[str, ...] = ("varde", "ci_lag", "ci_hog")
PAIR_COLUMNS: tuple[str, ...] = (
    "skillnad",
    "skillnad_ci_lag",
    "skillnad_ci_hog",
    "p_varde",
    "p_justerat",
)


def footnote(min_n: int = 5) -> str:
    """The footnote that explains hidden cells, with the threshold in use."""
    return f"Värden som bygger på färre än {min_n} personer visas inte."


def _num(table: pd.DataFrame, column: str) -> np.ndarray:
    if column not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[column], errors="coerce").astype(float).to_numpy()


def _small(x: np.ndarray, min_n: int) -> np.ndarray:
    return (x >= 1) & (x < min_n)


def suppress(
    table: pd.DataFrame,
    *,
    min_n: int = 5,
    group_cols: Sequence[str] = (),
    pair_col: str | None = "kon",
    total_label: str = "Totalt",
) -> pd.DataFrame:
    """Hide every number that rests on fewer than ``min_n`` cases, with secondary suppression.

    Parameters
    ----------
    table
        A result table (see CONTRIBUTING.md, "Result tables"): ``n``, optionally ``antal``
        (shares; NaN for means), ``varde``, ``ci_lag``, ``ci_hog``, difference columns
        (``skillnad*``, ``p_varde``, ``p_justerat``), ``kategori``/``utfall`` and the grouping
        columns named in ``group_cols``.
    min_n
        The smallest number of cases that may be shown (at least 1).
    group_cols
        Grouping columns; rows with ``total_label`` in one of them are totals over that column.
    pair_col
        The column whose two levels are compared by the difference columns (usually ``kon``).
    total_label
        The value marking a total row.

    Returns
    -------
    DataFrame
        A copy with hidden numbers set to NaN, a boolean column ``dold`` and
        ``attrs["fotnot"]``. The input is not modified.
    """
    if min_n < 1:
        from isuwork.exceptions import ParameterError

        raise ParameterError(f"min_n måste vara minst 1, men var {min_n}.")
    out = table.copy()
    out.attrs = dict(table.attrs)
    out.attrs["fotnot"] = footnote(min_n)
    if out.empty:
        out["dold"] = pd.Series(dtype=bool)
        return out
    n = _num(out, "n")
    antal = _num(out, "antal")
    share = np.isfinite(antal)
    complement = n - antal

    hide_n = _small(n, min_n)
    hide_antal = share & (_small(antal, min_n) | _small(complement, min_n) | hide_n | (n < min_n))
    group_keys = _keys(out, [c for c in ("utfall", *group_cols) if c in out])

    # secondary suppression to a fixed point
    changed = True
    while changed:
        changed = False
        if "kategori" in out and share.any():
            changed |= _protect_siblings(
                group_keys, antal, hide_antal, shown_total=~hide_n & np.isfinite(n)
            )
        for col in group_cols:
            if col not in out:
                continue
            is_total = (out[col].astype("string") == total_label).fillna(False).to_numpy()
            if not is_total.any():
                continue
            others = [c for c in ("utfall", "kategori", *group_cols) if c in out and c != col]
            keys = _keys(out, others)
            changed |= _protect_total(keys, is_total, n, hide_n)
            if share.any():
                changed |= _protect_total(keys, is_total, antal, hide_antal)
        hide_antal_new = hide_antal | (share & hide_n)
        if (hide_antal_new != hide_antal).any():
            hide_antal[:] = hide_antal_new
            changed = True

    hide_value = (n < min_n) | ~np.isfinite(n) | hide_antal | hide_n
    hide_pair = np.zeros(len(out), dtype=bool)
    if pair_col and pair_col in out:
        others = [c for c in ("utfall", "kategori", *group_cols) if c in out and c != pair_col]
        keys = _keys(out, others)
        for key in np.unique(keys):
            rows = keys == key
            if hide_value[rows].any():
                hide_pair[rows] = True
    else:
        hide_pair = hide_value.copy()

    _blank(out, ["n"], hide_n)
    _blank(out, ["antal"], hide_antal)
    _blank(out, list(VALUE_COLUMNS), hide_value)
    _blank(out, list(PAIR_COLUMNS), hide_pair)
    present_pair = [c for c in PAIR_COLUMNS if c in out]
    out["dold"] = hide_n | hide_antal | hide_value | (hide_pair if present_pair else False)
    return out


def _keys(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    if not columns:
        return np.zeros(len(table), dtype=np.int64)
    codes = table[list(columns)].astype("string").fillna("\0").agg("\x1f".join, axis=1)
    return pd.factorize(codes)[0]


def _hide_smallest(values: np.ndarray, hidden: np.ndarray, candidates: np.ndarray) -> bool:
    """Hide the smallest shown candidate (ties broken by position); True if one was hidden."""
    idx = np.flatnonzero(candidates & ~hidden)
    if idx.size == 0:
        return False
    order = np.argsort(np.nan_to_num(values[idx], nan=np.inf), kind="stable")
    hidden[idx[order[0]]] = True
    return True


def _protect_siblings(
    keys: np.ndarray, counts: np.ndarray, hidden: np.ndarray, *, shown_total: np.ndarray
) -> bool:
    """Categories of one group sum to its n: one hidden category alone would be recoverable."""
    changed = False
    for key in np.unique(keys):
        rows = keys == key
        if not shown_total[rows].any():
            continue
        n_hidden = int((hidden & rows & np.isfinite(counts)).sum())
        hidden_positive = (hidden & rows & (np.nan_to_num(counts) > 0)).sum()
        if n_hidden == 1 or (n_hidden > 1 and hidden_positive == 1 and n_hidden == hidden_positive):
            changed |= _hide_smallest(counts, hidden, rows & np.isfinite(counts))
    return changed


def _protect_total(
    keys: np.ndarray, is_total: np.ndarray, counts: np.ndarray, hidden: np.ndarray
) -> bool:
    """Levels sum to the total row: exactly one hidden cell among them and the total is exposed."""
    changed = False
    for key in np.unique(keys):
        rows = (keys == key) & np.isfinite(counts)
        if not (rows & is_total).any():
            continue
        if int((hidden & rows).sum()) == 1:
            changed |= _hide_smallest(counts, hidden, rows & ~is_total)
            if not changed:  # only the total is left to hide
                changed |= _hide_smallest(counts, hidden, rows & is_total)
    return changed


def _blank(table: pd.DataFrame, columns: list[str], mask: np.ndarray) -> None:
    for col in columns:
        if col in table and mask.any():
            # plain float64 so hidden cells are NaN whatever the input dtype (Int64 included)
            table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
            table.loc[mask, col] = np.nan


def check_table(table: pd.DataFrame, *, min_n: int = 5) -> None:
    """Raise :class:`PrivacyError` when a shown number breaks the primary rules.

    Output layers call this as a last guard before anything is written or shown.
    """
    if table.empty:
        return
    n = _num(table, "n")
    antal = _num(table, "antal")
    if _small(n, min_n).any():
        raise PrivacyError(
            f"Tabellen visar ett antal under {min_n} i kolumnen n; den måste gå igenom "
            "suppress() innan den visas."
        )
    if _small(antal, min_n).any() or _small(n - antal, min_n).any():
        raise PrivacyError(
            f"Tabellen visar ett antal (eller ett komplement) under {min_n} i kolumnen antal; "
            "den måste gå igenom suppress() innan den visas."
        )
    value = _num(table, "varde")
    if (np.isfinite(value) & ((n < min_n) | ~np.isfinite(n))).any():
        raise PrivacyError(
            f"Tabellen visar en andel eller ett medelvärde för en grupp med färre än {min_n} "
            "personer; den måste gå igenom suppress() innan den visas."
        )


def small_count(count: np.ndarray, min_n: int = 5) -> np.ndarray:
    """True where a count must be hidden (1 … min_n−1)."""
    return _small(np.asarray(count, dtype=float), min_n)


def share_hidden(n: np.ndarray, count: np.ndarray, min_n: int = 5) -> np.ndarray:
    """True where a share ``count / n`` must be hidden (too few cases, or a small count or
    complement, which covers 0 % and 100 % in small groups)."""
    n = np.asarray(n, dtype=float)
    count = np.asarray(count, dtype=float)
    return (n < min_n) | ~np.isfinite(n) | _small(count, min_n) | _small(n - count, min_n)
