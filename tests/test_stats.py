"""Statistics checked against closed-form formulas, scipy/statsmodels on raw data and references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from isuwork.analysis import stats

DATA = Path(__file__).parent / "data"


def _wilson_direct(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (412, 1000)])
def test_wilson_matches_closed_form(x, n):
    low, high = stats.wilson_interval([x], [n])
    exp_low, exp_high = _wilson_direct(x, n)
    assert low[0] == pytest.approx(exp_low, abs=1e-12)
    assert high[0] == pytest.approx(exp_high, abs=1e-12)


def test_wilson_empty_group_is_nan():
    low, high = stats.wilson_interval([0, 2], [0, 4])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isfinite(low[1])


def test_newcombe_reproduces_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II example (a): 56/70 vs 48/80,
    # method 10 gives 0.0524 to 0.3339.
    res = stats.diff_proportions([56], [70], [48], [80])
    assert res.loc[0, "diff"] == pytest.approx(56 / 70 - 48 / 80)
    assert res.loc[0, "ci_low"] == pytest.approx(0.0524, abs=1e-4)
    assert res.loc[0, "ci_high"] == pytest.approx(0.3339, abs=1e-4)
    assert res.loc[0, "test"] == "chi2"


def test_chi2_pvalue_equals_scipy_without_correction():
    res = stats.diff_proportions([40, 120], [100, 300], [55, 100], [110, 290])
    for i, (a, m, c, k) in enumerate([(40, 100, 55, 110), (120, 300, 100, 290)]):
        table = np.array([[a, m - a], [c, k - c]])
        expected = sps.chi2_contingency(table, correction=False)[1]
        assert res.loc[i, "p_value"] == pytest.approx(expected, rel=1e-10)


def test_small_counts_use_fisher():
    res = stats.diff_proportions([1], [6], [5], [7])
    assert res.loc[0, "test"] == "fisher"
    assert res.loc[0, "p_value"] == pytest.approx(sps.fisher_exact([[1, 5], [5, 2]])[1])


def test_difference_interval_stays_within_minus_one_and_one():
    # statsmodels returns 1.0000000000000002 here; a difference of shares cannot exceed 1
    res = stats.diff_proportions([49, 0], [49, 49], [0, 50], [50, 50])
    assert res.loc[0, "ci_high"] == 1.0 and res.loc[1, "ci_low"] == -1.0
    assert res.loc[0, "ci_low"] == pytest.approx(0.89814, abs=1e-5)


def test_vectorised_fisher_equals_scipy_on_every_small_table():
    rows = [
        (a, m, c, k)
        for m in range(1, 9)
        for k in range(1, 9)
        for a in range(m + 1)
        for c in range(k + 1)
    ]
    a, m, c, k = map(np.array, zip(*rows, strict=True))
    got = stats.fisher_exact_pvalues(a, m, c, k)
    expected = [sps.fisher_exact([[x, y - x], [z, w - z]])[1] for x, y, z, w in rows]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_vectorised_fisher_equals_scipy_on_large_sparse_tables(rng):
    m = rng.integers(1, 400, size=400)
    k = rng.integers(1, 4000, size=400)
    a = rng.binomial(m, rng.uniform(0, 0.05, size=400))
    c = rng.binomial(k, rng.uniform(0, 0.05, size=400))
    got = stats.fisher_exact_pvalues(a, m, c, k)
    expected = [
        sps.fisher_exact([[x, y - x], [z, w - z]])[1] for x, y, z, w in zip(a, m, c, k, strict=True)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_vectorised_fisher_works_in_chunks(monkeypatch):
    a, m, c, k = [1, 0, 7, 3], [6, 9, 30, 4], [5, 4, 2, 1], [7, 9, 25, 4]
    whole = stats.fisher_exact_pvalues(a, m, c, k)
    monkeypatch.setattr(stats, "_FISHER_CHUNK", 3)
    np.testing.assert_allclose(stats.fisher_exact_pvalues(a, m, c, k), whole, rtol=1e-14)
    expected = [
        sps.fisher_exact([[x, y - x], [z, w - z]])[1] for x, y, z, w in zip(a, m, c, k, strict=True)
    ]
    np.testing.assert_allclose(whole, expected, rtol=1e-12)


@pytest.mark.parametrize(("n1", "n2"), [(0, 5), (5, 0), (0, 0)])
def test_difference_with_empty_group_is_nan(n1, n2):
    res = stats.diff_proportions([0], [n1], [0], [n2])
    assert res[["diff", "ci_low", "ci_high", "p_value"]].isna().all(axis=None)


def test_welch_matches_scipy_on_raw_samples(rng):
    x = rng.normal(10, 3, size=40)
    y = rng.normal(8, 5, size=25)
    res = stats.diff_means(x.mean(), x.std(ddof=1), 40, y.mean(), y.std(ddof=1), 25)
    ref = sps.ttest_ind(x, y, equal_var=False)
    ci = ref.confidence_interval()
    assert res.loc[0, "p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.loc[0, "ci_low"] == pytest.approx(ci.low, rel=1e-9)
    assert res.loc[0, "ci_high"] == pytest.approx(ci.high, rel=1e-9)


def test_mean_interval_matches_scipy(rng):
    x = rng.exponential(5, size=30)
    low, high = stats.mean_interval(x.mean(), x.std(ddof=1), 30)
    ref = sps.t.interval(0.95, 29, loc=x.mean(), scale=sps.sem(x))
    assert (low[0], high[0]) == pytest.approx(ref, rel=1e-12)
    assert np.isnan(stats.mean_interval(3.0, np.nan, 1)[0][0])  # a group of one


def test_mh_risk_difference_single_stratum_is_plain_difference():
    res = stats.stratified_diff_proportions([30], [100], [20], [100])
    assert res.diff == pytest.approx(0.10)
    assert res.strata_used == 1 and res.n_used == 200


def test_mh_risk_difference_against_direct_formula():
    a = np.array([10, 30, 5])
    m = np.array([20, 50, 10])
    c = np.array([4, 20, 6])
    k = np.array([16, 60, 30])
    res = stats.stratified_diff_proportions(a, m, c, k)
    # direct: weighted average of stratum differences with weights m*k/(m+k)
    w = m * k / (m + k)
    expected = np.sum(w * (a / m - c / k)) / np.sum(w)
    assert res.diff == pytest.approx(expected, rel=1e-12)
    # CMH p-value against statsmodels on the same tables
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = [np.array([[a[i], m[i] - a[i]], [c[i], k[i] - c[i]]]) for i in range(3)]
    ref = StratifiedTable(tables).test_null_odds(correction=False).pvalue
    assert res.p_value == pytest.approx(ref, rel=1e-10)
    assert res.ci_low < res.diff < res.ci_high


def test_one_sided_strata_are_counted_not_used():
    res = stats.stratified_diff_proportions([5, 3, 2], [10, 0, 8], [4, 6, 0], [10, 9, 0])
    assert res.strata_total == 3 and res.strata_used == 1
    assert res.n_total == 10 + 8 + 10 + 9 and res.n_used == 20
    none = stats.stratified_diff_proportions([1, 2], [3, 0], [0, 1], [0, 4])
    assert np.isnan(none.diff) and none.strata_used == 0


def test_weighted_mean_difference_against_direct_formula():
    m1, s1, n1 = np.array([5.0, 7.0]), np.array([1.0, 2.0]), np.array([10, 20])
    m2, s2, n2 = np.array([4.0, 7.5]), np.array([1.5, 2.5]), np.array([30, 10])
    res = stats.stratified_diff_means(m1, s1, n1, m2, s2, n2)
    w = n1 * n2 / (n1 + n2)
    assert res.diff == pytest.approx(np.sum(w * (m1 - m2)) / w.sum())
    se = np.sqrt(np.sum(w**2 * (s1**2 / n1 + s2**2 / n2))) / w.sum()
    # Welch–Satterthwaite degrees of freedom of the weighted sum of the four group means
    parts = np.concatenate([(w / w.sum()) ** 2 * s1**2 / n1, (w / w.sum()) ** 2 * s2**2 / n2])
    dof = se**4 / np.sum(parts**2 / np.concatenate([n1 - 1, n2 - 1]))
    assert res.ci_high - res.diff == pytest.approx(sps.t.ppf(0.975, dof) * se)
    assert res.se == pytest.approx(se)
    # one stratum: exactly Welch's test on the two groups
    one = stats.stratified_diff_means([5.0], [1.0], [10], [4.0], [1.5], [30])
    welch = stats.diff_means([5.0], [1.0], [10], [4.0], [1.5], [30])
    assert (one.ci_low, one.ci_high, one.p_value) == pytest.approx(
        (welch.loc[0, "ci_low"], welch.loc[0, "ci_high"], welch.loc[0, "p_value"])
    )


def test_weighted_mean_difference_leaves_out_strata_with_a_single_case():
    res = stats.stratified_diff_means(
        [5.0, 9.0], [1.0, np.nan], [10, 1], [4.0, 3.0], [1.5, 2.0], [30, 8]
    )
    assert res.strata_used == 1 and res.n_used == 40 and res.n_total == 49
    assert res.diff == pytest.approx(1.0)


def test_weighted_mean_difference_without_any_spread():
    """Every value the same within each group (a national run met it: all ones and all zeros in
    a small group); the difference is exact, there is no interval to widen."""
    same = stats.stratified_diff_means(
        [1.0, 2.0], [0.0, 0.0], [6, 8], [1.0, 2.0], [0.0, 0.0], [7, 9]
    )
    assert same.diff == 0 and same.se == 0 and same.p_value == 1.0
    apart = stats.stratified_diff_means([2.0], [0.0], [6], [1.0], [0.0], [7])
    assert apart.diff == 1.0 and apart.ci_low == apart.ci_high == 1.0 and apart.p_value == 0.0


def test_sparse_strata_mean_intervals_hold_their_level():
    # 30 cases per group spread over five strata, skewed outcome, no difference: the t-based
    # interval must not give more false alarms than its level (the normal one gave 8-10 %)
    rng = np.random.default_rng(11)
    hits = 0
    reps = 2000
    for _ in range(reps):
        stats_by = []
        for _group in (0, 1):
            level = rng.integers(0, 5, 30)
            y = rng.gamma(1.5, 8.0, 30) * (1 + level)
            stats_by.append(
                [
                    [y[level == s].mean() if (level == s).any() else np.nan for s in range(5)],
                    [
                        y[level == s].std(ddof=1) if (level == s).sum() > 1 else np.nan
                        for s in range(5)
                    ],
                    [(level == s).sum() for s in range(5)],
                ]
            )
        (m1, s1, n1), (m2, s2, n2) = stats_by
        res = stats.stratified_diff_means(m1, s1, n1, m2, s2, n2)
        hits += res.ci_low > 0 or res.ci_high < 0
    assert hits / reps <= 0.06


def test_berkeley_cmh_and_breslow_day_match_published_values():
    data = pd.read_csv(DATA / "berkeley_1973.csv")
    c = data.set_index(["dept", "kon"])
    n = c["antagna"] + c["avvisade"]
    depts = sorted(data["dept"].unique())
    a = np.array([c.loc[(d, "kvinna"), "antagna"] for d in depts], dtype=float)
    m = np.array([n[(d, "kvinna")] for d in depts], dtype=float)
    b = np.array([c.loc[(d, "man"), "antagna"] for d in depts], dtype=float)
    k = np.array([n[(d, "man")] for d in depts], dtype=float)
    # Agresti, Categorical Data Analysis: CMH 1.53 (p = 0.217), corrected 1.43 (p = 0.232)
    assert round(stats.cmh_test(a, m, b, k), 3) == 0.217
    assert round(stats.cmh_test(a, m, b, k, correction=True), 3) == 0.232
    assert stats.stratified_diff_proportions(a, m, b, k).p_value == pytest.approx(
        stats.cmh_test(a, m, b, k)
    )
    # Breslow–Day 18.83 on 5 df, p = 0.002
    bd = stats.breslow_day(a, m, b, k)
    assert (round(bd.statistic, 2), bd.df, round(bd.p_value, 3)) == (18.83, 5, 0.002)
    # strata where the outcome does not vary, or a group is absent, say nothing
    padded = stats.breslow_day(np.r_[a, 0, 3], np.r_[m, 10, 0], np.r_[b, 0, 2], np.r_[k, 12, 4])
    assert padded.statistic == pytest.approx(bd.statistic) and padded.df == 5


def test_cochran_q_by_hand():
    d = np.array([0.1, -0.2, 0.05])
    se = np.array([0.05, 0.1, 0.04])
    w = 1 / se**2
    pooled = np.sum(w * d) / w.sum()
    q = np.sum(w * (d - pooled) ** 2)
    res = stats.cochran_q(d, se)
    assert res.statistic == pytest.approx(q) and res.df == 2
    assert res.p_value == pytest.approx(sps.chi2.sf(q, 2))
    assert np.isnan(stats.cochran_q([0.1], [0.05]).p_value)


def test_interaction_test_matches_statsmodels_formulas():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    size = 800
    frame = pd.DataFrame(
        {
            "stratum": rng.integers(0, 6, size),
            "g": rng.integers(0, 2, size),
        }
    )
    frame["level"] = frame["stratum"] // 2
    logit = -0.5 + 0.3 * frame["stratum"] + 0.8 * frame["g"] * (frame["level"] == 2)
    frame["y"] = (rng.random(size) < 1 / (1 + np.exp(-logit))).astype(float)
    frame["hours"] = (
        10 + 2 * frame["stratum"] + 3 * frame["g"] * frame["level"] + rng.normal(0, 4, size)
    )

    res = stats.interaction_test(
        frame["y"], frame["g"], frame["stratum"], frame["level"], share=True
    )
    small = smf.glm("y ~ C(stratum) + g", frame, family=sm_families().Binomial()).fit()
    big = smf.glm("y ~ C(stratum) + g + g:C(level)", frame, family=sm_families().Binomial()).fit()
    lr = 2 * (big.llf - small.llf)
    # the same models up to the iterative fit's convergence (isuwork's design has redundant
    # level columns, which the fit resolves by pseudo-inverse)
    assert res.statistic == pytest.approx(lr, rel=1e-4) and res.df == 2
    assert res.p_value == pytest.approx(sps.chi2.sf(lr, 2), rel=1e-4)

    res = stats.interaction_test(
        frame["hours"], frame["g"], frame["stratum"], frame["level"], share=False
    )
    small = smf.ols("hours ~ C(stratum) + g", frame).fit()
    big = smf.ols("hours ~ C(stratum) + g + g:C(level)", frame).fit()
    f_value, p_value, df_diff = big.compare_f_test(small)
    assert (res.statistic, res.p_value, res.df) == pytest.approx((f_value, p_value, df_diff))


def sm_families():
    import statsmodels.api as sm

    return sm.families


def test_berkeley_pooled_odds_ratio_matches_published_value():
    data = pd.read_csv(DATA / "berkeley_1973.csv")
    tables = []
    for _, dept in data.groupby("dept"):
        men = dept[dept.kon == "man"].iloc[0]
        women = dept[dept.kon == "kvinna"].iloc[0]
        tables.append([[men.antagna, men.avvisade], [women.antagna, women.avvisade]])
    res = stats.mantel_haenszel_odds_ratio(np.array(tables))
    assert round(res["odds_ratio"], 3) == 0.905
    assert round(res["ci_low"], 3) == 0.772
    assert round(res["ci_high"], 3) == 1.060
    raw = stats.diff_proportions(
        [data[data.kon == "man"].antagna.sum()],
        [data[data.kon == "man"][["antagna", "avvisade"]].sum().sum()],
        [data[data.kon == "kvinna"].antagna.sum()],
        [data[data.kon == "kvinna"][["antagna", "avvisade"]].sum().sum()],
    )
    assert raw.loc[0, "diff"] > 0.14  # the famous raw gap of about 14 percentage points


def test_benjamini_hochberg_by_hand_and_nan_safe():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.20])
    adj = stats.benjamini_hochberg(p)
    # by hand over the four finite values sorted 0.01, 0.03, 0.04, 0.20 (m = 4)
    assert adj[0] == pytest.approx(0.04)
    assert adj[3] == pytest.approx(0.04 * 4 / 3)  # min(0.03*4/2, 0.04*4/3)
    assert adj[1] == pytest.approx(0.04 * 4 / 3)
    assert adj[4] == pytest.approx(0.20)
    assert np.isnan(adj[2])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 50), st.integers(1, 50), st.integers(0, 50), st.integers(1, 50))
def test_intervals_contain_estimate(a, m, c, k):
    a, c = min(a, m), min(c, k)
    low, high = stats.wilson_interval([a], [m])
    assert 0 <= low[0] <= a / m <= high[0] <= 1
    res = stats.diff_proportions([a], [m], [c], [k])
    assert -1 <= res.loc[0, "ci_low"] <= res.loc[0, "diff"] + 1e-12
    assert res.loc[0, "diff"] - 1e-12 <= res.loc[0, "ci_high"] <= 1


def test_coverage_of_wilson_and_mh_rd():
    rng = np.random.default_rng(7)
    reps = 2000
    n = rng.integers(20, 80, size=reps)
    x = rng.binomial(n, 0.3)
    low, high = stats.wilson_interval(x, n)
    assert 0.93 <= np.mean((low <= 0.3) & (high >= 0.3)) <= 0.97
    covered = 0
    for _ in range(400):
        m = np.array([40, 60, 30])
        k = np.array([50, 40, 70])
        a = rng.binomial(m, [0.5, 0.3, 0.6])
        c = rng.binomial(k, [0.4, 0.2, 0.5])
        res = stats.stratified_diff_proportions(a, m, c, k)
        covered += res.ci_low <= 0.1 <= res.ci_high
    assert 0.91 <= covered / 400 <= 0.98
