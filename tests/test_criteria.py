"""Tests of the criteria check: small data sets built cell by cell, so every answer is known.

Each scenario fixes the exact number of cases and of "yes" outcomes per group and need stratum,
so the raw and stratified differences follow by hand (written next to each scenario) and are also
recomputed directly with pandas/scipy/statsmodels on the same frame.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cells import build
from scipy import stats as sps
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import confint_proportions_2indep

from isuwork.analysis import stats
from isuwork.analysis.criteria import CriteriaResult, check_criteria, resolve_kind
from isuwork.cli.options import option_overrides, parse_filters
from isuwork.data.checks import type_extra
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import VERDICTS
from isuwork.exceptions import DataError, ParameterError
from isuwork.present.criteria_report import message, notes, reason, to_dict, to_text

CAT = load_catalog()
W, M = "kvinna", "man"
NO_YES = {"tillgodoses_natverk": False, "tillgodoses_anhorig": False}


# --------------------------------------------------------------------------------------------
# Building frames with exact counts
# --------------------------------------------------------------------------------------------
def need_cells(high_w, high_m, low_w, low_m, **extra) -> list[dict]:
    """Two need strata (behov_max 3 and 1); each argument is (n, yes) or (n, values)."""
    cells = []
    for kon, level, spec in (
        (W, 3, high_w),
        (M, 3, high_m),
        (W, 1, low_w),
        (M, 1, low_m),
    ):
        n, out = spec
        key = "yes" if isinstance(out, int) else "values"
        cells.append({"kon": kon, "behov_max": level, "n": n, key: out, **extra})
    return cells


def direct_share(df: pd.DataFrame, outcome: str, kon: str) -> float:
    part = df.loc[(df["kon"] == kon) & df[outcome].notna(), outcome].astype(float)
    return float(part.mean())


def direct_weighted_diff(df: pd.DataFrame, outcome: str, strata: list[str]) -> float:
    """Weighted difference kvinna - man over strata, weights n1*n2/(n1+n2), by pandas."""
    d = df[df[outcome].notna()].copy()
    d["_y"] = d[outcome].astype(float)
    key = d[strata].astype("string").fillna("?").agg("|".join, axis=1)
    table = d.groupby([key, d["kon"].astype("string")])["_y"].agg(["mean", "count"])
    table = table.unstack()
    both = table[("count", W)].notna() & table[("count", M)].notna()
    t = table[both]
    n1, n2 = t[("count", W)], t[("count", M)]
    w = n1 * n2 / (n1 + n2)
    return float((w * (t[("mean", W)] - t[("mean", M)])).sum() / w.sum())


def step(result: CriteriaResult, code: str):
    return next(s for s in result.steps if s.criterion == code)


# --------------------------------------------------------------------------------------------
# Shares, Tabell 1
# --------------------------------------------------------------------------------------------
# Women are more often in the high-need stratum; within strata both sexes get 80 % / 20 %.
# Raw: women 130/200 = 0.65, men 70/200 = 0.35 -> +0.30; within need: exactly 0.
NEED_EXPLAINS = need_cells((150, 120), (50, 40), (50, 10), (150, 30))
# Same need mix, but within each stratum women get 20 points more: raw 0.70 - 0.30 = +0.40,
# within need +0.20.
REMAINS = need_cells((150, 120), (50, 30), (50, 20), (150, 30))
# Simpson: raw women 220/400 = 0.55 vs men 140/400 = 0.35 (+0.20); within need -0.10.
SIMPSON = need_cells((300, 210), (100, 80), (100, 10), (300, 60))
# Hidden: raw 100/200 vs 100/200 (0); within need women 20 points lower.
HIDDEN = need_cells((150, 90), (50, 40), (50, 10), (150, 60))


def test_difference_fully_explained_by_need():
    df = build(NEED_EXPLAINS)
    result = check_criteria(df, outcome="beviljad")
    assert result.kind == "insats"
    assert result.outcome_type == "share"
    assert result.raw.diff == pytest.approx(0.30, abs=1e-12)
    assert result.raw.diff == pytest.approx(
        direct_share(df, "beviljad", W) - direct_share(df, "beviljad", M)
    )
    need = step(result, "behov")
    assert need.status == "applied"
    assert need.variables == ("behov_max",)
    assert need.estimate.diff == pytest.approx(0.0, abs=1e-12)
    assert need.explained_share == pytest.approx(1.0)
    assert need.n == 400 and need.share_both_present == pytest.approx(1.0)
    assert result.verdict == "explained"
    assert result.explained_by == ("behov",)
    assert result.remaining.diff == pytest.approx(0.0, abs=1e-12)


def test_difference_that_remains_at_equal_need():
    df = build(REMAINS)
    result = check_criteria(df, outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.40)
    assert step(result, "behov").estimate.diff == pytest.approx(0.20)
    assert result.remaining.diff == pytest.approx(
        direct_weighted_diff(df, "beviljad", ["behov_max"])
    )
    assert step(result, "behov").explained_share == pytest.approx(0.5)
    assert result.verdict == "risk_unmotivated"
    assert result.explained_by == ()
    assert message(result).startswith("Det finns en risk för en omotiverad skillnad")


def test_simpsons_paradox_reverses_the_difference():
    df = build(SIMPSON)
    result = check_criteria(df, outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.20)
    assert result.remaining.diff == pytest.approx(-0.10)
    assert result.remaining.ci_high < 0
    assert result.verdict == "risk_unmotivated"
    assert "byter riktning" in message(result)
    # explained_share above 1: the step removed more than the whole raw difference
    assert step(result, "behov").explained_share == pytest.approx(1.5)


def test_difference_hidden_by_unequal_need():
    df = build(HIDDEN)
    result = check_criteria(df, outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.0, abs=1e-12)
    assert not result.raw.is_clear(0.03)
    assert result.remaining.diff == pytest.approx(-0.20)
    assert result.verdict == "risk_unmotivated"
    assert "inte tydlig" in message(result)
    # raw difference of 0 cannot be divided by
    assert step(result, "behov").explained_share is None


def test_raw_interval_is_newcombe_and_stratified_one_comes_from_stats():
    df = build(REMAINS)
    result = check_criteria(df, outcome="beviljad")
    low, high = confint_proportions_2indep(140, 200, 60, 200, method="newcomb", compare="diff")
    assert (result.raw.ci_low, result.raw.ci_high) == pytest.approx((low, high), abs=1e-9)
    # the stratified step hands the per-stratum counts (recounted here by pandas) to stats
    counts = df.groupby(["behov_max", "kon"], observed=True)["beviljad"].agg(["sum", "count"])
    c = counts.unstack("kon")
    expected = stats.stratified_diff_proportions(
        c[("sum", W)].to_numpy(float),
        c[("count", W)].to_numpy(float),
        c[("sum", M)].to_numpy(float),
        c[("count", M)].to_numpy(float),
    )
    est = step(result, "behov").estimate
    assert (est.diff, est.ci_low, est.ci_high, est.p_value) == pytest.approx(
        (expected.diff, expected.ci_low, expected.ci_high, expected.p_value)
    )


def test_odds_ratio_is_first_group_relative_to_second_and_matches_statsmodels():
    df = build(REMAINS)
    result = check_criteria(df, outcome="beviljad")
    # tables: rows kvinna, man; columns yes, no; strata behov_max 1 and 3
    tables = np.array([[[20, 30], [30, 120]], [[120, 30], [30, 20]]], dtype=float)
    ref = StratifiedTable(tables.transpose(1, 2, 0))
    orr = step(result, "behov").odds_ratio
    assert (orr["group"], orr["reference"]) == (W, M)
    assert orr["odds_ratio"] == pytest.approx(ref.oddsratio_pooled)
    assert orr["ci"] == pytest.approx(list(ref.oddsratio_pooled_confint()))
    # the same direction as the difference (women minus men > 0): women have higher odds
    assert orr["odds_ratio"] > 1 and result.remaining.diff > 0


def test_need_met_another_way_explains():
    # Equal need; 60 men whose need relatives can meet get nothing; the other 140 get 70 %.
    cells = [
        {"kon": W, "behov_max": 2, "n": 200, "yes": 140, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98, **NO_YES},
        {
            "kon": M,
            "behov_max": 2,
            "n": 60,
            "yes": 0,
            "tillgodoses_natverk": False,
            "tillgodoses_anhorig": True,
        },
    ]
    df = build(cells)
    result = check_criteria(df, outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.70 - 98 / 200)
    assert step(result, "behov").estimate.diff == pytest.approx(0.70 - 98 / 200)
    alt = step(result, "annat_satt")
    assert alt.status == "applied"
    assert alt.variables == ("tillgodoses_natverk", "tillgodoses_anhorig")
    assert alt.missing == ("tillgodoses_annan_verksamhet",)
    assert alt.n_set_aside == 60 and alt.n_remaining == 340
    assert alt.estimate.diff == pytest.approx(0.0, abs=1e-12)
    assert step(result, "behov").explained_share == pytest.approx(0.0, abs=1e-12)
    assert alt.explained_share == pytest.approx(1.0)
    assert step(result, "installning").status == "not_testable"
    assert result.verdict == "explained"
    assert result.explained_by == ("annat_satt",)
    assert "uppgift saknas: önskar den föreslagna insatsen, samtycke" in message(result)
    assert "Prövades delvis" in message(
        result
    ) and "behovet ska tillgodoses av annan verksamhet" in message(result)


@pytest.mark.parametrize(
    ("column", "declined", "accepted"),
    [
        ("onskar_insats", "nej", "ja"),
        ("samtycke", "saknas_lvu", "finns_alla_vardnadshavare"),
    ],
)
def test_client_declining_explains(column, declined, accepted):
    other = {"onskar_insats": "ja"} if column == "samtycke" else {"samtycke": "finns_barn_over_15"}
    cells = [
        {"kon": W, "behov_max": 2, "n": 200, "yes": 140, column: accepted, **other, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98, column: accepted, **other, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 60, "yes": 0, column: declined, **other, **NO_YES},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    att = step(result, "installning")
    assert att.status == "applied" and att.n_set_aside == 60
    assert step(result, "annat_satt").n_set_aside == 0
    assert result.verdict == "explained"
    assert result.explained_by == ("installning",)


def test_two_criteria_share_the_explanation():
    # Equal need; 40 men with relatives (none granted) and 40 men declining (none granted);
    # remaining 120 men granted 70 % like the women. Raw 0.70 - 84/200 = 0.28; after
    # annat_satt: 0.70 - 84/160 = 0.175 (still clear); after installning: 0.
    cells = [
        {"kon": W, "behov_max": 2, "n": 400, "yes": 280, "onskar_insats": "ja", **NO_YES},
        {"kon": M, "behov_max": 2, "n": 120, "yes": 84, "onskar_insats": "ja", **NO_YES},
        {
            "kon": M,
            "behov_max": 2,
            "n": 40,
            "yes": 0,
            "onskar_insats": "ja",
            "tillgodoses_natverk": True,
            "tillgodoses_anhorig": False,
        },
        {"kon": M, "behov_max": 2, "n": 40, "yes": 0, "onskar_insats": "nej", **NO_YES},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.28)
    assert step(result, "annat_satt").estimate.diff == pytest.approx(0.70 - 84 / 160)
    assert step(result, "annat_satt").explained_share == pytest.approx((0.28 - 0.175) / 0.28)
    assert result.remaining.diff == pytest.approx(0.0, abs=1e-12)
    assert result.verdict == "explained"
    # annat_satt removed 37.5 % (>= 1/3); installning turned clear into not clear
    assert result.explained_by == ("annat_satt", "installning")


def test_no_difference():
    cells = need_cells((100, 50), (100, 50), (100, 20), (100, 20))
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.0, abs=1e-12)
    # raw interval about ±9.4 points: inside the 10-point margin
    assert result.raw.ci_low > -0.10 and result.raw.ci_high < 0.10
    assert result.verdict == "no_difference"
    assert result.explained_by == ()
    assert "inom ±10,0 procentenheter" in message(result)
    assert "visar inte att varje enskild person behandlas lika" in message(result)


def test_min_diff_decides_between_small_clear_difference_and_none():
    # 52 % vs 50 % on 10,000 cases each: the interval excludes 0 but 2 points < 3 points
    cells = [
        {"kon": W, "behov_max": 2, "n": 10000, "yes": 5200},
        {"kon": M, "behov_max": 2, "n": 10000, "yes": 5000},
    ]
    df = build(cells)
    result = check_criteria(df, outcome="beviljad")
    assert result.raw.ci_low > 0
    assert result.min_diff == pytest.approx(0.03)
    assert result.verdict == "no_difference"
    assert check_criteria(df, outcome="beviljad", min_diff=0.01).verdict == "risk_unmotivated"


def test_lost_precision_is_no_explanation():
    # 175 of 200 men set aside (need met by the network) at the same 52 % grant rate: the
    # remaining 18-point gap is as large as the raw one but rests on 25 men only
    cells = [
        {"kon": W, "behov_max": 2, "n": 100, "yes": 70, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 25, "yes": 13, **NO_YES},
        {
            "kon": M,
            "behov_max": 2,
            "n": 175,
            "yes": 91,
            "tillgodoses_natverk": True,
            "tillgodoses_anhorig": False,
        },
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.18)
    assert result.remaining.diff == pytest.approx(0.18)
    assert result.remaining.ci_low < 0
    # the step removed nothing: it only widened the interval
    assert step(result, "annat_satt").explained_share == pytest.approx(0.0, abs=1e-12)
    assert result.verdict == "uncertain"
    assert result.explained_by == ()
    assert "Kan inte avgöras med dessa data" in message(result)
    assert "räknas inte som förklarad" in message(result)
    # and the set-aside judgement fell on men only: flagged
    assert "set_aside_differs" in result.flags
    assert "kan i sig bära en skillnad mellan könen" in message(result)


# --------------------------------------------------------------------------------------------
# Insufficient data and edge cases
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(
            [
                {"kon": W, "behov_max": 2, "n": 15, "yes": 15},
                {"kon": M, "behov_max": 2, "n": 200, "yes": 20},
            ],
            id="small-group",
        ),
        pytest.param(
            [
                {"kon": W, "behov_max": 2, "n": 1, "yes": 1},
                {"kon": M, "behov_max": 2, "n": 200, "yes": 20},
            ],
            id="group-of-one",
        ),
        pytest.param([{"kon": W, "behov_max": 2, "n": 200, "yes": 20}], id="one-sex-absent"),
    ],
)
def test_insufficient_data(cells):
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.verdict == "insufficient_data"
    assert result.explained_by == ()
    assert "För lite data" in message(result)
    json.dumps(to_dict(result), allow_nan=False)
    to_text(result)


@pytest.mark.parametrize("outcome", ["beviljad", "deltog_utredningssamtal"])
def test_a_selection_with_no_cases_is_insufficient_data_not_a_crash(sample_data, outcome):
    # Found in step 2: an observation whose selection matches nothing (no one aged 23-64 in
    # elderly care) crashed the heterogeneity test, which had no levels of need at all.
    filters = {"kommun": "Exempelby", "verksamhet": "aldreomsorg", "aldersgrupp": "23-64"}
    result = check_criteria(sample_data, outcome=outcome, filters=filters)
    assert result.verdict == "insufficient_data"
    assert result.groups["n"].tolist() == [0, 0]
    assert "kvinnor 0, män 0" in message(result)
    json.dumps(to_dict(result), allow_nan=False)


def test_insufficient_after_set_aside():
    # 30 men, 15 of them set aside (need met by relatives): 15 < 20 remain
    cells = [
        {"kon": W, "behov_max": 2, "n": 200, "yes": 140, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 15, "yes": 5, **NO_YES},
        {
            "kon": M,
            "behov_max": 2,
            "n": 15,
            "yes": 0,
            "tillgodoses_natverk": True,
            "tillgodoses_anhorig": False,
        },
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    assert step(result, "annat_satt").n_by_group == {W: 200, M: 15}
    assert result.verdict == "insufficient_data"


def test_all_outcomes_missing_and_nullable_outcome():
    cells = need_cells((150, 120), (50, 40), (50, 10), (150, 30))
    df = build(cells)
    df.loc[df.index[:10], "beviljad"] = pd.NA  # ten women in the high stratum lose their value
    result = check_criteria(df, outcome="beviljad")
    assert result.groups.set_index("kon").loc[W, "n"] == 190
    assert result.raw.diff == pytest.approx(
        direct_share(df, "beviljad", W) - direct_share(df, "beviljad", M)
    )
    df["beviljad"] = pd.array([pd.NA] * len(df), dtype="boolean")
    empty = check_criteria(df, outcome="beviljad")
    assert empty.verdict == "insufficient_data"
    json.dumps(to_dict(empty), allow_nan=False)


def test_criterion_with_absent_or_empty_variables_is_not_testable():
    cells = need_cells((150, 120), (50, 30), (50, 20), (150, 30))
    df = build(cells)
    df["tillgodoses_anhorig"] = pd.array([pd.NA] * len(df), dtype="boolean")
    result = check_criteria(df, outcome="beviljad")
    alt = step(result, "annat_satt")
    assert alt.status == "not_testable"
    assert alt.estimate is None and alt.explained_share is None
    assert set(alt.missing) == {
        "tillgodoses_natverk",
        "tillgodoses_anhorig",
        "tillgodoses_annan_verksamhet",
    }
    assert (
        "uppgift saknas: behovet kan tillgodoses av nätverket, behovet kan tillgodoses av anhöriga"
        in message(result)
    )
    record = next(s for s in to_dict(result)["steps"] if s["criterion"] == "annat_satt")
    assert record["status"] == "not_testable" and record["diff"] is None
    # not testable never explains: the remaining difference is the need step's
    assert result.remaining == step(result, "behov").estimate
    assert result.verdict == "risk_unmotivated"


def test_too_thin_variable_is_left_out():
    # behov_max known for 40 % of cases only (< 50 %): need cannot be held equal
    cells = [
        {"kon": W, "behov_max": 2, "n": 80, "yes": 60},
        {"kon": W, "n": 120, "yes": 90},
        {"kon": M, "behov_max": 2, "n": 80, "yes": 20},
        {"kon": M, "n": 120, "yes": 30},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    need = step(result, "behov")
    assert need.status == "not_testable"
    assert "största bedömda svårighet" in reason(need) and "ifylld i färre än" in reason(need)
    assert result.remaining == result.raw
    assert result.verdict == "risk_unmotivated"
    assert "Inget av kriterierna kunde prövas" in message(result)


def test_criterion_recorded_for_one_group_only_explains_nothing():
    # relatives are recorded for every man but no woman (57 % filled overall): setting aside
    # the men with relatives would explain the difference on one side only
    cells = [
        {"kon": W, "behov_max": 2, "n": 150, "yes": 105},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98, "tillgodoses_anhorig": False},
        {"kon": M, "behov_max": 2, "n": 60, "yes": 0, "tillgodoses_anhorig": True},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    alt = step(result, "annat_satt")
    assert alt.status == "not_testable"
    assert "(behovet kan tillgodoses av anhöriga: ifylld i färre än" in reason(alt)
    assert result.verdict == "risk_unmotivated"


def test_missing_need_forms_its_own_stratum_and_is_counted():
    cells = [
        {"kon": W, "behov_max": 3, "n": 100, "yes": 80},
        {"kon": M, "behov_max": 3, "n": 100, "yes": 80},
        {"kon": W, "n": 30, "yes": 15},
        {"kon": M, "n": 40, "yes": 10},
    ]
    df = build(cells)
    result = check_criteria(df, outcome="beviljad")
    need = step(result, "behov")
    assert need.n_unknown_need == 70
    assert set(need.strata["behov_max"]) == {"3", "okänt"}
    expected = direct_weighted_diff(df, "beviljad", ["behov_max"])
    assert need.estimate.diff == pytest.approx(expected)
    assert any("70 fall saknar uppgift" in note for note in notes(result))


def test_strata_with_one_group_are_listed_with_counts():
    cells = need_cells((100, 60), (100, 60), (100, 30), (100, 30))
    cells.append({"kon": W, "behov_max": 4, "n": 30, "yes": 30})  # only women at need 4
    df = build(cells)
    result = check_criteria(df, outcome="beviljad")
    need = step(result, "behov")
    assert need.n == 400 and need.n_remaining == 430
    assert need.share_both_present == pytest.approx(400 / 430)
    records = to_dict(result)["steps"][0]["strata"]
    lonely = next(r for r in records if r["values"]["behov_max"] == "4")
    assert lonely["included"] is False
    assert lonely["groups"][W]["n"] == 30
    assert lonely["groups"][M]["n"] == 0
    assert any("bara den ena" in note for note in notes(result))
    # the lonely stratum cannot shift the estimate
    assert need.estimate.diff == pytest.approx(0.0, abs=1e-12)


def test_small_strata_are_hidden_in_output():
    cells = need_cells((100, 60), (100, 40), (100, 30), (100, 20))
    cells += [
        {"kon": W, "behov_max": 4, "n": 40, "yes": 20},
        {"kon": M, "behov_max": 4, "n": 3, "yes": 1},  # three men: must not be shown
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    records = to_dict(result)["steps"][0]["strata"]
    small = next(r for r in records if r["values"]["behov_max"] == "4")
    assert small["dold"] is True
    assert small["groups"][M]["n"] is None and small["groups"][M]["value"] is None
    text = to_text(result)
    assert re.search(r"Största bedömda svårighet \(0–4\): 4: .*\.\. fall", text)
    # the estimate itself still uses the stratum
    assert step(result, "behov").n == 443


def test_small_counts_never_reach_messages_notes_or_json():
    cells = need_cells((100, 60), (100, 40), (100, 30), (100, 20))
    cells += [
        {"kon": W, "behov_max": 4, "n": 3, "yes": 2},  # three women alone at need 4
        {
            "kon": M,
            "behov_max": 3,
            "n": 2,
            "yes": 1,
            "tillgodoses_natverk": True,
            "tillgodoses_anhorig": False,
        },
    ]
    df = build(cells)
    df["tillgodoses_natverk"] = df["tillgodoses_natverk"].fillna(False)
    df["tillgodoses_anhorig"] = df["tillgodoses_anhorig"].fillna(False)
    result = check_criteria(df, outcome="beviljad")
    assert step(result, "annat_satt").n_set_aside == 2  # known inside the library
    data = to_dict(result)
    record = data["steps"][1]
    assert record["criterion"] == "annat_satt" and record["n_set_aside"] is None
    assert result.staircase()["n_bortsorterade"].isna().tolist() == [False, False, True, False]
    note = next(n for n in notes(result) if "bara den ena" in n)
    # hidden counts say only that they are hidden: "fewer than 5" would tell a reader more
    assert "antalet fall visas inte" in note
    assert "bortsorterade i steget: visas inte" in to_text(result)

    tiny = build([{"kon": W, "n": 3, "yes": 2}, {"kon": M, "n": 200, "yes": 20}])
    small = check_criteria(tiny, outcome="beviljad")
    assert "kvinnor visas inte" in message(small) and "kvinnor 3" not in message(small)
    assert to_dict(small)["groups"][W]["n"] is None
    assert to_dict(small)["raw"]["diff"] is None


# --------------------------------------------------------------------------------------------
# Means
# --------------------------------------------------------------------------------------------
MEAN_EXPLAINS = need_cells((150, [60, 80]), (50, [60, 80]), (50, [10, 30]), (150, [10, 30]))
MEAN_REMAINS = need_cells((150, [60, 80]), (50, [50, 70]), (50, [10, 30]), (150, [0, 20]))


def test_mean_difference_explained_by_need():
    df = build(MEAN_EXPLAINS, outcome="hemtjanst_tim_man")
    result = check_criteria(df, outcome="hemtjanst_tim_man")
    assert result.outcome_type == "mean"
    assert result.raw.diff == pytest.approx(57.5 - 32.5)
    assert result.min_diff == pytest.approx(0.10 * 45.0)  # 10 % of the overall mean
    assert result.remaining.diff == pytest.approx(0.0, abs=1e-9)
    assert result.verdict == "explained"
    assert result.explained_by == ("behov",)


def test_mean_difference_remaining_at_equal_need():
    df = build(MEAN_REMAINS, outcome="hemtjanst_tim_man")
    result = check_criteria(df, outcome="hemtjanst_tim_man")
    women = df.loc[df["kon"] == W, "hemtjanst_tim_man"].astype(float)
    men = df.loc[df["kon"] == M, "hemtjanst_tim_man"].astype(float)
    welch = sps.ttest_ind(women, men, equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert result.raw.diff == pytest.approx(women.mean() - men.mean())
    assert (result.raw.ci_low, result.raw.ci_high) == pytest.approx((ci.low, ci.high))
    assert result.raw.p_value == pytest.approx(welch.pvalue, rel=1e-6, abs=1e-300)
    assert result.remaining.diff == pytest.approx(10.0)
    assert result.remaining.diff == pytest.approx(
        direct_weighted_diff(df, "hemtjanst_tim_man", ["behov_max"])
    )
    assert result.verdict == "risk_unmotivated"
    assert "procentenheter" not in message(result)


def test_mean_difference_hidden_by_need_and_numbers_in_text():
    # raw means equal: women (150*50 + 50*30)/200 = 45, men (50*60 + 150*40)/200 = 45;
    # within each need stratum women get 10 hours less
    cells = need_cells((150, [40, 60]), (50, [50, 70]), (50, [20, 40]), (150, [30, 50]))
    df = build(cells, outcome="hemtjanst_tim_man")
    result = check_criteria(df, outcome="hemtjanst_tim_man")
    assert result.raw.diff == pytest.approx(0.0, abs=1e-9)
    assert result.remaining.diff == pytest.approx(-10.0)
    assert result.verdict == "risk_unmotivated"
    assert "Kvarvarande skillnad: \u221210,0" in to_text(result)


# --------------------------------------------------------------------------------------------
# Participation, Tabell 2
# --------------------------------------------------------------------------------------------
def participation(men_special: dict, *, men_special_yes: int = 36) -> pd.DataFrame:
    """Women 320/400 take part, 280 ordinary men 224 (80 %), 120 special men far less.

    Large enough that setting the special men aside can show (with 95 % confidence) that at
    least half of the raw 15-point gap was removed.
    """
    base = {
        "behov_max": 2,
        "tillfragad_delta": True,
        "velat_delta": True,
        "vardnadshavare_hindrat": False,
        "tolk": "nej_behovdes_ej",
        "kommunikationsstod": "nej_behovdes_ej",
    }
    cells = [
        {"kon": W, "n": 400, "yes": 320, **base},
        {"kon": M, "n": 280, "yes": 224, **base},
        {"kon": M, "n": 120, "yes": men_special_yes, **{**base, **men_special}},
    ]
    return build(cells, outcome="deltog_utredningssamtal")


def test_interpreter_needed_but_not_used_stays_unexplained():
    df = participation({"tolk": "nej_behovdes"})
    result = check_criteria(df, outcome="deltog_utredningssamtal")
    assert result.kind == "delaktighet"
    assert [s.criterion for s in result.steps] == [
        "behov",
        "onskemal",
        "vardnadshavare",
        "funktionsnedsattning_sprak",
    ]
    lang = step(result, "funktionsnedsattning_sprak")
    assert lang.status == "applied" and lang.n_set_aside == 0
    assert result.raw.diff == pytest.approx(0.80 - 260 / 400)
    assert result.remaining.diff == pytest.approx(0.15)
    assert result.verdict == "risk_unmotivated"


def test_limits_despite_interpreter_explain():
    result = check_criteria(participation({"tolk": "ja"}), outcome="deltog_utredningssamtal")
    assert step(result, "funktionsnedsattning_sprak").n_set_aside == 120
    assert result.remaining.diff == pytest.approx(0.0, abs=1e-12)
    assert result.verdict == "explained"
    assert result.explained_by == ("funktionsnedsattning_sprak",)


def test_asked_and_declined_explains_but_not_being_asked_does_not():
    asked = participation({"velat_delta": False})
    result = check_criteria(asked, outcome="deltog_utredningssamtal")
    assert step(result, "onskemal").n_set_aside == 120
    assert result.verdict == "explained" and result.explained_by == ("onskemal",)

    not_asked = participation({"tillfragad_delta": False, "velat_delta": None})
    result = check_criteria(not_asked, outcome="deltog_utredningssamtal")
    wish = step(result, "onskemal")
    assert wish.status == "applied" and wish.n_set_aside == 0
    assert result.verdict == "risk_unmotivated"


def test_guardian_preventing_explains():
    df = participation({"vardnadshavare_hindrat": True})
    result = check_criteria(df, outcome="deltog_utredningssamtal")
    assert result.verdict == "explained" and result.explained_by == ("vardnadshavare",)


def test_criterion_built_on_the_outcome_itself_is_not_testable():
    df = participation({"tolk": "nej_behovdes"}).rename(
        columns={"deltog_utredningssamtal": "_deltog"}
    )
    df["tillfragad_delta"] = df["_deltog"]
    result = check_criteria(df, outcome="tillfragad_delta")
    wish = step(result, "onskemal")
    assert wish.status == "not_testable"
    assert "utfallet" in reason(wish)


# --------------------------------------------------------------------------------------------
# Overrides, filters, other groups
# --------------------------------------------------------------------------------------------
def test_need_override_with_a_column_outside_the_schema():
    df = build(NEED_EXPLAINS)
    df["avdelning"] = df["behov_max"].map({3: "hog", 1: "lag"}).astype("string")
    df = df.drop(columns=["behov_max"])
    assert check_criteria(df, outcome="beviljad").verdict == "risk_unmotivated"
    result = check_criteria(df, outcome="beviljad", criteria={"behov": ["avdelning"]})
    assert step(result, "behov").variables == ("avdelning",)
    assert result.verdict == "explained" and result.explained_by == ("behov",)


def test_set_aside_overrides_yes_text_and_explicit_values():
    cells = [
        {"kon": W, "behov_max": 2, "n": 200, "yes": 140},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98},
        {"kon": M, "behov_max": 2, "n": 60, "yes": 0},
    ]
    df = build(cells)
    special = np.r_[np.zeros(340, bool), np.ones(60, bool)]
    df["hjalp_hemma"] = pd.array(np.where(special, "Ja", "Nej"), dtype="string")
    df["vill_ha"] = pd.array(np.where(special, "nej", "ja"), dtype="string")
    alt = check_criteria(df, outcome="beviljad", criteria={"annat_satt": ["hjalp_hemma"]})
    assert step(alt, "annat_satt").n_set_aside == 60
    assert alt.explained_by == ("annat_satt",)
    # a plain column sets aside where it is yes: here that is nobody who matters
    att = check_criteria(df, outcome="beviljad", criteria={"installning": ["vill_ha"]})
    assert step(att, "installning").n_set_aside == 340
    explicit = check_criteria(
        df, outcome="beviljad", criteria={"installning": {"vill_ha": ["nej"]}}
    )
    assert step(explicit, "installning").n_set_aside == 60
    assert explicit.explained_by == ("installning",)


def test_catalogue_variable_in_an_override_keeps_its_values():
    cells = [
        {"kon": W, "behov_max": 2, "n": 200, "yes": 140, "onskar_insats": "ja"},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98, "onskar_insats": "vet_ej"},
        {"kon": M, "behov_max": 2, "n": 60, "yes": 0, "onskar_insats": "nej"},
    ]
    result = check_criteria(
        build(cells), outcome="beviljad", criteria={"installning": ["onskar_insats"]}
    )
    assert step(result, "installning").n_set_aside == 60


def test_filters_restrict_the_cases():
    lss = build(REMAINS)
    lss["verksamhet"] = pd.Categorical(["lss"] * len(lss), dtype=CAT.dtype("verksamhet"))
    other = build(NEED_EXPLAINS)
    other["verksamhet"] = pd.Categorical(
        ["aldreomsorg"] * len(other), dtype=CAT.dtype("verksamhet")
    )
    df = pd.concat([lss, other], ignore_index=True)
    result = check_criteria(df, outcome="beviljad", filters={"verksamhet": "lss"})
    assert result.raw.diff == pytest.approx(0.40)
    assert result.filters == {"verksamhet": ["lss"]}
    both = check_criteria(df, outcome="beviljad", filters={"verksamhet": ["lss", "aldreomsorg"]})
    assert both.groups["n"].sum() == 800
    by_yes_no = check_criteria(df, outcome="beviljad", filters={"beviljad": "ja"})
    assert by_yes_no.groups["varde"].tolist() == [1.0, 1.0]


def test_other_grouping_and_text_outcome_outside_the_schema():
    df = build(REMAINS)
    df["fodelseland"] = (
        df["kon"].map({W: "utanfor_europa", M: "sverige"}).astype(CAT.dtype("fodelseland"))
    )
    # typed once, by preparation: a column outside the schema that holds yes/no answers
    df["fick_stod"] = type_extra(pd.Series(np.where(df["beviljad"], "Ja", "N"), dtype="string"))
    result = check_criteria(
        df,
        outcome="fick_stod",
        kind="insats",
        group="fodelseland",
        compare=("utanfor_europa", "sverige"),
    )
    assert result.outcome_type == "share"
    assert result.raw.diff == pytest.approx(0.40)
    assert result.remaining.diff == pytest.approx(0.20)
    assert set(to_dict(result)["groups"]) == {"utanfor_europa", "sverige"}


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------
def test_json_shape():
    result = check_criteria(build(REMAINS), outcome="beviljad")
    data = json.loads(json.dumps(to_dict(result), allow_nan=False))
    for key in (
        "outcome",
        "group",
        "compare",
        "kind",
        "groups",
        "raw",
        "steps",
        "remaining",
        "verdict",
        "explained_by",
        "message",
    ):
        assert key in data
    assert data["compare"] == [W, M]
    assert data["groups"][W]["n"] == 200
    assert data["groups"][W]["value"] == pytest.approx(0.70)
    assert data["raw"]["diff"] == pytest.approx(0.40)
    assert len(data["raw"]["ci"]) == 2
    assert [s["criterion"] for s in data["steps"]] == ["behov", "annat_satt", "installning"]
    for s in data["steps"]:
        for key in ("criterion", "status", "variables", "diff", "ci", "p", "n", "explained_share"):
            assert key in s
    assert data["remaining"]["diff"] == pytest.approx(0.20)
    assert data["verdict"] == "risk_unmotivated"


def test_staircase_table():
    result = check_criteria(build(REMAINS), outcome="beviljad")
    table = result.staircase()
    assert table["steg"].tolist() == ["ra", "behov", "annat_satt", "installning"]
    assert table.loc[0, "skillnad"] == pytest.approx(0.40)
    assert table.loc[1, "skillnad"] == pytest.approx(0.20)
    assert table.loc[1, "forklarad_andel"] == pytest.approx(0.5)
    assert table["status"].tolist() == ["applied", "applied", "not_testable", "not_testable"]
    assert pd.isna(table.loc[2, "skillnad"])


@pytest.mark.parametrize(
    "cells",
    [
        NEED_EXPLAINS,
        REMAINS,
        SIMPSON,
        HIDDEN,
        need_cells((100, 50), (100, 50), (100, 20), (100, 20)),
        [{"kon": W, "behov_max": 2, "n": 5, "yes": 3}],
    ],
)
def test_messages_are_careful_and_remind_of_step_2(cells):
    result = check_criteria(build(cells), outcome="beviljad")
    assert "steg 2" in message(result)
    assert not re.search(r"\bär omotiverad", message(result))
    assert "bevis" not in message(result).replace("inte ett bevis", "")


def test_text_output_is_swedish():
    text = to_text(check_criteria(build(REMAINS), outcome="beviljad"))
    assert "Rå skillnad: 40,0 procentenheter" in text
    assert "Kvarvarande skillnad: 20,0 procentenheter" in text
    assert "Oddskvot (Mantel–Haenszel) för kvinnor jämfört med män" in text
    assert "Bedömning: Risk för omotiverad skillnad." in text
    assert "70,0\u00a0%" in text


# --------------------------------------------------------------------------------------------
# Validation and helpers
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"outcome": "finns_inte"}, ParameterError, "finns_inte"),
        ({"outcome": "overklagat"}, DataError, "Uppgift saknas: overklagat"),
        ({"outcome": "beviljad", "group": "kon2"}, ParameterError, "Menade du 'kon'"),
        ({"outcome": "beviljad", "kind": "annat"}, ParameterError, "insats"),
        ({"outcome": "beviljad", "compare": ("man", "man")}, ParameterError, "olika"),
        ({"outcome": "beviljad", "compare": ("man",)}, ParameterError, "två grupper"),
        ({"outcome": "beviljad", "compare": ("kvinnor", "man")}, ParameterError, "kvinnor"),
        ({"outcome": "beviljad", "criteria": {"okant": ["x"]}}, ParameterError, "annat_satt"),
        ({"outcome": "beviljad", "criteria": {"behov": ["saknas"]}}, ParameterError, "saknas"),
        ({"outcome": "beviljad", "criteria": {"behov": ["kon"]}}, ParameterError, "kon"),
        ({"outcome": "beviljad", "alpha": 1.5}, ParameterError, "alpha"),
        ({"outcome": "beviljad", "min_diff": -1}, ParameterError, "min_diff"),
        ({"outcome": "beviljad", "filters": {"saknas": "x"}}, ParameterError, "saknas"),
        ({"outcome": "beviljad", "filters": {"tolk": "kanske"}}, ParameterError, "nej_behovdes"),
        (
            {"outcome": "beviljad", "filters": {"beviljad": "kanske"}},
            ParameterError,
            "ja eller nej",
        ),
        ({"outcome": "behov_max"}, ParameterError, "kind="),
        ({"outcome": "tolk", "kind": "delaktighet"}, ParameterError, "kategorier"),
        ({"outcome": "utredning_id", "kind": "insats"}, ParameterError, "varken ja/nej"),
    ],
)
def test_user_errors_are_swedish(kwargs, error, text):
    df = build(REMAINS)
    df["tolk"] = pd.Categorical(["ja"] * len(df), dtype=CAT.dtype("tolk"))
    with pytest.raises(error, match=re.escape(text)):
        check_criteria(df, **kwargs)


def test_option_helpers():
    assert parse_filters(["verksamhet=lss", "aldersgrupp=23-64", "aldersgrupp=65+"]) == {
        "verksamhet": ["lss"],
        "aldersgrupp": ["23-64", "65+"],
    }
    with pytest.raises(ParameterError, match="KOLUMN=VÄRDE"):
        parse_filters(["verksamhet"])
    assert option_overrides("beviljad", need=["dept"], attitude=["vill_ha=nej,vet_ej"]) == {
        "behov": ["dept"],
        "installning": {"vill_ha": ["nej", "vet_ej"]},
    }
    assert option_overrides("deltog_utredningssamtal", attitude=["hindrad"]) == {
        "vardnadshavare": {"hindrad": []}
    }
    with pytest.raises(ParameterError, match="--alternative"):
        option_overrides("deltog_utredningssamtal", alternative=["x"])
    assert resolve_kind("hemtjanst_tim_man") == "insats"
    assert resolve_kind("delaktig_i_mal") == "delaktighet"


# --------------------------------------------------------------------------------------------
# The sample data's answer key
# --------------------------------------------------------------------------------------------
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _facit_patterns() -> list[dict]:
    path = SAMPLE / "facit.yaml"
    if not path.exists():
        return []
    patterns = yaml.safe_load(path.read_text(encoding="utf-8"))["patterns"]
    return [p for p in patterns if p.get("forvantat_utfall") in VERDICTS]


@pytest.fixture(scope="module")
def sample_data() -> pd.DataFrame:
    from isuwork.data.prepare import load

    return load(SAMPLE / "isu_exempel.csv").data


def test_sample_answer_key_is_present():
    assert (SAMPLE / "isu_exempel.csv").exists()
    assert len(_facit_patterns()) >= 4


@pytest.mark.parametrize("pattern", _facit_patterns(), ids=lambda p: p["id"])
def test_sample_patterns_get_their_verdict(sample_data, pattern):
    result = check_criteria(
        sample_data,
        outcome=pattern["utfall"],
        group=pattern.get("grupp", "kon"),
        compare=tuple(pattern.get("jamfor", ("kvinna", "man"))),
        filters=pattern.get("filter") or None,
    )
    assert result.verdict == pattern["forvantat_utfall"], to_text(result)
    assert set(pattern.get("forklaras_av") or []) <= set(result.explained_by), to_text(result)
