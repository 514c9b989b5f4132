"""Output layers: Swedish formatting, hidden cells, JSON/Excel, and charts inspected via artists."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from isuwork.exceptions import ParameterError, PrivacyError
from isuwork.present import excel, plots, tables
from isuwork.privacy.protected import Protected, protect


@pytest.fixture
def share_table() -> Protected:
    raw = pd.DataFrame(
        {
            "utfall": "beviljad",
            "kategori": pd.NA,
            "kon": ["kvinna", "man", "kvinna", "man"],
            "aldersgrupp": ["80-84", "80-84", "90+", "90+"],
            "n": [120, 80, 30, 3],
            "antal": [60, 30, 20, 2],
            "varde": [0.5, 0.375, 20 / 30, 2 / 3],
            "ci_lag": [0.41, 0.28, 0.49, 0.2],
            "ci_hog": [0.59, 0.48, 0.81, 0.94],
            "metod": "wilson",
            "skillnad": [0.125, 0.125, 0.0, 0.0],
            "skillnad_ci_lag": [-0.01, -0.01, -0.5, -0.5],
            "skillnad_ci_hog": [0.26, 0.26, 0.5, 0.5],
            "p_varde": [0.08, 0.08, 1.0, 1.0],
        }
    )
    return protect(raw, min_n=5, group_cols=["kon", "aldersgrupp"])


def test_display_is_swedish_and_marks_hidden(share_table):
    shown = tables.display(share_table)
    assert "Antal utredningar" in shown.columns and "Kön" in shown.columns
    assert shown.iloc[0]["Andel eller medelvärde"] == "50,0\u00a0%"
    assert shown.iloc[0]["Åldersgrupp"] == "80–84 år"
    assert shown.iloc[0]["Skillnad (kvinnor − män)"] == "12,5 p.e."
    assert shown.iloc[3]["Antal utredningar"] == ".."
    assert shown.iloc[3]["Andel eller medelvärde"] == ".."
    assert tables.footnotes(share_table) == "Värden som bygger på färre än 5 personer visas inte."
    assert tables.to_text(share_table).endswith(tables.footnotes(share_table))


def test_json_records_null_and_dold(share_table):
    records = json.loads(json.dumps(tables.to_records(share_table)))
    assert records[0]["varde"] == 0.5 and records[0]["dold"] is False
    assert records[3]["n"] is None and records[3]["varde"] is None and records[3]["dold"] is True
    assert records[2]["skillnad"] is None  # the pair partner is hidden


def test_outputs_refuse_unsuppressed_tables(share_table):
    raw = share_table.table.copy()
    raw.loc[3, ["n", "antal", "varde"]] = [3, 2, 2 / 3]
    for render in (tables.display, tables.to_records, tables.to_text, tables.show):
        with pytest.raises(PrivacyError, match="under 5"):
            render(Protected(raw, min_n=5))  # a small count, whatever the wrapper says
        with pytest.raises(PrivacyError, match="inte gått igenom skyddet"):
            render(share_table.table)  # a bare frame carries no threshold: refused


def test_excel_has_swedish_headers_and_footnote(share_table, tmp_path):
    path = tables.to_excel({"Beviljad": share_table}, tmp_path / "ut.xlsx")
    sheet = pd.read_excel(path, sheet_name="Beviljad", dtype=str)
    assert "Antal utredningar" in sheet.columns
    assert sheet.iloc[-1, 0].startswith("Värden som bygger på färre än 5")
    assert ".." in sheet["Antal utredningar"].tolist()


def test_excel_cells_are_numbers_with_formats(share_table, tmp_path):
    from openpyxl import load_workbook

    path = tables.to_excel({"Beviljad": share_table}, tmp_path / "ut.xlsx")
    sheet = load_workbook(path)["Beviljad"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, sheet[2], strict=False))
    assert first["Antal utredningar"].value == 120
    assert first["Antal utredningar"].number_format == tables.COUNT_FORMAT
    assert first["Andel eller medelvärde"].value == pytest.approx(0.5)
    assert first["Andel eller medelvärde"].number_format == tables.PERCENT_FORMAT
    # a difference of shares in percentage points, as on the page (12,5 p.e.)
    assert first["Skillnad (kvinnor − män)"].value == pytest.approx(12.5)
    assert first["Skillnad (kvinnor − män)"].number_format == tables.POINTS_FORMAT
    assert first["p-värde"].value == pytest.approx(0.08)
    assert first["Åldersgrupp"].value == "80–84 år"
    hidden = dict(zip(header, sheet[5], strict=False))
    assert (
        hidden["Antal utredningar"].value == ".." and hidden["Andel eller medelvärde"].value == ".."
    )
    assert sheet.freeze_panes == "A2"


def test_a_selection_of_columns_keeps_shares_and_hidden_marks(share_table):
    shares = Protected(share_table.table, min_n=5, kinds={"beviljad": "share"})
    part = shares[["kon", "n", "skillnad"]]
    shown = tables.display(part)
    assert list(shown.columns) == ["Kön", "Antal utredningar", "Skillnad (kvinnor − män)"]
    assert shown.iloc[0]["Skillnad (kvinnor − män)"] == "12,5 p.e."  # not "0,1"
    assert shown.iloc[3]["Antal utredningar"] == ".."  # not an empty cell
    means = Protected(share_table.table, min_n=5, kinds={"beviljad": "mean"})
    assert tables.display(means[["kon", "skillnad"]]).iloc[0, 1] == "0,1"


def test_table_payload_travels_with_the_html(share_table):
    bundle = tables.show(share_table, caption="Beviljade")._repr_mimebundle_()
    payload = bundle[tables.TABLE_MIME]
    assert "<table" in bundle["text/html"]
    json.dumps(payload)  # JSON, as notebooks store it
    assert payload["caption"] == "Beviljade"
    assert payload["rows"][0][payload["columns"].index("Antal utredningar")] == [120, "#,##0"]
    assert payload["rows"][3][payload["columns"].index("Antal utredningar")] == ["..", None]


def test_sheet_names_are_short_unique_and_legal():
    names = excel.sheet_names(["Om rapporten", "a/b: c?", "x" * 40, "x" * 40, ""])
    assert names[0] != "Om rapporten" and names[1] == "a b  c"
    assert len(names[2]) == 31 and len(names[3]) <= 31 and names[2] != names[3]
    assert names[4] == "Tabell 5"


def test_a_folded_table_sits_under_its_caption_in_a_section_the_reader_opens(share_table):
    page = tables.to_html(share_table, caption="Beviljade per kön", folded=True)
    assert page.startswith("<details><summary>Beviljade per kön</summary><table")
    assert page.endswith("</details>") and "50,0" in page
    bundle = tables.show(share_table, caption="Beviljade per kön", folded=True)._repr_mimebundle_()
    assert bundle["text/html"] == page  # the Excel workbook still gets the numbers
    assert bundle[tables.TABLE_MIME]["caption"] == "Beviljade per kön"


def test_html_has_no_scripts(share_table):
    page = tables.to_html(share_table, caption="Beviljade")
    assert "<table" in page and "<script" not in page and "http" not in page


def test_bars_heights_intervals_hatches_and_hidden(share_table):
    ax = plots.bars(share_table)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
    heights = sorted(round(b.get_height(), 3) for b in bars)
    assert heights == sorted(round(v, 3) for v in share_table.table["varde"].dropna())
    hatches = {b.get_hatch() or "" for b in bars}
    assert hatches == {"", "//"}  # kön told apart by more than colour
    hidden = [t for t in ax.texts if t.get_text() == ".."]
    assert len(hidden) == 1  # the hidden group is marked, not drawn as zero
    # each drawn bar has its interval: a vertical segment from ci_lag to ci_hog at its centre
    segments = [seg for c in ax.collections for seg in c.get_segments()]
    spans = sorted((round(s[0][1], 3), round(s[1][1], 3)) for s in segments)
    shown = share_table.table.dropna(subset=["varde"])
    assert spans == sorted(zip(shown["ci_lag"].round(3), shown["ci_hog"].round(3), strict=True))
    centres = sorted(round(b.get_x() + b.get_width() / 2, 6) for b in bars)
    assert sorted(round(s[0][0], 6) for s in segments) == centres
    assert ax.get_xticklabels()[0].get_text().startswith("80–84")
    assert "%" in ax.yaxis.get_major_formatter()(0.5, 0)


def test_forest_orders_and_scales():
    screening = pd.DataFrame(
        {
            "utfall": ["beviljad", "deltog_utredningssamtal"],
            "kategori": [pd.NA, pd.NA],
            "bakgrund": ["verksamhet", "alla"],
            "niva": ["lss", pd.NA],
            "skillnad": [0.12, -0.08],
            "skillnad_ci_lag": [0.05, -0.12],
            "skillnad_ci_hog": [0.19, -0.04],
        }
    )
    ax = plots.forest(Protected(screening, min_n=5))
    xs = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "D"]
    assert sorted(np.round(xs, 6)) == [-8.0, 12.0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("Beviljad") and "LSS" in labels[-1]


def _png(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def test_forest_is_the_same_drawn_once_or_twice():
    """A notebook draws a chart once more after each cell (pyplot's hook) unless told not to;
    the page of a render kernel, which is told, must equal the page of a fresh kernel. These
    rows (one kommun of the benchmark's synthetic national file) moved by a few pixels when
    the constrained layout ran on a second draw."""
    categories = ["ja", "egen", "egen", "egen", "egen", "egen", None, None]
    categories += ["make_maka", "make_maka", "egen", "ja", "make_maka", "make_maka", "make_maka"]
    screening = pd.DataFrame(
        {
            "utfall": ["kommunikationsstod", *["initiativ"] * 5, "antal_lo_utredda"]
            + ["hemtjanst_tim_man", "initiativ", "initiativ", "initiativ"]
            + ["kommunikationsstod", "initiativ", "initiativ", "initiativ"],
            "kategori": categories,
            "bakgrund": ["ansokt_insats", "aldersgrupp", "ansokt_insats", "aldersgrupp"]
            + ["ansokt_insats", "aldersgrupp", "ansokt_insats", "arendetyp", "aldersgrupp"]
            + ["ansokt_insats", "verksamhet", "verksamhet", "ansokt_insats", "aldersgrupp"]
            + ["verksamhet"],
            "niva": ["lss5", "85-89", "ledsagning", "0-64", "matdistribution", "80-84", "lss1"]
            + ["omprovning", "75-79", "trygghetslarm", "aldreomsorg", "lss", "sarskilt_boende"]
            + ["80-84", "aldreomsorg"],
            "n_kvinna": [17, 98, 60, 70, 54, 144, 14, 83, 182, 199, 1283, 339, 238, 144, 1283],
            "n_man": [21, 39, 38, 29, 40, 61, 22, 28, 94, 104, 642, 537, 122, 61, 642],
            "varde_kvinna": [0.0, 0.347, 0.317, 0.3, 0.296, 0.292, 7.571, 74.861, 0.093, 0.085]
            + [0.27, 0.053, 0.092, 0.104, 0.097],
            "varde_man": [0.524, 0.0, 0.0, 0.0, 0.0, 0.0, 8.727, 100.482, 0.457, 0.423, 0.023]
            + [0.339, 0.41, 0.426, 0.407],
            "skillnad": [-0.524, 0.347, 0.317, 0.3, 0.296, 0.292, -1.156, -25.621, -0.364]
            + [-0.338, 0.247, -0.286, -0.317, -0.322, -0.309],
            "skillnad_ci_lag": [-0.717, 0.222, 0.178, 0.15, 0.16, 0.201, -1.905, -39.998]
            + [-0.47, -0.439, 0.219, -0.331, -0.411, -0.453, -0.35],
            "skillnad_ci_hog": [-0.252, 0.445, 0.442, 0.415, 0.428, 0.371, -0.407, -11.244]
            + [-0.254, -0.236, 0.274, -0.237, -0.223, -0.191, -0.268],
        }
    )
    kinds = {"initiativ": "category", "kommunikationsstod": "category"}
    kinds |= {"antal_lo_utredda": "mean", "hemtjanst_tim_man": "mean"}
    once = plots.forest(Protected(screening, min_n=5, kinds=kinds)).figure
    twice = plots.forest(Protected(screening, min_n=5, kinds=kinds)).figure
    twice.canvas.draw()
    assert _png(once) == _png(twice)


def test_forest_never_draws_a_mean_on_the_axis_of_shares():
    """A mean of −0,405 insatser was drawn at −40,5 percentage points: means now get a panel of
    their own, in percent of the men's mean, with both means in the label."""
    screening = pd.DataFrame(
        {
            "utfall": ["beviljad", "antal_insatser_efter", "hemtjanst_tim_man"],
            "kategori": pd.NA,
            "bakgrund": "alla",
            "niva": pd.NA,
            "n_kvinna": [120, 120, 60],
            "n_man": [100, 100, 50],
            "varde_kvinna": [0.62, 1.62, 79.3],
            "varde_man": [0.50, 2.025, 101.7],
            "skillnad": [0.12, -0.405, -22.4],
            "skillnad_ci_lag": [0.05, -0.6, -39.4],
            "skillnad_ci_hog": [0.19, -0.21, -8.2],
        }
    )
    kinds = {"beviljad": "share", "antal_insatser_efter": "mean", "hemtjanst_tim_man": "mean"}
    ax = plots.forest(Protected(screening, min_n=5, kinds=kinds))
    share_panel, mean_panel = ax.figure.axes
    assert share_panel is ax
    xs = [line.get_xdata()[0] for line in share_panel.lines if line.get_marker() == "D"]
    assert np.round(xs, 6).tolist() == [12.0]
    means = [line.get_xdata()[0] for line in mean_panel.lines if line.get_marker() == "D"]
    assert sorted(np.round(means, 3)) == sorted(
        [round(-0.405 / 2.025 * 100, 3), round(-22.4 / 101.7 * 100, 3)]
    )
    labels = [t.get_text() for t in mean_panel.get_yticklabels()]
    assert any(label.endswith("1,6 mot 2,0") for label in labels), labels
    assert "procent av männens medelvärde" in mean_panel.get_xlabel()
    assert "procentenheter" in share_panel.get_xlabel()
    with pytest.raises(ParameterError, match="var sin del"):
        plots.forest(Protected(screening, min_n=5, kinds=kinds), ax=share_panel)


def test_trend_funnel_life_areas_and_action_matrix():
    trend = pd.DataFrame(
        {
            "utfall": "beviljad",
            "kon": ["kvinna", "man"] * 2,
            "ar": [2023, 2023, 2024, 2024],
            "n": [40, 30, np.nan, 35],
            "varde": [0.5, 0.4, np.nan, 0.45],
            "ci_lag": [0.4, 0.3, np.nan, 0.35],
            "ci_hog": [0.6, 0.5, np.nan, 0.55],
            "metod": "wilson",
        }
    )
    ax = plots.trend(Protected(trend, min_n=5))
    assert len(ax.lines) == 2 and any(t.get_text() == ".." for t in ax.texts)
    units = pd.DataFrame(
        {
            "kommun": ["A", "B"],
            "utfall": "antal_lo_utredda",
            "n": [3000, 2900],
            "varde": [8.1, 4.6],
            "ci_lag": [8.0, 4.5],
            "ci_hog": [8.2, 4.7],
            "total": 6.4,
            "grans95_lag": [6.3, 6.3],
            "grans95_hog": [6.5, 6.5],
            "grans998_lag": [6.2, 6.2],
            "grans998_hog": [6.6, 6.6],
            "utanfor": ["över", "under"],
        }
    )
    ax = plots.funnel(Protected(units, min_n=5))
    assert {t.get_text() for t in ax.texts} >= {"A", "B"}
    ax = plots.life_areas(Protected(units, min_n=5))
    assert [round(p.get_height(), 1) for p in ax.patches] == [8.1, 4.6]
    actions = pd.DataFrame(
        {
            "beskrivning": ["Utbildning om genusbias", "Ny rutin för samtal"],
            "insats": ["latt", "svar"],
            "effekt": ["stor", "liten"],
        }
    )
    ax = plots.action_matrix(actions)
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert texts["Utbildning om genusbias"][0] < 1 < texts["Utbildning om genusbias"][1]
    assert texts["Ny rutin för samtal"][0] > 1 > texts["Ny rutin för samtal"][1]


def test_charts_refuse_numbers_the_rules_hide():
    """A table that skipped suppress() (a share for three people) is not drawn."""
    raw = pd.DataFrame(
        {
            "utfall": "beviljad",
            "kon": ["kvinna", "man"],
            "n": [3, 40],
            "antal": [2, 20],
            "varde": [2 / 3, 0.5],
            "ci_lag": [0.2, 0.35],
            "ci_hog": [0.9, 0.65],
            "metod": "wilson",
        }
    )
    for draw in (plots.bars, plots.trend, plots.forest, plots.funnel, plots.life_areas):
        with pytest.raises(PrivacyError, match="under 5"):
            draw(Protected(raw.assign(ar=2024), min_n=5))
        with pytest.raises(PrivacyError, match="inte gått igenom skyddet"):
            draw(protect(raw).table)  # protected values, but no threshold to check them by
    assert plots.bars(protect(raw)).texts  # the hidden bar is marked, the other drawn


def test_a_need_adjusted_funnel_is_drawn_with_shares_in_percent():
    """compare_units(..., adjust=...) adds varde_ojusterat, the unit's own value before the
    adjustment: it is checked against the row's n (PrivacyError before), and the axis reads
    in percent with the outcome's label."""
    units = pd.DataFrame(
        {
            "utfall": "beviljad",
            "enhet": ["Norr", "Söder", "Liten"],
            "n": [1000, 980, np.nan],
            "antal": [620, 540, np.nan],
            "varde": [0.62, 0.55, np.nan],
            "ci_lag": [0.59, 0.52, np.nan],
            "ci_hog": [0.65, 0.58, np.nan],
            "metod": "wilson+indirekt",
            "varde_ojusterat": [0.6, 0.56, np.nan],
            "total": 0.58,
            "grans95_lag": [0.55, 0.55, np.nan],
            "grans95_hog": [0.61, 0.61, np.nan],
            "grans998_lag": [0.53, 0.53, np.nan],
            "grans998_hog": [0.63, 0.63, np.nan],
            "utanfor": ["inom", "inom", "inom"],
            "dold": [False, False, True],
        }
    )
    ax = plots.funnel(Protected(units, min_n=5))
    assert {t.get_text() for t in ax.texts} == {"Norr", "Söder"}
    assert ax.yaxis.get_major_formatter()(0.6, 0) == "60\u00a0%"
    assert ax.get_ylabel() == "Beviljad (helt eller delvis) (justerat)"
    leaked = units.assign(varde_ojusterat=[0.6, 0.56, 0.33])  # a value for three people
    with pytest.raises(PrivacyError, match="varde_ojusterat"):
        plots.funnel(Protected(leaked, min_n=5))


def test_share_axes_tick_at_whole_percentages():
    """A trend between 40 % and 60 % got ticks every 2,5 %, printed rounded (38, 40, 42 …)."""
    trend = pd.DataFrame(
        {
            "utfall": "beviljad",
            "kon": ["kvinna", "man"] * 2,
            "ar": [2023, 2023, 2024, 2024],
            "n": [400, 300, 380, 350],
            "varde": [0.47, 0.45, 0.55, 0.5],
            "ci_lag": [0.41, 0.4, 0.5, 0.45],
            "ci_hog": [0.52, 0.5, 0.6, 0.55],
            "metod": "wilson",
        }
    )
    ax = plots.trend(Protected(trend, min_n=5))
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert len(ticks) >= 3
    assert all(abs(t * 100 - round(t * 100)) < 1e-9 for t in ticks), ticks
    labels = [ax.yaxis.get_major_formatter()(t, 0) for t in ticks]
    assert len(set(labels)) == len(labels)  # no two ticks printed alike


def test_age_bands_are_drawn_per_verksamhet():
    """The kön × age chart puts each verksamhet's bands together, named under them, instead of
    mixing overlapping bands of all schemes in one row."""
    rows = [
        (sex, band, n, antal)
        for band, n, antal in [("65-74", 40, 20), ("0-6", 30, 12), ("90+", 50, 30), ("7-12", 20, 9)]
        for sex in ("kvinna", "man")
    ]
    raw = pd.DataFrame(rows, columns=["kon", "aldersgrupp", "n", "antal"])
    raw = raw.assign(utfall="beviljad", varde=raw["antal"] / raw["n"], ci_lag=0.1, ci_hog=0.9)
    table = protect(raw.assign(metod="wilson"), group_cols=["utfall", "kon", "aldersgrupp"])
    ax = plots.bars(table, verksamheter=["lss", "aldreomsorg"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["65–74", "90+", "0–6", "7–12"]
    assert ax.get_xlabel() == ""
    (names,) = [a for a in ax.child_axes if any(t.get_text().strip() for t in a.get_xticklabels())]
    assert [t.get_text().strip() for t in names.get_xticklabels()] == ["Äldreomsorg", "LSS"]
    # the two sections are apart: the gap between 90+ and 0–6 is wider than between bands
    ticks = list(ax.get_xticks())
    assert ticks[2] - ticks[1] > ticks[1] - ticks[0]
