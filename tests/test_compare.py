"""Step 1 statistics against direct computations on masked subsets, and the sample's patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from isuwork.analysis.compare import (
    HIGH_MISSING,
    RESULT_TAIL,
    SEX_GAP,
    compare,
    data_quality,
    missing_overview,
    trend,
)
from isuwork.analysis.list_tables import comparison_from_list
from isuwork.analysis.screening import screen
from isuwork.analysis.units import compare_units
from isuwork.data.answer_key import load_answer_key
from isuwork.data.prepare import load
from isuwork.domain.catalog import load_catalog
from isuwork.exceptions import DataError, ParameterError
from isuwork.present import plots
from isuwork.present.screening_text import LARGE_HIDDEN_SENTENCE, describe_screening
from isuwork.privacy.processes import Job
from isuwork.privacy.protected import Protected
from isuwork.privacy.suppression import check_table
from isuwork.workbook.session import screening_list

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load(SAMPLE).data


def _frame(rows: list[tuple[str, str, object, float | None]]) -> pd.DataFrame:
    catalog = load_catalog()
    df = pd.DataFrame(rows, columns=["kon", "verksamhet", "beviljad", "hemtjanst_tim_man"])
    for column in df.columns:
        df[column] = df[column].astype(catalog.dtype(column))
    return df


@pytest.fixture
def small() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for sex, place, n, p in [
        ("kvinna", "lss", 40, 0.7),
        ("man", "lss", 60, 0.5),
        ("kvinna", "aldreomsorg", 50, 0.6),
        ("man", "aldreomsorg", 3, 0.5),
    ]:
        for _ in range(n):
            rows.append((sex, place, bool(rng.random() < p), float(rng.gamma(3, 10))))
    return _frame(rows)


def test_shares_against_direct_computation(small):
    table = compare(small, outcome="beviljad", by=("kon", "verksamhet")).table
    row = table[(table.kon == "kvinna") & (table.verksamhet == "lss")].iloc[0]
    mask = (small.kon == "kvinna") & (small.verksamhet == "lss")
    x, n = int(small.loc[mask, "beviljad"].sum()), int(mask.sum())
    low, high = proportion_confint(x, n, method="wilson")
    assert (row.n, row.antal, row.varde) == (n, x, pytest.approx(x / n))
    assert (row.ci_lag, row.ci_hog) == (pytest.approx(low), pytest.approx(high))
    men = (small.kon == "man") & (small.verksamhet == "lss")
    y, m = int(small.loc[men, "beviljad"].sum()), int(men.sum())
    assert row.skillnad == pytest.approx(x / n - y / m)
    table2x2 = [[x, n - x], [y, m - y]]
    expected_p = sps.chi2_contingency(table2x2, correction=False)[1]
    assert row.p_varde == pytest.approx(expected_p)


def test_means_against_scipy(small):
    table = compare(small, outcome="hemtjanst_tim_man", by=("kon",)).table
    women = small.loc[small.kon == "kvinna", "hemtjanst_tim_man"].astype(float)
    men = small.loc[small.kon == "man", "hemtjanst_tim_man"].astype(float)
    row = table[table.kon == "kvinna"].iloc[0]
    assert row.varde == pytest.approx(women.mean()) and row.metod == "t"
    ci = sps.t.interval(0.95, len(women) - 1, loc=women.mean(), scale=sps.sem(women))
    assert (row.ci_lag, row.ci_hog) == (pytest.approx(ci[0]), pytest.approx(ci[1]))
    welch = sps.ttest_ind(women, men, equal_var=False)
    assert row.p_varde == pytest.approx(welch.pvalue)


def test_small_group_is_hidden_with_its_pair(small):
    table = compare(small, outcome="beviljad", by=("kon", "verksamhet")).table
    tiny = table[(table.kon == "man") & (table.verksamhet == "aldreomsorg")].iloc[0]
    assert np.isnan(tiny.n) and np.isnan(tiny.varde) and tiny.dold
    partner = table[(table.kon == "kvinna") & (table.verksamhet == "aldreomsorg")].iloc[0]
    assert np.isnan(partner.skillnad)  # the difference would reveal the hidden share


@pytest.mark.parametrize(
    "rows",
    [
        [("kvinna", "lss", True, 1.0)],  # a group of one, one sex absent
        [("kvinna", "lss", None, None), ("man", "lss", None, None)],  # all missing
        [],  # empty
    ],
)
def test_edge_cases_keep_the_columns(rows):
    df = _frame(rows) if rows else _frame([("kvinna", "lss", True, 1.0)]).iloc[0:0]
    table = compare(df, outcome="beviljad", by=("kon",)).table
    assert list(table.columns) == ["utfall", "kategori", "kon", *RESULT_TAIL, "dold"]
    assert table["varde"].isna().all()


def test_edge_cases_without_suppression_give_the_direct_values():
    columns = ["utfall", "kategori", "kon", *RESULT_TAIL, "dold"]
    # a group of one, the other sex absent
    one = compare(_frame([("kvinna", "lss", True, 1.0)]), outcome="beviljad", min_n=1).table
    assert list(one.columns) == columns and len(one) == 1
    row = one.iloc[0]
    assert (row.kon, row.n, row.antal, row.varde) == ("kvinna", 1, 1, 1.0)
    low, high = proportion_confint(1, 1, method="wilson")
    assert (row.ci_lag, row.ci_hog) == (pytest.approx(low), pytest.approx(high))
    assert np.isnan(row.skillnad) and np.isnan(row.p_varde) and not row.dold
    # all missing: no group has a known outcome, so there is no row
    rows = [("kvinna", "lss", None, None), ("man", "lss", None, None)]
    none = compare(_frame(rows), outcome="beviljad", min_n=1).table
    assert list(none.columns) == columns and none.empty
    # an empty group in a two-way split: no row for it, and no difference for its partner
    rows = [("kvinna", "lss", True, 1.0), ("man", "lss", False, 2.0)]
    rows += [("kvinna", "aldreomsorg", False, 3.0), ("kvinna", "aldreomsorg", True, 5.0)]
    table = compare(_frame(rows), outcome="beviljad", by=("kon", "verksamhet"), min_n=1).table
    assert len(table) == 3
    lss = table[(table.kon == "kvinna") & (table.verksamhet == "lss")].iloc[0]
    assert lss.skillnad == 1.0 and lss.test == "fisher"
    assert lss.p_varde == pytest.approx(sps.fisher_exact([[1, 0], [0, 1]]).pvalue)
    alone = table[(table.kon == "kvinna") & (table.verksamhet == "aldreomsorg")].iloc[0]
    assert (alone.n, alone.antal, alone.varde) == (2, 1, 0.5) and np.isnan(alone.skillnad)
    # means: a group of one has a mean but no interval, and Welch needs two in each group
    means = compare(_frame(rows), outcome="hemtjanst_tim_man", min_n=1).table
    women = means[means.kon == "kvinna"].iloc[0]
    men = means[means.kon == "man"].iloc[0]
    assert (women.n, women.varde, men.n, men.varde) == (3, 3.0, 1, 2.0)
    ci = sps.t.interval(0.95, 2, loc=3.0, scale=sps.sem([1.0, 3.0, 5.0]))
    assert (women.ci_lag, women.ci_hog) == (pytest.approx(ci[0]), pytest.approx(ci[1]))
    assert np.isnan(men.ci_lag) and np.isnan(women.skillnad) and np.isnan(women.p_varde)


def test_category_seen_only_where_the_group_is_unknown_is_left_out():
    df = pd.DataFrame(
        {
            "kon": pd.Categorical(["kvinna", "man", "kvinna", None]),
            "mal_uppfyllelse": pd.Categorical(["helt", "delvis", "helt", "inte"]),
        }
    )
    table = compare(df, outcome="mal_uppfyllelse", by=("kon",), min_n=1).table
    assert set(table["kategori"]) == {"helt", "delvis"}
    got = {(r.kon, r.kategori): (r.n, r.antal) for r in table.itertuples()}
    assert got == {
        ("kvinna", "helt"): (2, 2),
        ("kvinna", "delvis"): (2, 0),
        ("man", "helt"): (1, 0),
        ("man", "delvis"): (1, 1),
    }


def test_errors_are_swedish(small):
    with pytest.raises(DataError, match="Uppgift saknas: mal_uppfyllelse"):
        compare(small, outcome="mal_uppfyllelse")
    with pytest.raises(ParameterError, match="varken en kolumn"):
        compare(small, outcome="finns_inte")


def test_categories_sum_to_the_group(sample):
    table = compare(sample, outcome="mal_uppfyllelse", by=("kon",)).table
    women = table[table.kon == "kvinna"]
    assert women["antal"].sum() == women["n"].iloc[0]
    direct = sample.loc[sample.kon == "kvinna", "mal_uppfyllelse"].value_counts()
    for row in women.itertuples():
        assert row.antal == direct[row.kategori]


def test_trend_has_each_year(sample):
    table = trend(sample, outcome="beviljad").table
    assert set(table["ar"]) == {2023, 2024} and len(table) == 4


def test_data_quality_direct(sample):
    table = data_quality(sample).table
    row = table[(table.variabel == "velat_delta") & (table.kon == "man")].iloc[0]
    men = sample[sample.kon == "man"]
    assert row.saknas == men["velat_delta"].isna().sum()
    assert row.andel_saknas == pytest.approx(men["velat_delta"].isna().mean())


def test_units_and_funnel_limits(sample):
    units = compare_units(sample, indicator="antal_lo_utredda").table
    key = next(p for p in load_answer_key()["patterns"] if p["enhetsjamforelse"])
    flagged = set(units.loc[units.utanfor == "under", "kommun"])
    assert flagged == set(key["enhetsjamforelse"]["avvikande"])
    overall = sample["antal_lo_utredda"].astype(float)
    row = units.iloc[0]
    half = 3.090232306167813 * overall.std(ddof=1) / np.sqrt(row.n)
    assert row.grans998_hog - row.total == pytest.approx(half)
    assert row.total == pytest.approx(overall.mean())


def test_enheter_are_compared_within_their_own_kommun(sample):
    """Two kommuner with an enhet of the same name: each enhet is its own row, set against its
    own kommun's value, never pooled with the other kommun's namesake."""
    two = sample[sample["kommun"].isin(["Granåker", "Sjövik"])].copy()
    two["enhet"] = two["enhet"].astype(str).str.split().str[-1]  # "Norra" in both kommuner
    units = compare_units(two, indicator="beviljad", unit="enhet").table
    assert units.columns[0] == "kommun" and "enhet" in units
    assert len(units) == two.groupby(["kommun", "enhet"], observed=True).ngroups
    for (kommun, enhet), row in units.set_index(["kommun", "enhet"]).iterrows():
        own = two[two["kommun"] == kommun]
        rows = own[own["enhet"] == enhet]["beviljad"].dropna().astype(float)
        assert row["n"] == len(rows) and row["varde"] == pytest.approx(rows.mean())
        assert row["total"] == pytest.approx(own["beviljad"].dropna().astype(float).mean())
    # one funnel has one kommun's limits: the plot asks which kommun, in Swedish
    with pytest.raises(ParameterError, match="2 kommuner"):
        plots.funnel(Protected(units, min_n=5))
    ax = plots.funnel(Protected(units, min_n=5), kommun="sjövik")
    assert "hela Sjövik" in ax.get_title()
    assert len(ax.texts) == (units["kommun"] == "Sjövik").sum()


def test_screening_lists_every_planted_sex_difference(sample):
    """'Top' = significant after Benjamini–Hochberg, so in the list's first block, ahead of every
    row that is not (ranked within the block by effect size, which puts large differences in
    small groups above the planted ones of middling size)."""
    table = screen(sample).table
    significant = table["p_justerat"] < 0.05
    top = int(significant.sum())
    assert significant.iloc[:top].all() and not significant.iloc[top:].any()
    for pattern in load_answer_key()["patterns"]:
        where = pattern["screening"]
        if not where:
            continue
        hit = table[
            (table.utfall == pattern["utfall"])
            & (table.bakgrund == where["bakgrund"])
            & (table.niva == where["niva"])
            & (
                table.kategori.isna()
                if "kategori" not in where
                else table.kategori == where["kategori"]
            )
        ]
        assert len(hit) == 1, pattern["id"]
        assert hit.iloc[0].p_justerat < 0.05, pattern["id"]
        assert hit.iloc[0].rang <= top, (pattern["id"], hit.iloc[0].rang, top)


def test_screening_values_match_compare(sample):
    table = describe_screening(
        screen(sample, outcomes=["beviljad"], background=["verksamhet"])
    ).table
    row = table[(table.bakgrund == "verksamhet") & (table.niva == "lss")].iloc[0]
    direct = compare(sample, outcome="beviljad", by=("kon",), filters={"verksamhet": "lss"}).table
    women = direct[direct.kon == "kvinna"].iloc[0]
    assert row.varde_kvinna == pytest.approx(women.varde)
    assert row.skillnad == pytest.approx(women.skillnad)
    assert "Beviljad (helt eller delvis), LSS: kvinnor" in row.mening


def test_screening_hides_small_cells():
    rows = [("kvinna", "lss", True, 1.0)] * 30 + [("man", "lss", True, 1.0)] * 3
    rows += [("man", "lss", False, 1.0)] * 20
    table = describe_screening(
        screen(_frame(rows), outcomes=["beviljad"], background=["verksamhet"])
    ).table
    # 3 of 23 men granted: too few to show, so the comparison is hidden
    assert table["dold"].all() and table["varde_man"].isna().all()
    assert table[["skillnad", "p_varde", "p_justerat", "storlek"]].isna().all(axis=None)
    # 30 of 30 women: everyone, but in a group of 30 that is a share, not a fact about each one
    assert (table["varde_kvinna"] == 1.0).all()
    # verksamhet=lss holds every case: listed once, as "alla"
    assert table["bakgrund"].tolist() == ["alla"]
    # significant, but beside the women's value "large" would tell roughly where the men lie
    assert not table["stor_dold_skillnad"].any()
    # 3 of 4 women against 3 of 23 men: significant, neither value shown: named, without numbers
    named = [("kvinna", "lss", True, 1.0)] * 4 + [("man", "lss", True, 1.0)] * 3
    named += [("man", "lss", False, 1.0)] * 20
    flagged = describe_screening(
        screen(_frame(named), outcomes=["beviljad"], background=["verksamhet"])
    ).table
    assert flagged["stor_dold_skillnad"].all()
    assert (flagged["mening"] == LARGE_HIDDEN_SENTENCE).all()
    # 30 of 30 women against 7 of 8 men: hidden, and not a clear difference
    close = [("kvinna", "lss", True, 1.0)] * 30 + [("man", "lss", True, 1.0)] * 7
    close += [("man", "lss", False, 1.0)]
    small = describe_screening(screen(_frame(close), outcomes=["beviljad"], background=[])).table
    assert small["dold"].all() and not small["stor_dold_skillnad"].any()
    assert (small["mening"] == "Värden visas inte: för få personer.").all()


def test_indirect_standardisation_by_hand():
    catalog = load_catalog()
    # Unit A has mostly high need, B mostly low; within need both grant at the same rates.
    rows = []
    for unit, high, low in (("A", 80, 20), ("B", 20, 80)):
        rows += [(unit, "4", True)] * int(high * 0.9) + [(unit, "4", False)] * (
            high - int(high * 0.9)
        )
        rows += [(unit, "1", True)] * int(low * 0.3) + [(unit, "1", False)] * (low - int(low * 0.3))
    df = pd.DataFrame(rows, columns=["kommun", "behov_max", "beviljad"])
    df["beviljad"] = df["beviljad"].astype(catalog.dtype("beviljad"))
    df["behov_max"] = df["behov_max"].astype("Int64")
    crude = compare_units(df, indicator="beviljad").table
    adjusted = compare_units(df, indicator="beviljad", adjust=("behov_max",)).table
    total = df["beviljad"].astype(float).mean()
    # expected for A: 80 * rate(need 4) + 20 * rate(need 1); the rates are equal in A and B
    expected_a = 80 * 0.9 + 20 * 0.3
    observed_a = df[df.kommun == "A"]["beviljad"].sum()
    a = adjusted[adjusted.kommun == "A"].iloc[0]
    assert a.varde == pytest.approx(observed_a / expected_a * total)
    assert a.varde == pytest.approx(total)  # no difference left once need is held
    assert crude[crude.kommun == "A"].iloc[0].varde > crude[crude.kommun == "B"].iloc[0].varde + 0.3
    assert a.varde_ojusterat == pytest.approx(crude[crude.kommun == "A"].iloc[0].varde)


def test_screening_hides_no_level_that_the_total_gives_back(sample):
    """Within one background variable the levels add up to the 'alla' row: never one unknown."""
    data = sample[sample["kommun"] == "Exempelby"]
    table = screen(data, min_n=10).table
    assert table["dold"].any()
    checked = 0
    for (utfall, kategori, bakgrund), block in table.groupby(
        ["utfall", table["kategori"].fillna(""), "bakgrund"]
    ):
        if bakgrund == "alla":
            continue
        total = table[
            (table["utfall"] == utfall)
            & (table["kategori"].fillna("") == kategori)
            & (table["bakgrund"] == "alla")
        ]
        for sex in ("kvinna", "man"):
            cells = pd.concat([block[f"n_{sex}"], total[f"n_{sex}"]])
            if cells.isna().sum() == 1:
                # one unknown is safe only when some cases lie outside the listed levels
                outside = data[utfall].notna() & data[bakgrund].isna() & (data["kon"] == sex)
                assert outside.any(), (utfall, kategori, bakgrund, sex)
            checked += 1
    assert checked > 100


def _direct_screen_row(data: pd.DataFrame, row: pd.Series) -> dict[str, float]:
    """The statistics of one screening row, computed afresh on the masked subset."""
    mask = data["kommun"] == row.kommun
    if row.bakgrund != "alla":
        mask &= data[row.bakgrund].astype("string") == row.niva
    y = data.loc[mask, row.utfall]
    sex = data.loc[mask, "kon"].astype("string")
    known = y.notna().to_numpy()
    out: dict[str, float] = {}
    groups = {}
    for code in ("kvinna", "man"):
        values = y[(sex == code).to_numpy() & known]
        if pd.notna(row.kategori):
            values = (values.astype("string") == row.kategori).astype(float)
        else:
            values = values.astype(float)
        groups[code] = values
        out[f"n_{code}"] = len(values)
        out[f"varde_{code}"] = values.mean()
    women, men = groups["kvinna"], groups["man"]
    out["skillnad"] = women.mean() - men.mean()
    if row.skala == "medel":
        out["p_varde"] = sps.ttest_ind(women, men, equal_var=False).pvalue
    else:
        table = np.array(
            [[women.sum(), len(women) - women.sum()], [men.sum(), len(men) - men.sum()]]
        )
        if (sps.contingency.expected_freq(table) < 5).any():
            out["p_varde"] = sps.fisher_exact(table).pvalue
        else:
            out["p_varde"] = sps.chi2_contingency(table, correction=False).pvalue
    return out


def test_screening_per_kommun_matches_direct_computation(sample):
    """Every kind of outcome, background and kommun, recomputed row by row (no suppression)."""
    table = screen(sample, per="kommun", min_n=1).table
    assert set(table["kommun"]) == set(sample["kommun"])
    assert not table["dold"].any()
    checked = table[table["skillnad"].notna()].sample(300, random_state=4)
    numeric = checked["utfall"].map(lambda u: load_catalog().variable(u).type in ("int", "number"))
    checked["skala"] = np.where(numeric, "medel", "andel")
    assert numeric.any() and checked["kategori"].notna().any()
    assert (checked["bakgrund"] != "alla").any() and (checked["bakgrund"] == "alla").any()
    for _, row in checked.iterrows():
        expected = _direct_screen_row(sample, row)
        for column, value in expected.items():
            assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-12), (column, dict(row))


def test_screening_in_two_processes_gives_the_same_list(sample, monkeypatch):
    """Units are screened and protected in separate processes, the list ranked as a whole
    afterwards: the same list, every hidden cell, scale and category included."""
    from isuwork.privacy import processes

    data = sample.copy()
    # a category that occurs in one kommun only gets its rows there, whichever process screens
    # it (each kommun's rows are those of its own list), and means are in the whole list
    first = data["kommun"] == sorted(data["kommun"].unique())[0]
    data["mal_uppfyllelse"] = data["mal_uppfyllelse"].cat.add_categories("ovrigt")
    data.loc[first & data["mal_uppfyllelse"].notna(), "mal_uppfyllelse"] = "ovrigt"
    one = screen(data, per="kommun", workers=1).table
    started = []
    monkeypatch.setattr(processes, "Job", lambda *a, **k: started.append(1) or Job(*a, **k))
    two = screen(data, per="kommun", workers=2).table
    assert started == [1]
    pd.testing.assert_frame_equal(one, two)
    assert one["dold"].sum() > 100
    ovrigt = one[one["kategori"] == "ovrigt"]
    assert len(ovrigt) and set(ovrigt["kommun"]) == {data.loc[first, "kommun"].iloc[0]}
    assert (one["utfall"] == "handlaggningstid_dagar").any()


def test_screening_falls_back_to_one_process_with_a_warning(sample, monkeypatch):
    from isuwork.privacy import processes
    from isuwork.privacy.processes import JobError

    class Broken:
        def __init__(self, *args, **kwargs):
            pass

        def result(self):
            raise JobError("MemoryError")

    expected = screen(sample, per="kommun", outcomes=["beviljad"], workers=1).table
    monkeypatch.setattr(processes, "Job", Broken)
    with pytest.warns(RuntimeWarning, match="egen process.*MemoryError"):
        got = screen(sample, per="kommun", outcomes=["beviljad"], workers=2).table
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_screening_rejects_a_bad_number_of_processes(sample, workers):
    with pytest.raises(ParameterError, match="workers"):
        screen(sample.head(200), workers=workers)


def test_a_table_taken_from_the_list_shows_exactly_the_lists_cells(sample):
    """The page's kön x age table and its trend come from the protected list: the same counts,
    hidden the same way, so the page gives nothing away that the list does not."""
    rows = sample[sample["kommun"] == "Sjövik"]
    listing = screening_list(rows, min_n=5, extra=["aldersgrupp", "ar"])
    table = comparison_from_list(listing, outcome="beviljad", by="aldersgrupp").table
    check_table(table, min_n=5)
    listed = listing.table[listing.table["utfall"] == "beviljad"]
    for _, row in table.iterrows():
        level = None if row["aldersgrupp"] == "Totalt" else row["aldersgrupp"]
        source = listed[
            (listed["bakgrund"] == ("alla" if level is None else "aldersgrupp"))
            & (listed["niva"].fillna("") == (level or ""))
        ].iloc[0]
        for column in ("n", "varde"):
            mine, theirs = row[column], source[f"{column}_{row['kon']}"]
            assert (pd.isna(mine) and pd.isna(theirs)) or mine == pytest.approx(theirs)
        if pd.notna(row["varde"]):  # Wilson from the counts shown
            low, high = proportion_confint(row["antal"], row["n"], method="wilson")
            assert (row["ci_lag"], row["ci_hog"]) == (pytest.approx(low), pytest.approx(high))
    # the total per kön is a row of its own, and the years are numbers in order
    assert set(table.loc[table["aldersgrupp"] == "Totalt", "kon"]) == {"kvinna", "man"}
    years = comparison_from_list(listing, outcome="beviljad", by="ar", total=False).table
    assert years["ar"].tolist() == sorted(years["ar"].tolist())
    with pytest.raises(ParameterError, match="andel"):
        comparison_from_list(listing, outcome="hemtjanst_tim_man", by="aldersgrupp")
    with pytest.raises(ParameterError, match="bakgrund"):
        comparison_from_list(listing, outcome="beviljad", by="bostadsomrade")


def test_missing_overview_one_row_per_variable_with_something_missing(sample):
    """Without a grouping: each sex's share missing agrees with data_quality; complete and
    absent variables are named under the table instead of given rows."""
    full = data_quality(sample).table
    overview = missing_overview(sample, by=None)
    table = overview.table
    labels = set(table["etikett"])
    for label, part in full.groupby("etikett"):
        shares = part.set_index("kon")["andel_saknas"]
        if (shares == 0).all():
            assert label not in labels and label in overview.footnotes[1]
        elif (shares == 1).all():
            assert label not in labels and label in overview.footnotes[-1]
        elif shares.max() < HIGH_MISSING and shares.max() - shares.min() < SEX_GAP:
            assert label not in labels and label in overview.footnotes[2]
        else:
            row = table[table["etikett"] == label].iloc[0]
            assert row["andel_saknas_kvinna"] == pytest.approx(shares["kvinna"])
            assert row["andel_saknas_man"] == pytest.approx(shares["man"])
    assert len(table) < full["variabel"].nunique()


def test_missing_overview_per_verksamhet_shows_what_matters(sample):
    """Per verksamhet, a row where a fifth or more is missing for either sex or the sexes
    differ by 5 points or more, counted directly with pandas; a variable missing for everyone
    in a verksamhet (it does not apply there) is named under the table, not given a row."""
    overview = missing_overview(sample)
    table = overview.table
    shown = {(v, label) for v, label in zip(table["verksamhet"], table["etikett"], strict=True)}
    catalog = load_catalog()
    expected, unused = set(), set()
    for verksamhet, part in sample.groupby("verksamhet", observed=True):
        for column in part.columns:
            if column in ("kon", "verksamhet") or column not in catalog:
                continue
            if catalog.variable(column).role == "id":
                continue
            missing = part[column].isna().groupby(part["kon"].astype("string")).mean()
            if (missing == 1).all():
                unused.add((verksamhet, catalog.label(column)))
            elif missing.max() >= HIGH_MISSING or missing.max() - missing.min() >= SEX_GAP:
                expected.add((verksamhet, catalog.label(column)))
    assert shown == expected
    assert not shown & unused
    assert "Saknas för alla i en verksamhet" in overview.footnotes[-1]
    for verksamhet, label in unused:
        assert f"{catalog.code_label('verksamhet', verksamhet)}: " in overview.footnotes[-1]
        assert label in overview.footnotes[-1]
