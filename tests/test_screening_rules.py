"""The screening list's decision rules: alpha, adjustment over every test, comparable sizes,
large hidden differences named without numbers, and each set of cases listed once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from isuwork.analysis import stats
from isuwork.analysis.screening import screen
from isuwork.domain.catalog import load_catalog
from isuwork.present.screening_text import LARGE_HIDDEN_SENTENCE, describe_screening

CAT = load_catalog()
W, M = "kvinna", "man"


def frame(rows: list[tuple[str, str, str, int, int]], *, extra: dict | None = None) -> pd.DataFrame:
    """Cases from (kon, verksamhet, lagrum, n, yes): ``beviljad`` True for ``yes`` of them."""
    out = []
    for kon, verksamhet, lagrum, n, yes in rows:
        out += [
            {"kon": kon, "verksamhet": verksamhet, "lagrum": lagrum, "beviljad": i < yes}
            for i in range(n)
        ]
    df = pd.DataFrame(out)
    for col in df.columns:
        df[col] = df[col].astype(CAT.dtype(col))
    return df


ROWS = [
    (W, "lss", "lss", 200, 150),
    (M, "lss", "lss", 200, 100),
    (W, "aldreomsorg", "sol", 300, 150),
    (M, "aldreomsorg", "sol", 300, 140),
    # a small group with a large difference: 1 of 4 women, 0 of 40 men ... and the reverse
    (W, "socialpsykiatri", "sol", 4, 4),
    (M, "socialpsykiatri", "sol", 40, 2),
]


def test_identical_groupings_are_listed_once():
    table = screen(frame(ROWS), outcomes=["beviljad"], background=["verksamhet", "lagrum"]).table
    levels = set(zip(table["bakgrund"], table["niva"].fillna(""), strict=True))
    # lagrum=lss holds exactly the cases of verksamhet=lss: listed once, under verksamhet
    assert ("verksamhet", "lss") in levels and ("lagrum", "lss") not in levels
    assert ("lagrum", "sol") in levels
    # a level holding every case is the "alla" row again
    one = frame([r for r in ROWS if r[1] == "lss"])
    table = screen(one, outcomes=["beviljad"], background=["verksamhet"]).table
    assert table["bakgrund"].tolist() == ["alla"]


def test_effect_sizes_are_cohens_h_and_standardised_mean_differences():
    no_small = frame([r for r in ROWS if r[1] != "socialpsykiatri"])
    table = screen(no_small, outcomes=["beviljad"], background=["verksamhet"]).table
    assert not table["dold"].any()
    row = table[table["niva"] == "lss"].iloc[0]
    h = abs(2 * np.arcsin(np.sqrt(0.75)) - 2 * np.arcsin(np.sqrt(0.5)))
    assert row["storlek"] == pytest.approx(h)
    rng = np.random.default_rng(5)
    hours = pd.DataFrame(
        {
            "kon": [W] * 50 + [M] * 60,
            "hemtjanst_tim_man": np.r_[rng.gamma(2, 10, 50), rng.gamma(2, 12, 60)].round(1),
        }
    )
    for col in hours.columns:
        hours[col] = hours[col].astype(CAT.dtype(col))
    row = screen(hours, outcomes=["hemtjanst_tim_man"], background=[]).table.iloc[0]
    a = hours.loc[hours.kon == W, "hemtjanst_tim_man"].astype(float)
    b = hours.loc[hours.kon == M, "hemtjanst_tim_man"].astype(float)
    pooled = np.sqrt(((49 * a.var()) + 59 * b.var()) / 108)
    assert row["storlek"] == pytest.approx(abs(a.mean() - b.mean()) / pooled)


def test_every_test_counts_in_the_adjustment_and_large_hidden_differences_are_named():
    result = screen(frame(ROWS), outcomes=["beviljad"], background=["verksamhet"])
    table = result.table.assign(key=lambda t: t["niva"].fillna("alla"))
    hidden = table[table["dold"]]
    # the small group, and what would give it away (secondary suppression)
    assert "socialpsykiatri" in set(hidden["key"]) and len(hidden) >= 2
    assert hidden[["skillnad", "p_varde", "p_justerat", "storlek"]].isna().all(axis=None)
    # a sex's value stays only where its own counts are shown
    for sex in ("kvinna", "man"):
        assert hidden.loc[hidden[f"n_{sex}"].isna(), f"varde_{sex}"].isna().all()
    neither = hidden[["varde_kvinna", "varde_man"]].isna().all(axis=1)
    # Benjamini–Hochberg over all four tests, hidden ones included (by hand from stats)
    counts = {
        "alla": (304, 504, 242, 540),
        "lss": (150, 200, 100, 200),
        "aldreomsorg": (150, 300, 140, 300),
        "socialpsykiatri": (4, 4, 2, 40),
    }
    p = {k: stats.diff_proportions(*[[x] for x in c]).loc[0, "p_value"] for k, c in counts.items()}
    adjusted = dict(zip(p, stats.benjamini_hochberg(list(p.values())), strict=True))
    for _, row in table.iterrows():
        if row["dold"]:
            # named only where neither value is shown (else it would place the hidden one)
            assert row["stor_dold_skillnad"] == (adjusted[row["key"]] < 0.05 and neither[row.name])
        else:
            assert row["p_justerat"] == pytest.approx(adjusted[row["key"]])
            assert not row["stor_dold_skillnad"]
    # 4 of 4 women against 2 of 40 men: significant after adjustment, so named, without numbers
    assert adjusted["socialpsykiatri"] < 0.05
    named = hidden[hidden["stor_dold_skillnad"]]
    assert "socialpsykiatri" in set(named["key"])
    text = describe_screening(result).table
    assert set(text.loc[text["stor_dold_skillnad"], "mening"]) == {LARGE_HIDDEN_SENTENCE}
    # ranked after the shown significant rows, before the rest
    shown = table[~table["dold"]]
    significant = shown[shown["p_justerat"] < 0.05]["rang"]
    rest = pd.concat([shown[shown["p_justerat"] >= 0.05], hidden[~hidden["stor_dold_skillnad"]]])
    assert significant.max() < named["rang"].min()
    assert rest.empty or named["rang"].max() < rest["rang"].min()


def test_alpha_is_respected():
    df = frame(ROWS)
    loose = screen(df, outcomes=["beviljad"], background=["verksamhet"], alpha=0.05).table
    strict = screen(df, outcomes=["beviljad"], background=["verksamhet"], alpha=1e-12).table
    assert loose["stor_dold_skillnad"].any() and not strict["stor_dold_skillnad"].any()
    # with a tiny alpha nothing is significant: the list is ranked by size alone among shown rows
    shown = strict[~strict["dold"]].sort_values("rang")
    assert shown["storlek"].is_monotonic_decreasing
    # and the intervals follow alpha
    large = frame([r for r in ROWS if r[1] != "socialpsykiatri"])
    wide = screen(large, outcomes=["beviljad"], background=["verksamhet"], alpha=0.01).table
    narrow = screen(large, outcomes=["beviljad"], background=["verksamhet"], alpha=0.10).table
    wide, narrow = wide.iloc[0], narrow.iloc[0]
    assert wide["niva"] == narrow["niva"] and not wide["dold"]
    assert wide["skillnad_ci_lag"] < narrow["skillnad_ci_lag"]


def test_each_units_list_in_one_pass_equals_screening_the_unit_alone():
    """``screen_each`` gives every kommun exactly the list ``screen`` gives for its rows alone,
    also where kommuner differ: a category that one kommun never has, an outcome one kommun
    never records, a background variable missing in one kommun; with one worker or two."""
    from pathlib import Path

    from isuwork.analysis.screening import screen_each
    from isuwork.data.prepare import load

    data = load(Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv").data
    data = data.copy()
    first = data["mal_uppfyllelse"].dropna().iloc[0]
    data.loc[
        (data["kommun"] == "Tallmora") & (data["mal_uppfyllelse"] == first), "mal_uppfyllelse"
    ] = pd.NA
    data.loc[data["kommun"] == "Sjövik", "antal_lo_utredda"] = pd.NA
    data.loc[data["kommun"] == "Granåker", "fodelseland"] = pd.NA
    background = [c for c in CAT.screening_background if c in data] + ["aldersgrupp", "ar"]
    alone = {
        k: screen(data[data["kommun"] == k].reset_index(drop=True), background=background)
        for k in sorted(data["kommun"].unique())
    }
    assert alone["Granåker"].missing == ("fodelseland",)
    assert alone["Sjövik"].missing == ("antal_lo_utredda",)
    assert len(alone["Tallmora"]) < len(alone["Exempelby"])  # one category fewer
    for workers in (1, 2):
        each = screen_each(data, per="kommun", background=background, workers=workers)
        assert sorted(each) == sorted(alone)
        for kommun, own in alone.items():
            pd.testing.assert_frame_equal(each[kommun].table, own.table)
            assert each[kommun].missing == own.missing
            assert dict(each[kommun].kinds) == dict(own.kinds)
    # forty kommuner as text: their codes are int8, which kommun x category must not overflow
    many = data.assign(kommun=data["kommun"].astype(str) + " " + (data.index % 10).astype(str))
    many = many.assign(kommun=many["kommun"].astype("string"))
    lists = screen_each(many, per="kommun", background=["verksamhet"], workers=1)
    assert len(lists) == 40
    one = many[many["kommun"] == "Tallmora 7"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        lists["Tallmora 7"].table, screen(one, background=["verksamhet"]).table
    )
    # the whole list adjusts over every kommun's tests: a different list than each one's own
    whole = screen(data, per="kommun", background=background, workers=1).table
    ranks = whole[whole["kommun"] == "Exempelby"]["p_justerat"].to_numpy()
    assert not np.allclose(
        np.sort(ranks[~np.isnan(ranks)]),
        np.sort(alone["Exempelby"].table["p_justerat"].dropna().to_numpy()),
    )
