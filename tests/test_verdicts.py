"""The verdict rules and their flags, each on data with exact counts (or exact estimates).

A verdict must never call a difference explained, or absent, because the data got thin. The
rates of each verdict under simulated truths are measured by ``benchmarks/verdicts.py``; these
tests pin each rule and flag on cases whose answer follows by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from cells import build
from scipy import stats as sps

from isuwork.analysis import stats
from isuwork.analysis.criteria import Estimate, check_criteria
from isuwork.analysis.criteria.heterogeneity import Heterogeneity, StratumDiff
from isuwork.analysis.criteria.need_strata import need_design, need_strata, prognostic_score
from isuwork.analysis.criteria.verdict import explained_by, verdict
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import VERDICT_LABELS, VERDICTS
from isuwork.present.criteria_report import message, to_dict, to_text

CAT = load_catalog()
W, M = "kvinna", "man"
NO_YES = {"tillgodoses_natverk": False, "tillgodoses_anhorig": False}


def est(diff: float, low: float, high: float) -> Estimate:
    return Estimate(diff, low, high, 0.5, "test")


GROUPS = pd.DataFrame({"kon": [W, M], "n": [300, 300]})
BOTH = {W: 300, M: 300}


def judge(raw: Estimate, remaining: Estimate, het: Heterogeneity | None = None) -> str:
    return verdict(GROUPS, BOTH, raw, remaining, het, min_diff=0.03, margin=0.10, min_group=20)


def het(p: float, *clear: bool) -> Heterogeneity:
    strata = tuple(
        StratumDiff(f"s{i}", 0.2 if c else 0.01, 0.1 if c else -0.1, 0.3, (50, 50), c)
        for i, c in enumerate(clear)
    )
    return Heterogeneity("test", 10.0, 2, p, strata, 0.01)


# -- the rules, on exact estimates ----------------------------------------------------------------
def test_five_verdicts_with_labels_that_do_not_overstate():
    assert set(VERDICTS) == {
        "no_difference",
        "uncertain",
        "explained",
        "risk_unmotivated",
        "insufficient_data",
    }
    assert VERDICT_LABELS["uncertain"] == "Kan inte avgöras med dessa data"
    assert "kan" in VERDICT_LABELS["explained"]


@pytest.mark.parametrize(
    ("raw", "remaining", "expected"),
    [
        # a clear remaining difference is a risk
        (est(0.10, 0.05, 0.15), est(0.08, 0.03, 0.13), "risk_unmotivated"),
        # the criteria moved it: below min_diff, and the interval excludes the raw estimate
        (est(0.10, 0.05, 0.15), est(0.01, -0.02, 0.04), "explained"),
        # as large as before, only less precise: not an explanation
        (est(0.08, 0.03, 0.13), est(0.08, -0.01, 0.17), "uncertain"),
        # below min_diff but the interval still holds the raw estimate: not shown to be moved
        (est(0.08, 0.03, 0.13), est(0.02, -0.07, 0.11), "uncertain"),
        # it excludes the raw estimate but not half of it: not shown that half was removed
        (est(0.10, 0.05, 0.15), est(0.02, -0.02, 0.06), "uncertain"),
        # the same with the signs turned
        (est(-0.10, -0.15, -0.05), est(-0.01, -0.04, 0.02), "explained"),
        (est(-0.10, -0.15, -0.05), est(-0.02, -0.06, 0.02), "uncertain"),
        # neither clear, both intervals inside ±10 points: no difference of importance
        (est(0.01, -0.05, 0.07), est(0.0, -0.06, 0.06), "no_difference"),
        # neither clear, but too wide to rule out 10 points (40 per sex, 55 % vs 40 %)
        (est(0.15, -0.06, 0.34), est(0.15, -0.06, 0.34), "uncertain"),
        # the remaining interval reaches beyond the margin
        (est(0.01, -0.05, 0.07), est(0.02, -0.09, 0.13), "uncertain"),
    ],
)
def test_rules(raw, remaining, expected):
    assert judge(raw, remaining) == expected


def test_heterogeneity_rules():
    flat = est(0.0, -0.04, 0.04)
    # varies clearly and one stratum shows a clear difference: a risk even though pooled is 0
    assert judge(flat, flat, het(0.001, True, False)) == "risk_unmotivated"
    # varies clearly, but no stratum shows it on its own: cannot rule a difference out
    assert judge(flat, flat, het(0.001, False, False)) == "uncertain"
    # a doubt at the level customary for heterogeneity (p < 0.10, not < 0.01) already stops
    # no_difference
    assert judge(flat, flat, het(0.08, True)) == "uncertain"
    assert judge(flat, flat, het(0.2, True)) == "no_difference"
    # an explanation on average stands, with the flag saying that it varies
    moved = (est(0.10, 0.05, 0.15), est(0.01, -0.02, 0.04))
    assert judge(*moved, het(0.001, False)) == "explained"


def test_too_few_cases_or_no_estimate_is_insufficient():
    raw = est(0.10, 0.05, 0.15)
    small = pd.DataFrame({"kon": [W, M], "n": [300, 19]})
    assert verdict(small, BOTH, raw, raw, None, min_diff=0.03, margin=0.1, min_group=20) == (
        "insufficient_data"
    )
    assert judge(raw, Estimate.missing()) == "insufficient_data"


# -- on data with exact counts --------------------------------------------------------------------
def test_unclear_forty_per_sex_is_uncertain_not_no_difference():
    cells = [
        {"kon": W, "behov_max": 2, "n": 40, "yes": 22},
        {"kon": M, "behov_max": 2, "n": 40, "yes": 16},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.15)
    assert result.raw.ci_low < 0
    assert result.verdict == "uncertain"
    text = message(result)
    assert "Kan inte avgöras med dessa data" in text
    assert "för breda för att utesluta en skillnad på 10,0 procentenheter" in text


# +15 points for women at low need, -15 at high need, 200 per group and stratum: pooled 0.
OPPOSITE = [
    {"kon": W, "behov_max": 1, "n": 200, "yes": 130},
    {"kon": M, "behov_max": 1, "n": 200, "yes": 100},
    {"kon": W, "behov_max": 3, "n": 200, "yes": 100},
    {"kon": M, "behov_max": 3, "n": 200, "yes": 130},
]


def test_opposite_differences_do_not_cancel():
    result = check_criteria(build(OPPOSITE), outcome="beviljad")
    assert result.raw.diff == pytest.approx(0.0, abs=1e-12)
    assert result.remaining.diff == pytest.approx(0.0, abs=1e-12)
    het = result.heterogeneity
    # Breslow–Day by hand: the pooled odds ratio is exactly 1, so the expected count of the
    # first cell is 200 * 230 / 400 = 115 in both tables (statsmodels gives NaN here)
    var = 1 / (2 / 115 + 2 / 85)
    statistic = (130 - 115) ** 2 / var + (100 - 115) ** 2 / var
    assert het.method == "breslow_day_tarone"
    assert het.statistic == pytest.approx(statistic)
    assert het.p_value == pytest.approx(sps.chi2.sf(statistic, 1))
    # away from an odds ratio of exactly 1, the same function agrees with statsmodels
    tables = np.array([[[131, 69], [100, 100]], [[100, 100], [130, 70]]], dtype=float)
    ref = sm.stats.StratifiedTable(tables.transpose(1, 2, 0)).test_equal_odds(adjust=True)
    mine = stats.breslow_day([131, 100], [200, 200], [100, 130], [200, 200])
    assert mine.p_value == pytest.approx(ref.pvalue)
    assert [(s.stratum, s.clear) for s in het.strata] == [
        ("behov_max=1", True),
        ("behov_max=3", True),
    ]
    # each stratum's own interval is Newcombe-free Wald from the stratified estimator at 0.05/2
    one = stats.stratified_diff_proportions([130], [200], [100], [200], alpha=0.025)
    assert (het.strata[0].ci_low, het.strata[0].ci_high) == pytest.approx((one.ci_low, one.ci_high))
    assert result.verdict == "risk_unmotivated"
    assert result.flags == ("heterogeneous",)
    text = message(result)
    assert "Största bedömda svårighet (0–4): 1: kvinnor högre (15,0 procentenheter)" in text
    assert "Största bedömda svårighet (0–4): 3: män högre (−15,0 procentenheter)" in text
    assert "ta ut varandra" in text
    data = to_dict(result)
    assert data["flags"] == ["heterogeneous"]
    assert data["heterogeneity"]["strata"][0]["n"] == {W: 200, M: 200}
    assert set(data["heterogeneity"]) >= {"method", "p", "strata"}


def test_opposite_mean_differences_use_the_interaction_test():
    cells = [
        {"kon": W, "behov_max": 1, "n": 60, "values": [10, 14, 18]},
        {"kon": M, "behov_max": 1, "n": 60, "values": [6, 10, 14]},
        {"kon": W, "behov_max": 3, "n": 60, "values": [26, 30, 34]},
        {"kon": M, "behov_max": 3, "n": 60, "values": [30, 34, 38]},
    ]
    df = build(cells, outcome="hemtjanst_tim_man")
    result = check_criteria(df, outcome="hemtjanst_tim_man", kind="insats")
    het = result.heterogeneity
    assert het.method == "f_test"
    frame = df.assign(g=(df["kon"] == M).astype(float), s=df["behov_max"].astype(int))
    small = sm.formula.ols("hemtjanst_tim_man ~ C(s) + g", frame).fit()
    big = sm.formula.ols("hemtjanst_tim_man ~ C(s) + g + g:C(s)", frame).fit()
    assert het.p_value == pytest.approx(big.compare_f_test(small)[1])
    assert result.verdict == "risk_unmotivated" and "heterogeneous" in result.flags


def test_set_aside_shares_by_group_are_reported_and_tested():
    # 60 of 200 men but 6 of 200 women set aside as "need met by relatives"
    cells = [
        {"kon": W, "behov_max": 2, "n": 194, "yes": 136, **NO_YES},
        {"kon": W, "behov_max": 2, "n": 6, "yes": 0, "tillgodoses_natverk": False,
         "tillgodoses_anhorig": True},
        {"kon": M, "behov_max": 2, "n": 140, "yes": 98, **NO_YES},
        {"kon": M, "behov_max": 2, "n": 60, "yes": 0, "tillgodoses_natverk": False,
         "tillgodoses_anhorig": True},
    ]  # fmt: skip
    result = check_criteria(build(cells), outcome="beviljad")
    step = next(s for s in result.steps if s.criterion == "annat_satt")
    assert step.set_aside_by_group == {W: (6, 0.03), M: (60, 0.30)}
    ref = stats.diff_proportions([6], [200], [60], [200])
    assert step.set_aside_diff.p_value == pytest.approx(ref.loc[0, "p_value"])
    assert "set_aside_differs" in result.flags
    data = to_dict(result)["steps"][1]
    assert data["set_aside"] == {W: {"n": 6, "share": 0.03}, M: {"n": 60, "share": 0.30}}
    assert data["set_aside_p"] == pytest.approx(ref.loc[0, "p_value"])
    assert "kan i sig bära en skillnad mellan könen" in message(result)
    assert "Andel bortsorterade per grupp: kvinnor 3,0\u00a0%, män 30,0\u00a0%" in to_text(result)


def test_small_set_aside_counts_are_hidden_with_their_share():
    cells = [
        {"kon": W, "behov_max": 2, "n": 197, "yes": 136, **NO_YES},
        {"kon": W, "behov_max": 2, "n": 3, "yes": 0, "tillgodoses_natverk": True,
         "tillgodoses_anhorig": False},
        {"kon": M, "behov_max": 2, "n": 200, "yes": 98, **NO_YES},
    ]  # fmt: skip
    data = to_dict(check_criteria(build(cells), outcome="beviljad"))["steps"][1]
    assert data["set_aside"][W] == {"n": None, "share": None}
    # the cases still compared (397) less the men's (200 - 0) would give the women's 3 away
    assert data["set_aside"][M]["n"] is None or data["n_remaining"] is None
    # the test of the shares could give the hidden count away: not shown either
    assert data["set_aside_p"] is None


def test_raw_only_when_no_criterion_can_be_tested():
    cells = [{"kon": W, "n": 100, "yes": 70}, {"kon": M, "n": 100, "yes": 50}]
    result = check_criteria(build(cells), outcome="beviljad")
    assert all(not s.testable for s in result.steps)
    assert result.flags == ("raw_only",)
    assert result.verdict == "risk_unmotivated"
    assert "bara den råa skillnaden" in message(result)


def test_sparse_strata_flag():
    # five need levels with 6 women and 6 men each: no level has 10 per group
    cells = [
        {"kon": kon, "behov_max": level, "n": 6, "yes": 3 + (kon == W)}
        for level in range(5)
        for kon in (W, M)
    ]
    result = check_criteria(build(cells), outcome="beviljad", min_group=5)
    assert "sparse_strata" in result.flags
    assert result.heterogeneity.strata == ()
    assert "Många behovsgrupper är små" in message(result)
    assert "Kan inte prövas: färre än två behovsnivåer har minst 10 fall" in to_text(result)


def test_explained_by_credits_only_what_a_step_removed():
    class Step:
        def __init__(self, criterion, share, testable=True):
            self.criterion, self.explained_share, self.testable = criterion, share, testable

    steps = [Step("behov", -0.035), Step("annat_satt", 0.34), Step("installning", 0.2)]
    assert explained_by(steps) == ("annat_satt",)


def test_explained_text_carries_the_hedge():
    # within need exactly equal: raw +30 points, remaining 0
    cells = [
        {"kon": W, "behov_max": 3, "n": 150, "yes": 120},
        {"kon": M, "behov_max": 3, "n": 50, "yes": 40},
        {"kon": W, "behov_max": 1, "n": 50, "yes": 10},
        {"kon": M, "behov_max": 1, "n": 150, "yes": 30},
    ]
    result = check_criteria(build(cells), outcome="beviljad")
    assert result.verdict == "explained"
    text = message(result)
    assert "kan ändå bidra till att ojämställdhet består" in text
    assert "kvinnor och män" in text


# -- the whole need profile -----------------------------------------------------------------------
def test_few_combinations_are_exact_strata_and_many_a_prognostic_score():
    rng = np.random.default_rng(1)
    size = 400
    frame = pd.DataFrame(
        {
            "behov_max": rng.integers(0, 5, size),
            "bedomt_behov": rng.random(size) < 0.5,
            "lo_d1": rng.integers(0, 5, size),
        }
    )
    y = rng.random(size)
    exact = need_strata(frame, ["behov_max"], y, coarse=["behov_max"])
    assert exact.method == "exact" and len(exact.labels) == 5
    assert (exact.bands == exact.codes).all()
    scored = need_strata(frame, ["behov_max", "bedomt_behov", "lo_d1"], y, coarse=["behov_max"])
    assert scored.method == "prognostic"
    assert len(scored.labels) == 8  # 400 cases // 50 per group
    score = prognostic_score(frame, ["behov_max", "bedomt_behov", "lo_d1"], y)
    # groups follow the score: every case of a higher group has at least as high a score
    order = [score[scored.codes == g] for g in range(8)]
    assert all(order[g].max() <= order[g + 1].min() for g in range(7))
    # the levels of the homogeneity test are the coarse variable's values
    assert scored.band_names == [f"behov_max={v}" for v in range(5)]


def test_prognostic_score_is_least_squares_on_the_need_design():
    rng = np.random.default_rng(4)
    size = 60
    lo = rng.integers(0, 5, size).astype(object)
    lo[rng.random(size) < 0.2] = None
    assessed = (rng.random(size) < 0.6).astype(object)
    assessed[rng.random(size) < 0.1] = None
    risk = rng.choice(np.array(["lag", "hog", None], dtype=object), size)
    frame = pd.DataFrame(
        {
            "lo_d1": pd.array(lo, dtype="Int64"),
            "bedomt_behov": pd.array(assessed, dtype="boolean"),
            "risk_bedomning": pd.Categorical(risk),
        }
    )
    y = rng.random(size)
    design = need_design(frame, list(frame.columns))
    fitted = sm.OLS(y, design).fit().fittedvalues
    assert prognostic_score(frame, list(frame.columns), y) == pytest.approx(fitted)
    # intercept; lo_d1, its missing mark and its middle levels 1-3; bedomt_behov and its missing
    # mark; risk_bedomning: one column per value but the first, missing as a value of its own
    assert design.shape == (size, 1 + 2 + 3 + 2 + 2)


def test_breadth_of_need_is_adjusted_for():
    # Decisions follow breadth (areas with a difficulty), not the highest score; men have
    # broader need at the same highest score; no sex effect. Stratifying on the highest score
    # alone leaves a gap; the whole profile removes it.
    rng = np.random.default_rng(2026)
    rows = []
    for kon, share in ((W, 0.25), (M, 0.6)):
        for _ in range(600):
            areas = np.where(rng.random(10) < share, 3, 0)
            areas[0] = 3
            breadth = int((areas > 0).sum())
            rows.append(
                {
                    "kon": kon,
                    "behov_max": 3,
                    **{f"lo_d{i + 1}": int(a) for i, a in enumerate(areas[:9])},
                    "lo_trygghet": int(areas[9]),
                    "beviljad": bool(rng.random() < 0.1 + 0.08 * breadth),
                }
            )
    df = build([{**row, "n": 1, "yes": int(row.pop("beviljad"))} for row in rows])
    only_max = check_criteria(df, outcome="beviljad", criteria={"behov": ["behov_max"]})
    whole = check_criteria(df, outcome="beviljad")
    assert only_max.remaining.ci_high < -0.1  # men "get more" at the same highest score
    assert whole.steps[0].need_method == "prognostic"
    assert whole.remaining.ci_low < 0 < whole.remaining.ci_high
    assert abs(whole.remaining.diff) < 0.03
