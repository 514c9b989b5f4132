"""Small-number protection: each rule checked directly, and an attacker that must fail.

The attacker at the bottom knows the table's structure (which rows add up to which) and every
number that ``suppress`` shows. It writes every relation it can use as a linear constraint --
siblings summing to totals, categories summing to ``n``, ``0 <= antal <= n``, share times ``n``
equals ``antal``, a shown difference plus the other share -- and asks scipy's ``linprog`` for the
smallest and largest value of each hidden count and complement. A hidden count is recovered when
its feasible range holds a single whole number.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import proportion_confint

from isuwork.exceptions import DataError, IsuworkError, ParameterError, PrivacyError
from isuwork.privacy.primary import footnote
from isuwork.privacy.suppression import check_table, suppress

TOTAL = "Totalt"
PAIR = ("kvinna", "man")


# -- builders ---------------------------------------------------------------------------------------
def _wilson(antal: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = np.full(len(n), np.nan)
    high = np.full(len(n), np.nan)
    ok = n > 0
    if ok.any():
        low[ok], high[ok] = proportion_confint(antal[ok], n[ok], method="wilson")
    return low, high


def share_table(rows: list[tuple[str, int, int]], *, col: str = "grupp") -> pd.DataFrame:
    """One share row per (level, antal, n), with Wilson intervals."""
    table = pd.DataFrame(rows, columns=[col, "antal", "n"])
    n = table["n"].to_numpy(dtype=float)
    antal = table["antal"].to_numpy(dtype=float)
    table["varde"] = np.divide(antal, n, out=np.full(len(n), np.nan), where=n > 0)
    table["ci_lag"], table["ci_hog"] = _wilson(antal, n)
    return table[[col, "n", "antal", "varde", "ci_lag", "ci_hog"]]


def mean_table(ns: list[int], *, col: str = "grupp") -> pd.DataFrame:
    table = pd.DataFrame({col: [f"g{i}" for i in range(len(ns))], "n": ns})
    table["antal"] = np.nan
    table["varde"] = np.where(table["n"] > 0, 10.0 + table["n"] % 7, np.nan)
    table["ci_lag"] = np.where(table["n"] > 1, table["varde"] - 1.5, np.nan)
    table["ci_hog"] = np.where(table["n"] > 1, table["varde"] + 1.5, np.nan)
    return table


def hypercube(
    leaves: pd.DataFrame, dims: list[tuple[str, bool]], *, kind: str, pair_col: str | None
) -> pd.DataFrame:
    """Add margins (``Totalt`` rows) to leaf counts and compute values, intervals, differences.

    ``leaves`` has one column per dimension, ``n`` and (shares, categories) ``antal``; categorical
    leaves have one row per ``kategori`` with ``n`` repeated.
    """
    names = [d for d, _ in dims]
    with_total = [d for d, t in dims if t]
    extra = ["kategori"] if kind == "category" else []
    counts = ["n", "antal"] if kind == "share" else ["n"]
    parts = []
    for r in range(len(with_total) + 1):
        for summed in itertools.combinations(with_total, r):
            keep = [d for d in names if d not in summed] + extra
            if kind == "category":
                block = leaves.groupby(keep, sort=False)[["antal"]].sum().reset_index()
                groups = [d for d in keep if d != "kategori"]
                by_group = block.groupby(groups, sort=False)["antal"] if groups else None
                block["n"] = by_group.transform("sum") if groups else block["antal"].sum()
            elif keep:
                block = leaves.groupby(keep, sort=False)[counts].sum().reset_index()
            else:
                block = leaves[counts].sum().to_frame().T
            for d in summed:
                block[d] = TOTAL
            parts.append(block)
    value_cols = ["n"] if kind == "mean" else ["n", "antal"]
    table = pd.concat(parts, ignore_index=True)[[*names, *extra, *value_cols]]
    table["n"] = table["n"].astype("int64")
    if kind == "mean":
        table["antal"] = np.nan
        table["varde"] = np.where(table["n"] > 0, 3.0 + table["n"] % 5, np.nan)
        table["ci_lag"] = np.where(table["n"] > 1, table["varde"] - 1, np.nan)
        table["ci_hog"] = np.where(table["n"] > 1, table["varde"] + 1, np.nan)
    else:
        table["antal"] = table["antal"].astype("int64")
        n = table["n"].to_numpy(dtype=float)
        antal = table["antal"].to_numpy(dtype=float)
        table["varde"] = np.divide(antal, n, out=np.full(len(n), np.nan), where=n > 0)
        table["ci_lag"], table["ci_hog"] = _wilson(antal, n)
    table["skillnad"] = np.nan
    table["p_varde"] = np.nan
    if pair_col in names:
        others = [d for d in names if d != pair_col] + extra
        for _, part in table.groupby(others, sort=False) if others else [(None, table)]:
            rows = {v: i for i, v in zip(part.index, part[pair_col], strict=True)}
            if not all(p in rows for p in PAIR):
                continue
            i, j = rows["kvinna"], rows["man"]
            diff = table.at[i, "varde"] - table.at[j, "varde"]
            p = np.nan
            if kind != "mean" and table.at[i, "n"] > 0 and table.at[j, "n"] > 0:
                a1, n1, a2, n2 = (int(table.at[k, c]) for k in (i, j) for c in ("antal", "n"))
                p = fisher_exact([[a1, n1 - a1], [a2, n2 - a2]])[1]
            table.loc[[i, j], ["skillnad", "p_varde"]] = [diff, p]
    return table


# -- the attacker -----------------------------------------------------------------------------------
def attack(
    shown: pd.DataFrame,
    original: pd.DataFrame,
    *,
    dims: list[str],
    min_n: int,
    pair_col: str | None = None,
    known_small: bool = False,
) -> list[str]:
    """Every hidden count (or complement ``n - antal``) the attacker pins to one whole number.

    ``original`` is used only for the table's structure (which cells exist) and to print the
    true value of a leak; the attacker's constraints use shown numbers alone.
    """
    leaks: list[str] = []
    rows = range(len(original))
    has_a = original["antal"].notna().to_numpy() if "antal" in original else np.zeros(len(rows))
    index: dict[tuple[int, str], int] = {}
    for i in rows:
        index[(i, "n")] = len(index)
        if has_a[i]:
            index[(i, "antal")] = len(index)
    size = len(index)
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []
    a_ub: list[np.ndarray] = []

    def vec(terms: list[tuple[tuple[int, str], float]]) -> np.ndarray:
        v = np.zeros(size)
        for cell, coef in terms:
            v[index[cell]] += coef
        return v

    def shown_value(i: int, col: str) -> float:
        value = shown.at[i, col] if col in shown else np.nan
        return np.nan if pd.isna(value) else float(value)

    for (i, col), _ in index.items():
        if not np.isnan(shown_value(i, col)):
            a_eq.append(vec([((i, col), 1.0)]))
            b_eq.append(shown_value(i, col))
    for i in rows:
        if has_a[i]:
            a_ub.append(vec([((i, "antal"), 1.0), ((i, "n"), -1.0)]))  # antal <= n
            share = shown_value(i, "varde")
            if not np.isnan(share):  # share x n = antal
                a_eq.append(vec([((i, "antal"), 1.0), ((i, "n"), -share)]))
                b_eq.append(0.0)
            elif any(not np.isnan(shown_value(i, c)) for c in ("ci_lag", "ci_hog")):
                leaks.append(f"row {i}: interval shown for a hidden share")
    keys = dims + (["kategori"] if "kategori" in original else [])
    # categories: same n, and they add up to it
    if "kategori" in original:
        for _, g in original.groupby(dims, sort=False):
            idx = list(g.index)
            for i in idx[1:]:
                a_eq.append(vec([((i, "n"), 1.0), ((idx[0], "n"), -1.0)]))
                b_eq.append(0.0)
            a_eq.append(vec([*(((i, "antal"), 1.0) for i in idx), ((idx[0], "n"), -1.0)]))
            b_eq.append(0.0)
    # levels add up to the total row, for n and antal
    for d in dims:
        others = [k for k in keys if k != d]
        groups = original.groupby(others, sort=False) if others else [(None, original)]
        for _, g in groups:
            total = g.index[g[d] == TOTAL]
            members = g.index[g[d] != TOTAL]
            if len(total) != 1 or len(members) == 0:
                continue
            for col in ("n", "antal"):
                if (total[0], col) in index:
                    a_eq.append(vec([*(((i, col), 1.0) for i in members), ((total[0], col), -1.0)]))
                    b_eq.append(0.0)
    # a shown difference links the two shares of a pair
    if pair_col in dims and "skillnad" in shown:
        others = [k for k in keys if k != pair_col]
        for _, g in original.groupby(others, sort=False) if others else [(None, original)]:
            pos = {v: i for i, v in zip(g.index, g[pair_col], strict=True)}
            if not all(p in pos for p in PAIR) or not has_a[pos["kvinna"]]:
                continue
            i, j = pos["kvinna"], pos["man"]
            d = shown_value(i, "skillnad")
            if np.isnan(d):
                d = shown_value(j, "skillnad")
            if np.isnan(d):
                continue
            vi, vj = shown_value(i, "varde"), shown_value(j, "varde")
            ni, nj = shown_value(i, "n"), shown_value(j, "n")
            if np.isnan(vi) and not np.isnan(vj):
                a_eq.append(vec([((i, "antal"), 1.0), ((i, "n"), -(d + vj))]))
                b_eq.append(0.0)
            elif np.isnan(vj) and not np.isnan(vi):
                a_eq.append(vec([((j, "antal"), 1.0), ((j, "n"), -(vi - d))]))
                b_eq.append(0.0)
            elif np.isnan(vi) and np.isnan(vj) and ni > 0 and nj > 0:
                a_eq.append(vec([((i, "antal"), 1.0 / ni), ((j, "antal"), -1.0 / nj)]))
                b_eq.append(d)
            if (np.isnan(vi) or np.isnan(vj)) and not np.isnan(shown_value(i, "p_varde")):
                leaks.append(f"rows {i},{j}: p-value shown beside a hidden share")

    def bounds_of(objective: np.ndarray) -> tuple[float, float]:
        out = []
        for sign in (1.0, -1.0):
            res = linprog(
                sign * objective,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=np.zeros(len(a_ub)) if a_ub else None,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=np.array(b_eq) if b_eq else None,
                bounds=[(0, None)] * size,
                method="highs",
            )
            if res.status == 3:  # unbounded
                out.append(np.inf)
                continue
            assert res.status == 0, res.message  # the true table is always feasible
            out.append(sign * res.fun)
        return out[0], out[1]

    # Targets: every hidden cell (a leak whenever pinned), and the complement n - antal of a row
    # with a hidden cell. The complement is no cell of the table, so like any count derived
    # from it, it leaks when it is pinned to 1 ... min_n - 1.
    targets: list[tuple[str, np.ndarray, float, bool]] = []
    for i in rows:
        n_hidden = np.isnan(shown_value(i, "n"))
        if n_hidden:
            targets.append((f"n[{i}]", vec([((i, "n"), 1.0)]), original.at[i, "n"], False))
        if has_a[i]:
            a_hidden = np.isnan(shown_value(i, "antal"))
            if a_hidden:
                true = original.at[i, "antal"]
                targets.append((f"antal[{i}]", vec([((i, "antal"), 1.0)]), true, False))
            if a_hidden or n_hidden:
                true = original.at[i, "n"] - original.at[i, "antal"]
                both = vec([((i, "n"), 1.0), ((i, "antal"), -1.0)])
                targets.append((f"n-antal[{i}]", both, true, True))
    for name, objective, true, derived in targets:
        low, high = bounds_of(objective)
        whole_numbers = np.floor(high + 1e-6) - np.ceil(low - 1e-6) + 1
        if whole_numbers < 2 and not (derived and not 0 < true < min_n):
            leaks.append(f"{name} = {true} recovered (range {low:.3g}..{high:.3g})")
        elif known_small and 0 < true < min_n and high < min_n - 1e-6:
            leaks.append(f"{name} = {true} known to be small (range {low:.3g}..{high:.3g})")
    return leaks


# -- footnote ------------------------------------------------------------------------------------
def test_footnote_follows_threshold():
    assert footnote() == "Värden som bygger på färre än 5 personer visas inte."
    assert footnote(10) == "Värden som bygger på färre än 10 personer visas inte."


# -- primary rules, checked against the rule written out directly ---------------------------------
@pytest.mark.parametrize("min_n", [3, 5, 10])
def test_counts_hidden_exactly_in_one_to_min_n_minus_one(min_n):
    ns = list(range(0, 2 * min_n + 2))
    out = suppress(mean_table(ns), min_n=min_n, group_cols=["grupp"], pair_col=None)
    expected = np.array([0 < v < min_n for v in ns])
    np.testing.assert_array_equal(out["n"].isna().to_numpy(), expected)
    np.testing.assert_array_equal(
        out["n"].dropna().to_numpy(), [v for v in ns if not 0 < v < min_n]
    )
    # means and their intervals: hidden when n < min_n (n = 0 has no mean to hide)
    np.testing.assert_array_equal(out["varde"].notna().to_numpy(), [v >= min_n for v in ns])
    np.testing.assert_array_equal(out["ci_lag"].notna().to_numpy(), [v >= min_n for v in ns])
    np.testing.assert_array_equal(out["dold"].to_numpy(), [0 < v < min_n for v in ns])
    check_table(out, min_n=min_n)


@pytest.mark.parametrize("min_n", [3, 5, 10])
def test_share_rule_over_every_small_case(min_n):
    cases = [(f"{a}/{n}", a, n) for n in range(0, 2 * min_n + 3) for a in range(n + 1)]
    out = suppress(share_table(cases), min_n=min_n, group_cols=["grupp"], pair_col=None)
    for (_, a, n), (_, row) in zip(cases, out.iterrows(), strict=True):
        small = [0 < x < min_n for x in (a, n - a)]
        # 0 % or 100 % of a group of fewer than twice min_n says something about everyone
        everyone_or_nobody = 0 < n < 2 * min_n and a in (0, n)
        share_hidden = n < min_n or any(small) or everyone_or_nobody
        assert pd.isna(row["antal"]) == (any(small) or everyone_or_nobody), (a, n)
        assert pd.isna(row["n"]) == (0 < n < min_n), (a, n)
        assert pd.isna(row["varde"]) == share_hidden, (a, n)
        assert pd.isna(row["ci_lag"]) == pd.isna(row["ci_hog"]) == share_hidden, (a, n)
        if not share_hidden:
            assert row["varde"] == pytest.approx(a / n)
    check_table(out, min_n=min_n)


@pytest.mark.parametrize(
    ("antal", "n", "antal_shown", "n_shown", "dold"),
    [
        (0, 3, False, False, True),  # 0 of 3: reveals that all three lack it
        (3, 3, False, False, True),  # 100 % of a small group
        (0, 6, False, True, True),  # 0 of 6: every one of them lacks it
        (6, 6, False, True, True),  # 100 % of six
        (0, 9, False, True, True),  # still fewer than twice the threshold
        (0, 10, True, True, False),  # ten or more: a share of the group, not of each one
        (0, 40, True, True, False),  # 0 % of a large group
        (40, 40, True, True, False),  # 100 % of a large group
        (0, 0, True, True, False),  # empty group: nothing to reveal
        (1, 1, False, False, True),  # group of one
        (38, 40, False, True, True),  # small complement
    ],
)
def test_zero_and_full_shares(antal, n, antal_shown, n_shown, dold):
    out = suppress(share_table([("a", antal, n)]), min_n=5, group_cols=["grupp"], pair_col=None)
    assert out.loc[0, "antal"] == antal if antal_shown else pd.isna(out.loc[0, "antal"])
    assert out.loc[0, "n"] == n if n_shown else pd.isna(out.loc[0, "n"])
    assert bool(out.loc[0, "dold"]) is dold


def test_a_category_held_by_everyone_in_a_small_group_is_hidden():
    """Six men, all "helt": 100 % says something about each of them. Their other categories
    (0 each) would give it away again, so one of them goes too; 0 % of a category alone is
    allowed."""
    rows = [("kvinna", "helt", 30, 12), ("kvinna", "delvis", 30, 18), ("kvinna", "inte", 30, 0)]
    rows += [("man", "helt", 6, 6), ("man", "delvis", 6, 0), ("man", "inte", 6, 0)]
    table = pd.DataFrame(rows, columns=["kon", "kategori", "n", "antal"])
    table["utfall"] = "mal_uppfyllelse"
    table["varde"] = table["antal"] / table["n"]
    out = suppress(table, min_n=5, pair_col=None, group_cols=["kon"])
    check_table(out, min_n=5)
    men, women = out[out["kon"] == "man"], out[out["kon"] == "kvinna"]
    helt = men["kategori"] == "helt"
    assert men.loc[helt, ["antal", "varde"]].isna().all(axis=None)
    # n less the shown categories would be "helt" again: another category is hidden too
    assert men["antal"].isna().sum() >= 2 or men["n"].isna().all()
    assert women["antal"].tolist() == [12, 18, 0]  # 0 % "inte" among 30 women is shown
    with pytest.raises(PrivacyError, match="100 %"):
        check_table(table, min_n=5)


def test_all_below_threshold_hides_every_number():
    table = share_table([("a", 1, 3), ("b", 2, 4), ("c", 0, 2)])
    out = suppress(table, min_n=5, group_cols=["grupp"], pair_col=None)
    assert out[["n", "antal", "varde", "ci_lag", "ci_hog"]].isna().all(axis=None)
    assert out["dold"].all()
    check_table(out, min_n=5)


# -- differences -----------------------------------------------------------------------------------
def _pair_table() -> pd.DataFrame:
    rows = [("kvinna", "ung", 3, 40), ("man", "ung", 20, 40), ("kvinna", "gammal", 10, 30)]
    rows.append(("man", "gammal", 12, 30))
    table = pd.DataFrame(rows, columns=["kon", "alder", "antal", "n"])
    table["varde"] = table["antal"] / table["n"]
    table["ci_lag"], table["ci_hog"] = _wilson(table["antal"].to_numpy(), table["n"].to_numpy())
    for cols, value in (
        (["skillnad", "skillnad_ci_lag", "skillnad_ci_hog"], [-0.4, -0.6, -0.2]),
        (["p_varde", "p_justerat"], [0.01, 0.02]),
    ):
        for col, v in zip(cols, value, strict=True):
            table[col] = v
    return table


def test_difference_hidden_only_for_the_pair_with_a_hidden_row():
    out = suppress(_pair_table(), min_n=5, group_cols=["alder"])
    pair_cols = ["skillnad", "skillnad_ci_lag", "skillnad_ci_hog", "p_varde", "p_justerat"]
    young = out["alder"] == "ung"
    assert out.loc[young, pair_cols].isna().all(axis=None)
    assert out.loc[~young, pair_cols].notna().all(axis=None)
    # the man's share stays: without the difference it says nothing about the woman's
    assert out.loc[1, "varde"] == pytest.approx(0.5)
    np.testing.assert_array_equal(out["dold"], [True, True, False, False])
    check_table(out, min_n=5)


def test_attacker_recovers_share_from_difference_when_left_shown():
    table = _pair_table()
    naive = table.astype({"antal": float, "varde": float, "ci_lag": float, "ci_hog": float})
    naive.loc[0, ["antal", "varde", "ci_lag", "ci_hog"]] = np.nan
    leaks = attack(naive, table, dims=["kon", "alder"], min_n=5, pair_col="kon")
    assert any(leak.startswith("antal[0] = 3") for leak in leaks)
    assert any("p-value" in leak for leak in leaks)
    shown = suppress(table, group_cols=["alder"])
    assert attack(shown, table, dims=["kon", "alder"], min_n=5, pair_col="kon") == []


# -- secondary suppression -------------------------------------------------------------------------
def test_categories_protect_each_other():
    table = pd.DataFrame(
        {
            "kon": "kvinna",
            "kategori": ["uppnatt", "delvis", "ej_uppnatt"],
            "n": 50,
            "antal": [40, 6, 4],
        }
    )
    table["varde"] = table["antal"] / table["n"]
    out = suppress(table, min_n=5, group_cols=["kon"])
    # 4 alone would be 50 - 40 - 6; the smallest shown sibling (6) goes too
    np.testing.assert_array_equal(out["antal"].isna(), [False, True, True])
    assert out.loc[0, "antal"] == 40 and (out["n"] == 50).all()
    assert attack(out, table, dims=["kon"], min_n=5) == []
    naive = table.astype({"antal": float})
    naive.loc[2, "antal"] = np.nan
    assert "antal[2] = 4 recovered (range 4..4)" in attack(naive, table, dims=["kon"], min_n=5)


def test_total_row_protects_levels():
    table = pd.DataFrame({"kon": [TOTAL, "kvinna", "man"], "n": [40, 37, 3]})
    table["antal"] = np.nan
    table["varde"] = [2.0, 2.1, 1.0]
    out = suppress(table, min_n=5, group_cols=["kon"], pair_col=None)
    assert pd.isna(out.loc[2, "n"]) and pd.isna(out.loc[1, "n"]) and out.loc[0, "n"] == 40
    assert out.loc[0, "varde"] == 2.0
    assert attack(out, table, dims=["kon"], min_n=5) == []


def test_two_way_table_with_margins_needs_a_rectangle():
    leaves = pd.DataFrame(
        {
            "kon": ["kvinna"] * 3 + ["man"] * 3,
            "alder": ["a", "b", "c"] * 2,
            "n": [10, 3, 20, 8, 9, 30],
        }
    )
    table = hypercube(leaves, [("kon", True), ("alder", True)], kind="mean", pair_col="kon")
    out = suppress(table, min_n=5, group_cols=["alder"])
    grid = out.pivot(index="kon", columns="alder", values="n")
    hidden = grid.isna()
    assert hidden.loc["kvinna", "b"]
    # every row and column of the inner table has 0 or at least 2 hidden cells
    inner = hidden.loc[list(PAIR), ["a", "b", "c"]]
    assert set(inner.sum(axis=0)) <= {0, 2} and set(inner.sum(axis=1)) <= {0, 2, 3}
    assert attack(out, table, dims=["kon", "alder"], min_n=5, pair_col="kon") == []


def test_small_remainder_outside_listed_levels_is_protected():
    # 2 cases of a third, unlisted level would follow from 80 - 40 - 38
    table = pd.DataFrame({"kon": [TOTAL, "kvinna", "man"], "n": [80, 40, 38]})
    out = suppress(table, min_n=5, group_cols=["kon"], pair_col=None)
    assert out["n"].isna().sum() >= 1


# -- shapes, dtypes, errors -----------------------------------------------------------------------
def test_input_untouched_and_same_columns_every_time():
    table = _pair_table()
    table.attrs["kalla"] = "test"
    before = table.copy()
    out = suppress(table, min_n=5, group_cols=["alder"])
    pd.testing.assert_frame_equal(table, before)
    assert table.attrs == {"kalla": "test"}
    assert out.attrs == {"kalla": "test"}  # the threshold travels in a Protected, not in attrs
    clean = suppress(table.iloc[2:], min_n=5, group_cols=["alder"])
    empty = suppress(table.iloc[0:0], min_n=5, group_cols=["alder"])
    assert list(out.columns) == list(clean.columns) == list(empty.columns) == [*table, "dold"]
    assert out.dtypes.equals(clean.dtypes) and out.dtypes.equals(empty.dtypes)
    assert empty.empty and empty["dold"].dtype == bool


@pytest.mark.parametrize("dtype", ["Int64", "Float64"])
def test_nullable_dtypes_keep_their_dtype(dtype):
    table = share_table([("a", 3, 30), ("b", 12, 30), ("c", 5, 10)])
    table["n"] = table["n"].astype(dtype)
    table["antal"] = table["antal"].astype(dtype)
    table["varde"] = table["varde"].astype("Float64")
    table.loc[2, "antal"] = pd.NA
    out = suppress(table, min_n=5, group_cols=["grupp"], pair_col=None)
    assert out["n"].dtype == dtype and out["antal"].dtype == dtype
    assert out["varde"].dtype == "Float64"
    assert pd.isna(out.loc[0, "antal"]) and out.loc[1, "antal"] == 12
    assert out.loc[2, "n"] == 10  # missing antal: treated as a mean-like row, n shown
    check_table(out, min_n=5)


def test_integer_columns_become_float_whether_or_not_anything_is_hidden():
    clean = suppress(share_table([("a", 20, 40)]), group_cols=["grupp"], pair_col=None)
    assert clean["n"].dtype == np.float64 and not clean["dold"].any()


def test_existing_dold_is_kept():
    table = share_table([("a", 20, 40), ("b", 20, 40)])
    table["dold"] = [True, False]
    out = suppress(table, group_cols=["grupp"], pair_col=None)
    np.testing.assert_array_equal(out["dold"], [True, False])
    assert list(out.columns) == list(table.columns)


def test_wide_table_matches_rules_per_sex():
    wide = pd.DataFrame(
        {
            "utfall": "beviljad",
            "niva": ["a", "b", "c"],
            "n_kvinna": [40, 40, 2],
            "antal_kvinna": [3, 20, 1],
            "n_man": [30, 30, 30],
            "antal_man": [10, 10, 10],
            "skillnad": [0.1, 0.2, 0.3],
            "p_justerat": [0.5, 0.5, 0.5],
        }
    )
    for sex in PAIR:
        wide[f"varde_{sex}"] = wide[f"antal_{sex}"] / wide[f"n_{sex}"]
    out = suppress(wide, min_n=5, group_cols=["niva"])
    assert pd.isna(out.loc[0, "antal_kvinna"]) and out.loc[0, "n_kvinna"] == 40
    assert pd.isna(out.loc[2, "n_kvinna"]) and pd.isna(out.loc[2, "varde_kvinna"])
    np.testing.assert_array_equal(out["skillnad"].isna(), [True, False, True])
    np.testing.assert_array_equal(out["p_justerat"].isna(), [True, False, True])
    np.testing.assert_array_equal(out["dold"], [True, False, True])
    assert (out["antal_man"] == 10).all()
    check_table(out, min_n=5)
    with pytest.raises(PrivacyError, match="n_kvinna"):
        check_table(wide, min_n=5)


@pytest.mark.parametrize("min_n", [0, -1, 2.5, True, "5"])
def test_bad_threshold(min_n):
    with pytest.raises(ParameterError, match="min_n"):
        suppress(share_table([("a", 1, 2)]), min_n=min_n)
    with pytest.raises(ParameterError, match="min_n"):
        check_table(share_table([("a", 1, 2)]), min_n=min_n)


def test_structure_errors_are_swedish_user_errors():
    table = share_table([("a", 1, 2), ("a", 2, 3)])
    with pytest.raises(ParameterError, match="group_cols"):
        suppress(table, group_cols=["saknas"])
    with pytest.raises(ParameterError, match="skiljs inte åt"):
        suppress(table, group_cols=["grupp"])
    with pytest.raises(DataError, match="antal"):
        suppress(pd.DataFrame({"grupp": ["a"], "n": [3], "antal": [5]}), group_cols=["grupp"])
    with pytest.raises(ParameterError, match="saknar kolumnen n"):
        suppress(pd.DataFrame({"varde": [0.5]}))
    assert issubclass(PrivacyError, IsuworkError)


# -- check_table -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"n": 3}, "n"),
        ({"antal": 2}, "antal"),
        ({"antal": 38}, "antal"),  # complement 2
        ({"n": np.nan}, "varde"),
        ({"n": 4, "antal": 0}, "n"),
    ],
)
def test_check_table_catches_each_primary_breach(changes, column):
    table = share_table([("a", 20, 40), ("b", 20, 40)])
    for col, value in changes.items():
        table[col] = table[col].astype(float)
        table.loc[0, col] = value
    with pytest.raises(PrivacyError, match=f"kolumnen {column} .*rad 0"):
        check_table(table, min_n=5)


def test_check_table_catches_difference_on_hidden_row_and_interval_alone():
    table = suppress(_pair_table(), group_cols=["alder"])
    check_table(table, min_n=5)
    broken = table.copy()
    broken.loc[0, "skillnad"] = -0.4
    with pytest.raises(PrivacyError, match="skillnad"):
        check_table(broken, min_n=5)
    lonely = mean_table([30])
    lonely["n"] = np.nan
    lonely.loc[0, "varde"] = np.nan
    with pytest.raises(PrivacyError, match="ci_lag"):
        check_table(lonely, min_n=5)


def test_check_table_accepts_empty_and_countless_tables():
    check_table(pd.DataFrame(), min_n=5)
    check_table(pd.DataFrame({"beskrivning": ["x"], "insats": ["latt"]}), min_n=5)


# -- property tests: random hypercubes -------------------------------------------------------------
small_or_any = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def random_tables(draw):
    min_n = draw(st.integers(2, 10))
    kind = draw(st.sampled_from(["share", "category", "mean"]))
    dims: list[tuple[str, list[str], bool]] = []
    for d in range(draw(st.integers(1, 2 if kind == "category" else 3))):
        if d == 0 and draw(st.booleans()):
            dims.append(("kon", list(PAIR), draw(st.booleans())))
        else:
            levels = [f"v{i}" for i in range(draw(st.integers(1, 3)))]
            dims.append((f"g{d}", levels, draw(st.booleans())))
    names = [name for name, _, _ in dims]
    cells = list(itertools.product(*(levels for _, levels, _ in dims)))
    rows = []
    categories = [f"k{i}" for i in range(draw(st.integers(2, 3)))] if kind == "category" else []
    for cell in cells:
        if kind == "category":
            for k in categories:
                rows.append((*cell, k, draw(small_or_any)))
        elif kind == "share":
            n = draw(small_or_any)
            rows.append((*cell, n, draw(st.integers(0, n))))
        else:
            rows.append((*cell, draw(small_or_any)))
    columns = {
        "category": [*names, "kategori", "antal"],
        "share": [*names, "n", "antal"],
        "mean": [*names, "n"],
    }[kind]
    leaves = pd.DataFrame(rows, columns=columns)
    if kind == "category":
        leaves["n"] = 0  # recomputed by hypercube from the categories
    pair_col = "kon" if "kon" in names else None
    table = hypercube(leaves, [(name, t) for name, _, t in dims], kind=kind, pair_col=pair_col)
    return table, names, pair_col, min_n


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_tables())
def test_attacker_recovers_nothing_from_random_tables(case):
    table, names, pair_col, min_n = case
    group_cols = [n for n in names if n != pair_col]
    shown = suppress(table, min_n=min_n, group_cols=group_cols, pair_col=pair_col or "kon")
    check_table(shown, min_n=min_n)
    assert list(shown.columns) == [*table.columns, "dold"]
    assert attack(shown, table, dims=names, min_n=min_n, pair_col=pair_col, known_small=True) == []
    # everything shown is unchanged
    for col in ("n", "antal", "varde", "skillnad"):
        kept = shown[col].notna()
        np.testing.assert_allclose(shown.loc[kept, col], table.loc[kept, col].astype(float))


# -- partitions of one total (the shape of a screening list) ---------------------------------------
@st.composite
def partitioned_tables(draw):
    """A wide share table: background variables whose levels each split the same cases."""
    min_n = draw(st.integers(2, 8))
    people = {sex: draw(st.integers(0, 60)) for sex in PAIR}
    rows = []
    for b in range(draw(st.integers(1, 3))):
        k = draw(st.integers(1, 3))
        for sex, total in people.items():
            cuts = sorted(draw(st.lists(st.integers(0, total), min_size=k - 1, max_size=k - 1)))
            sizes = np.diff([0, *cuts, total])
            for level, size in enumerate(sizes):
                rows.append((f"b{b}", f"v{level}", sex, int(size)))
    frame = pd.DataFrame(rows, columns=["bakgrund", "niva", "kon", "n"])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frame["antal"] = [rng.integers(0, n + 1) for n in frame["n"]]
    # the "alla" row: every partition of one sex adds up to the same n and antal
    first = frame[frame["bakgrund"] == "b0"].groupby("kon")[["n", "antal"]].sum()
    for b in frame["bakgrund"].unique()[1:]:
        # make every partition's antal add up to the same total as b0's
        for sex in PAIR:
            rows_b = frame.index[(frame["bakgrund"] == b) & (frame["kon"] == sex)]
            target = int(first.loc[sex, "antal"])
            caps = frame.loc[rows_b, "n"].to_numpy()
            fill = np.zeros(len(rows_b), dtype=int)
            for i, cap in enumerate(caps):
                fill[i] = min(cap, target - fill.sum())
            frame.loc[rows_b, "antal"] = fill
    alla = first.reset_index().assign(bakgrund="alla", niva=pd.NA)
    long = pd.concat([frame, alla], ignore_index=True)
    wide = long.pivot_table(
        index=["bakgrund", "niva"], columns="kon", values=["n", "antal"], dropna=False
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index().dropna(subset=["n_kvinna", "n_man"], how="all")
    wide["utfall"] = "beviljad"
    return wide.reset_index(drop=True), min_n


def _partition_attack(
    shown: pd.DataFrame, original: pd.DataFrame, min_n: int, *, inside: dict | None = None
) -> list[str]:
    """Pin every hidden n or antal with a linear programme over the partition sums (and, with
    ``inside``, row -> the row it lies in, the sums of nested levels)."""
    cells = [(i, f"{c}_{s}") for i in original.index for c in ("n", "antal") for s in PAIR]
    pos = {cell: j for j, cell in enumerate(cells)}
    a_eq, b_eq, a_ub = [], [], []
    for cell in cells:
        value = shown.at[cell]
        if pd.notna(value):
            a_eq.append(np.eye(len(cells))[pos[cell]])
            b_eq.append(float(value))
    for i in original.index:
        for s in PAIR:
            row = np.zeros(len(cells))
            row[pos[(i, f"antal_{s}")]], row[pos[(i, f"n_{s}")]] = 1, -1
            a_ub.append(row)
    total = original.index[original["bakgrund"] == "alla"][0]
    for _, g in original[original["bakgrund"] != "alla"].groupby("bakgrund"):
        for col in (f"{c}_{s}" for c in ("n", "antal") for s in PAIR):
            row = np.zeros(len(cells))
            for i in g.index:
                row[pos[(i, col)]] = 1
            row[pos[(total, col)]] = -1
            a_eq.append(row)
            b_eq.append(0.0)
    for outer in set((inside or {}).values()):
        for col in (f"{c}_{s}" for c in ("n", "antal") for s in PAIR):
            row = np.zeros(len(cells))
            for i in (i for i, o in inside.items() if o == outer):
                row[pos[(i, col)]] = 1
            row[pos[(outer, col)]] = -1
            a_ub.append(row)
    leaks = []
    for cell in cells:
        if pd.notna(shown.at[cell]):
            continue
        objective = np.eye(len(cells))[pos[cell]]
        ends = []
        for sign in (1, -1):
            res = linprog(
                sign * objective,
                A_ub=np.array(a_ub),
                b_ub=np.zeros(len(a_ub)),
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=np.array(b_eq) if b_eq else None,
                bounds=[(0, None)] * len(cells),
                method="highs",
            )
            ends.append(np.inf if res.status == 3 else sign * res.fun)
        low, high = ends
        true = original.at[cell]
        if np.floor(high + 1e-6) - np.ceil(low - 1e-6) < 1:
            leaks.append(f"{cell} = {true} recovered")
        elif 0 < true < min_n and high < min_n - 1e-6:
            leaks.append(f"{cell} = {true} known to be small")
    return leaks


def _suppress_partitions(table: pd.DataFrame, min_n: int, *, exact: bool = True) -> pd.DataFrame:
    """A screening-shaped table protected as partitions of its "alla" total."""
    return suppress(
        table,
        min_n=min_n,
        group_cols=["bakgrund", "niva"],
        total_label="alla",
        partition=("bakgrund", "niva"),
        exact=exact,
    )


def test_levels_inside_another_level_add_up_to_it():
    """The audit's example: age bands lie inside a verksamhet. Two small bands (one in each
    verksamhet) hide each other in the age partition, but the elderly care row less its other
    bands gives the small band away unless the nesting is protected too."""
    rows = [  # bakgrund, niva, n_kvinna, antal_kvinna, n_man, antal_man
        ("alla", pd.NA, 200, 100, 150, 60),
        ("verksamhet", "aldreomsorg", 120, 60, 77, 30),
        ("verksamhet", "lss", 80, 40, 73, 30),
        ("aldersgrupp", "65-74", 60, 30, 40, 15),
        ("aldersgrupp", "80-84", 50, 25, 33, 13),
        ("aldersgrupp", "85-89", 10, 5, 4, 2),
        ("aldersgrupp", "0-6", 30, 15, 3, 1),
        ("aldersgrupp", "23-64", 50, 25, 70, 29),
    ]
    table = pd.DataFrame(
        rows, columns=["bakgrund", "niva", *(f"{c}_{s}" for s in PAIR for c in ("n", "antal"))]
    )
    table.insert(0, "utfall", "beviljad")
    bands = {"65-74": "aldreomsorg", "80-84": "aldreomsorg", "85-89": "aldreomsorg"}
    bands |= {"0-6": "lss", "23-64": "lss"}
    nested = pd.DataFrame(
        {
            "bakgrund": "aldersgrupp",
            "niva": list(bands),
            "inom_bakgrund": "verksamhet",
            "inom_niva": list(bands.values()),
        }
    )
    row_of = {niva: i for i, niva in table["niva"].items() if pd.notna(niva)}
    inside = {row_of[band]: row_of[outer] for band, outer in bands.items()}
    unaware = _suppress_partitions(table, 5)
    assert _partition_attack(unaware, table, 5, inside=inside)  # the leak is real
    aware = suppress(
        table,
        min_n=5,
        group_cols=["bakgrund", "niva"],
        total_label="alla",
        partition=("bakgrund", "niva"),
        nested=nested,
    )
    check_table(aware, min_n=5)
    assert _partition_attack(aware, table, 5, inside=inside) == []
    assert pd.isna(aware.loc[row_of["85-89"], "n_man"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partitioned_tables())
def test_partitions_of_one_total_hide_nothing_recoverable(case):
    table, min_n = case
    shown = _suppress_partitions(table, min_n)
    check_table(shown, min_n=min_n)
    assert _partition_attack(shown, table, min_n) == []


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(partitioned_tables())
def test_fast_rules_close_partitions_of_one_total(case):
    """Without the linear programmes, the local rule and bound propagation still leave nothing
    to recover in a stack of partitions (levels of several backgrounds, one share each)."""
    table, min_n = case
    shown = _suppress_partitions(table, min_n, exact=False)
    check_table(shown, min_n=min_n)
    assert _partition_attack(shown, table, min_n) == []


def test_bound_propagation_closes_what_the_local_rule_leaves():
    """n_man of v0 is 1: hidden with v1 (5) to protect it, yet antal_man of v1 (5) shows that
    v1 has at least 5 men, so v0 has at most 6 - 5 = 1. Only bounds see that."""
    table = pd.DataFrame(
        {
            "utfall": "beviljad",
            "bakgrund": ["alla", "b0", "b0"],
            "niva": [pd.NA, "v0", "v1"],
            "n_kvinna": [1.0, 0, 1],
            "antal_kvinna": [0.0, 0, 0],
            "n_man": [6.0, 1, 5],
            "antal_man": [5.0, 0, 5],
        }
    )
    shown = _suppress_partitions(table, 2, exact=False)
    assert _partition_attack(shown, table, 2) == []
    assert shown["n_man"].isna().all()


def test_partition_closes_the_subtraction_from_the_total():
    """Without the partition a hidden level would be the total minus the shown levels."""
    table = pd.DataFrame(
        {
            "utfall": "beviljad",
            "bakgrund": ["alla", "alder", "alder", "alder"],
            "niva": [pd.NA, "ung", "mellan", "gammal"],
            "n_kvinna": [60, 3, 27, 30],
            "antal_kvinna": [30, 1, 14, 15],
            "n_man": [50, 20, 15, 15],
            "antal_man": [25, 10, 7, 8],
        }
    )
    rowwise = suppress(table, group_cols=["bakgrund", "niva"], total_label="alla")
    assert rowwise["n_kvinna"].isna().sum() == 1  # 60 - 27 - 30 gives the hidden 3 back
    shown = _suppress_partitions(table, 5)
    assert shown["n_kvinna"].isna().sum() >= 2
    assert _partition_attack(shown, table, 5) == []
    with pytest.raises(ParameterError, match="partition"):
        suppress(table, group_cols=["bakgrund"], total_label="alla", partition=("bakgrund", "niva"))


def test_exact_check_closes_what_the_fast_rules_leave():
    # found by a search over random tables: after the fast rules, a reader who combines the
    # level sums of both sexes with the shown totals knows that two hidden complements
    # n - antal are below the threshold; the complete check hides more until that is gone
    leaves = pd.DataFrame(
        {
            "kon": ["kvinna"] * 3 + ["man"] * 3,
            "g1": ["v0"] * 6,
            "g2": ["v0", "v1", "v2"] * 2,
            "n": [0, 16, 1, 37, 1, 37],
            "antal": [0, 1, 0, 35, 0, 5],
        }
    )
    dims = [("kon", False), ("g1", False), ("g2", True)]
    table = hypercube(leaves, dims, kind="share", pair_col="kon")
    names = [name for name, _ in dims]
    fast = suppress(table, min_n=4, group_cols=["g1", "g2"], exact=False)
    leaks = attack(fast, table, dims=names, min_n=4, pair_col="kon", known_small=True)
    assert any("n-antal[3] = 2 known to be small" in leak for leak in leaks)
    shown = suppress(table, min_n=4, group_cols=["g1", "g2"])
    counts = ["n", "antal"]
    assert shown[counts].isna().to_numpy().sum() > fast[counts].isna().to_numpy().sum()
    assert attack(shown, table, dims=names, min_n=4, pair_col="kon", known_small=True) == []


# -- large tables in several processes -------------------------------------------------------------
def _units_table(rng: np.random.Generator, units: int) -> pd.DataFrame:
    """A screening-shaped wide table of several units, aggregated from synthetic people (so
    every partition adds up to its unit's "alla" row)."""
    people = pd.DataFrame(
        {
            "enhet": rng.integers(0, units, 600).astype(str),
            "kon": rng.choice(PAIR, 600),
            "b0": rng.choice(["v0", "v1", "v2"], 600, p=[0.8, 0.15, 0.05]),
            "b1": rng.choice(["v0", "v1"], 600, p=[0.9, 0.1]),
            "ja": rng.random(600) < 0.3,
        }
    )
    parts = [people.assign(bakgrund="alla", niva=pd.NA)]
    parts += [people.assign(bakgrund=b, niva=people[b]) for b in ("b0", "b1")]
    long = (
        pd.concat(parts)
        .groupby(["enhet", "bakgrund", "niva", "kon"], dropna=False)["ja"]
        .agg(n="size", antal="sum")
        .reset_index()
    )
    wide = long.pivot_table(
        index=["enhet", "bakgrund", "niva"], columns="kon", values=["n", "antal"], dropna=False
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index().dropna(subset=["n_kvinna", "n_man"], how="all")
    return wide.fillna({c: 0 for c in wide.columns if c[:2] in ("n_", "an")}).assign(utfall="ja")


def test_large_table_protected_in_two_processes_as_in_one(monkeypatch):
    from isuwork.privacy import processes, secondary
    from isuwork.privacy.processes import Job

    table = _units_table(np.random.default_rng(11), units=6)
    options = {
        "group_cols": ["enhet", "bakgrund", "niva"],
        "total_label": "alla",
        "partition": ("bakgrund", "niva"),
    }
    one = suppress(table, workers=1, **options)
    # parts of equal size (a table this small goes to the first part otherwise)
    monkeypatch.setattr(secondary, "_STARTUP_ENTRIES", 0)
    started = []
    monkeypatch.setattr(processes, "Job", lambda *a, **k: started.append(1) or Job(*a, **k))
    two = suppress(table, workers=2, **options)
    assert started == [1]
    pd.testing.assert_frame_equal(one, two)
    assert one["dold"].any() and not one["dold"].all()
