"""Small-number protection: primary rules, secondary suppression, and an attacker that fails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from isuwork.exceptions import PrivacyError
from isuwork.privacy import check_table, footnote, suppress


def _share_table(groups: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for kon, (antal, n) in groups.items():
        rows.append(
            {
                "utfall": "beviljad",
                "kon": kon,
                "n": n,
                "antal": antal,
                "varde": antal / n if n else np.nan,
                "ci_lag": 0.0,
                "ci_hog": 1.0,
                "skillnad": 0.1,
                "p_varde": 0.5,
            }
        )
    return pd.DataFrame(rows)


def test_footnote_follows_threshold():
    assert footnote(5) == "Värden som bygger på färre än 5 personer visas inte."
    assert "färre än 10" in footnote(10)


@pytest.mark.parametrize("min_n", [3, 5, 10])
def test_primary_rules(min_n):
    table = _share_table({"kvinna": (min_n - 1, 40), "man": (20, 40)})
    out = suppress(table, min_n=min_n, group_cols=["kon"])
    women = out[out.kon == "kvinna"].iloc[0]
    assert np.isnan(women.antal) and np.isnan(women.varde) and women.dold
    assert women.n == 40  # the group size itself is large enough to show
    assert out.skillnad.isna().all() and out.p_varde.isna().all()  # difference would reveal it
    check_table(out, min_n=min_n)


def test_small_complement_hides_share():
    out = suppress(_share_table({"kvinna": (38, 40), "man": (20, 40)}), min_n=5)
    assert np.isnan(out.loc[0, "varde"]) and np.isnan(out.loc[0, "antal"])


def test_zero_and_full_in_small_group_hidden():
    out = suppress(_share_table({"kvinna": (0, 3), "man": (3, 3)}), min_n=5)
    assert out[["n", "antal", "varde"]].isna().all(axis=None)
    assert out.dold.all()


def test_group_of_one_and_empty_group():
    out = suppress(_share_table({"kvinna": (1, 1), "man": (0, 0)}), min_n=5)
    assert np.isnan(out.loc[0, "n"]) and np.isnan(out.loc[0, "varde"])
    assert out.loc[1, "n"] == 0  # an empty group reveals no one
    assert np.isnan(out.loc[1, "varde"])


def test_means_hidden_below_threshold_only():
    table = pd.DataFrame(
        {
            "kon": ["kvinna", "man"],
            "n": [4, 30],
            "antal": [np.nan, np.nan],
            "varde": [12.0, 10.0],
            "ci_lag": [1.0, 8.0],
            "ci_hog": [20.0, 12.0],
            "skillnad": [2.0, 2.0],
        }
    )
    out = suppress(table, min_n=5)
    assert np.isnan(out.loc[0, "varde"]) and out.loc[1, "varde"] == 10.0
    assert out.skillnad.isna().all()


def test_nullable_dtypes_and_empty_table():
    table = _share_table({"kvinna": (3, 30), "man": (12, 30)})
    table["n"] = table["n"].astype("Int64")
    table["antal"] = table["antal"].astype("Int64")
    out = suppress(table, min_n=5)
    assert pd.isna(out.loc[0, "antal"])
    empty = suppress(table.iloc[0:0], min_n=5)
    assert "dold" in empty and empty.empty
    assert list(out.columns) == [*table.columns, "dold"]


def test_input_is_not_modified():
    table = _share_table({"kvinna": (3, 30), "man": (12, 30)})
    before = table.copy()
    suppress(table, min_n=5)
    pd.testing.assert_frame_equal(table, before)


def test_check_table_catches_unsuppressed():
    with pytest.raises(PrivacyError, match="under 5"):
        check_table(_share_table({"kvinna": (3, 30), "man": (12, 30)}), min_n=5)


def test_categories_get_secondary_suppression():
    table = pd.DataFrame(
        {
            "kon": ["kvinna"] * 3,
            "kategori": ["uppnatt", "delvis", "ej_uppnatt"],
            "n": [50, 50, 50],
            "antal": [30, 17, 3],
        }
    )
    table["varde"] = table.antal / table.n
    out = suppress(table, min_n=5, group_cols=["kon"])
    hidden = out.antal.isna()
    assert hidden.sum() >= 2  # 3 hidden alone would follow from 50 - 30 - 17
    assert hidden[2] and hidden[1]


def test_total_row_protection():
    table = pd.DataFrame(
        {
            "kon": ["Totalt", "kvinna", "man"],
            "n": [40, 37, 3],
            "antal": [np.nan] * 3,
            "varde": [1.0, 1.0, 1.0],
        }
    )
    out = suppress(table, min_n=5, group_cols=["kon"], pair_col=None)
    assert np.isnan(out.loc[2, "n"])
    assert np.isnan(out.loc[1, "n"]) or np.isnan(out.loc[0, "n"])  # 40 - 37 would give 3


# --- the attacker --------------------------------------------------------------------------
def attack(shown: pd.DataFrame, original: pd.DataFrame, *, group_cols, min_n) -> list[str]:
    """Try to pin down every hidden count from the shown ones by linear relations.

    Unknowns: every count (n, antal) of the table. Constraints: shown counts are fixed, counts are
    non-negative, antal <= n, categories of a group sum to n, levels sum to a 'Totalt' row. For
    each hidden count, minimise and maximise it with linprog; an exact recovery (min == max) is a
    leak.
    """
    cells = []
    for i in range(len(original)):
        cells.append((i, "n"))
        if pd.notna(original.loc[i, "antal"]):
            cells.append((i, "antal"))
    index = {c: j for j, c in enumerate(cells)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []

    def row(coefs):
        r = np.zeros(len(cells))
        for cell, coef in coefs:
            r[index[cell]] += coef
        return r

    for cell in cells:
        value = shown.loc[cell[0], cell[1]]
        if pd.notna(value):
            a_eq.append(row([(cell, 1)]))
            b_eq.append(float(value))
    for i in range(len(original)):
        if (i, "antal") in index:
            a_ub.append(row([((i, "antal"), 1), ((i, "n"), -1)]))
            b_ub.append(0.0)
    if "kategori" in original:
        for _, g in original.groupby(group_cols, dropna=False):
            idx = list(g.index)
            for i in idx[1:]:
                a_eq.append(row([((i, "n"), 1), ((idx[0], "n"), -1)]))
                b_eq.append(0.0)
            a_eq.append(row([((i, "antal"), 1) for i in idx] + [((idx[0], "n"), -1)]))
            b_eq.append(0.0)
    leaks = []
    for cell in cells:
        if pd.notna(shown.loc[cell[0], cell[1]]):
            continue
        bounds = []
        for sign in (1, -1):
            c = np.zeros(len(cells))
            c[index[cell]] = sign
            res = linprog(
                c,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=b_ub or None,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=b_eq or None,
                bounds=[(0, None)] * len(cells),
                method="highs",
            )
            if res.status == 3:  # unbounded: the attacker cannot pin the cell down
                bounds.append(np.inf if sign == -1 else -np.inf)
                continue
            assert res.status == 0
            bounds.append(sign * res.fun)
        low, high = bounds
        true = original.loc[cell[0], cell[1]]
        if high - low < 0.5 and 1 <= true < min_n:
            leaks.append(f"{cell} = {true}")
    return leaks


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 25), min_size=2, max_size=4), min_size=1, max_size=3),
    st.integers(2, 10),
)
def test_attacker_recovers_nothing_in_categorical_tables(groups, min_n):
    rows = []
    for g, counts in enumerate(groups):
        n = sum(counts)
        for k, count in enumerate(counts):
            rows.append(
                {
                    "kon": f"g{g}",
                    "kategori": f"k{k}",
                    "n": n,
                    "antal": count,
                    "varde": count / n if n else np.nan,
                }
            )
    original = pd.DataFrame(rows)
    shown = suppress(original, min_n=min_n, group_cols=["kon"], pair_col=None)
    check_table(shown, min_n=min_n)
    assert attack(shown, original, group_cols=["kon"], min_n=min_n) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=4),
    st.integers(2, 10),
)
def test_shown_shares_never_break_rules(pairs, min_n):
    rows = []
    for i, (a, extra) in enumerate(pairs):
        n = a + extra
        for kon in ("kvinna", "man"):
            rows.append(
                {
                    "grupp": f"g{i}",
                    "kon": kon,
                    "n": n,
                    "antal": a,
                    "varde": a / n if n else np.nan,
                    "skillnad": 0.0,
                }
            )
    shown = suppress(pd.DataFrame(rows), min_n=min_n, group_cols=["grupp", "kon"])
    check_table(shown, min_n=min_n)
    # a shown difference never sits beside a hidden share of its pair
    for _, pair in shown.groupby("grupp"):
        if pair.varde.isna().any():
            assert pair.skillnad.isna().all()


def test_attacker_finds_a_leak_when_only_one_cell_is_hidden():
    original = pd.DataFrame(
        {"kon": ["g0"] * 3, "kategori": ["a", "b", "c"], "n": [50] * 3, "antal": [30, 17, 3]}
    )
    primary_only = original.astype({"antal": float}).copy()
    primary_only.loc[2, "antal"] = np.nan
    assert attack(primary_only, original, group_cols=["kon"], min_n=5) == ["(2, 'antal') = 3"]
