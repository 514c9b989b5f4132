"""Charts for the four steps: every function takes a result and ``ax=None``, returns the Axes.

One colour-blind-safe palette (Okabe–Ito); women and men are also told apart by hatching and
marker shape, so the charts work in grey print. Labels are Swedish with Swedish numbers. Values
hidden by the small-number rules are drawn as an empty hatched outline marked ``..``, never as a
zero-height bar. Charts of numbers take a :class:`~isuwork.privacy.protected.Protected` result
and refuse anything else. No function here computes statistics or reads data.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import ParameterError
from isuwork.privacy.protected import Protected, require_protected

#: Okabe–Ito colours: the first and second sex of the catalogue, other groups, limits.
COLOURS = ("#E69F00", "#0072B2")
OTHER, LIMIT = "#009E73", "#999999"
#: The two sexes are also told apart by hatching, marker and line style (grey print).
HATCHES = ("", "//")
MARKERS = ("o", "s")
LINES = ("-", "--")


def _sex_styles() -> dict[str, dict[str, str]]:
    """Colour, hatch, marker, line style and plural label of each sex, by catalogue order."""
    catalog = load_catalog()
    return {
        code: {
            "colour": COLOURS[i],
            "hatch": HATCHES[i],
            "marker": MARKERS[i],
            "line": LINES[i],
            "label": catalog.plural_label(SEX, code),
        }
        for i, code in enumerate(catalog.sexes)
    }


def _ax(ax: Axes | None, size: tuple[float, float] = (8, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _is_share(table: pd.DataFrame) -> bool:
    return "metod" in table and table["metod"].astype("string").str.startswith("wilson").any()


def _value_axis(ax: Axes, *, share: bool, axis: str = "y") -> None:
    formatter = FuncFormatter(
        (lambda v, _: format_percent(v, decimals=0))
        if share
        else (lambda v, _: format_number(v, decimals=0 if abs(v) >= 10 else 1))
    )
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(formatter)
    if share:
        # whole percentages only: a step of 2,5 % would be printed rounded (45, 48, 50 …)
        target.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], min_n_ticks=3))


def bars(
    result: Protected,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    verksamheter: Sequence[str] | None = None,
) -> Axes:
    """Bars with 95 % intervals by kön (and the second grouping column, if any).

    ``result`` comes from :func:`isuwork.analysis.compare.compare` with ``kon`` among the
    groups; for a categorical outcome the categories take the place of the second group. Age
    bands are grouped by the verksamheter whose scheme has them (of ``verksamheter``, the ones
    in the data; by default every verksamhet of the catalogue), each group named under it.
    """
    table = require_protected(result).table
    catalog = load_catalog()
    styles = _sex_styles()
    share = _is_share(table)
    groups = [c for c in table.columns if c in catalog and c not in ("utfall", SEX)]
    groups = [c for c in groups if c not in ("n", "antal")]
    if "kategori" in table and table["kategori"].notna().any():
        x_col = "kategori"
    else:
        x_col = next((c for c in groups if table[c].nunique(dropna=True) > 0), None)
    rows = table if SEX in table else table.assign(**{SEX: "alla"})
    x_values = list(dict.fromkeys(rows[x_col].tolist())) if x_col else [None]
    sections: list[tuple[str, list[Any]]] = []
    if x_col == "aldersgrupp":
        bands = [str(x) for x in x_values if x in catalog.age_group_codes]
        rest = [x for x in x_values if x not in catalog.age_group_codes]  # the total row
        sections = catalog.age_band_sections(bands, verksamheter) + [("", rest)] * bool(rest)
        x_values = [band for _, bands in sections for band in bands]
    position = _positions(sections or [("", x_values)])
    ax = _ax(ax, size=(min(13.0, max(8.0, 0.7 * (max(position.values()) + 1))), 4.5))
    sexes = [s for s in styles if (rows[SEX] == s).any()] or ["alla"]
    width = 0.8 / len(sexes)
    outcome = str(table["utfall"].iloc[0]) if "utfall" in table and len(table) else ""
    for i, sex in enumerate(sexes):
        part = rows[rows[SEX] == sex]
        style = styles.get(sex, {"colour": OTHER, "hatch": "", "label": "Alla"})
        if x_col is not None:
            part = part.drop_duplicates(x_col).set_index(x_col).reindex(x_values)
        offset = (i - (len(sexes) - 1) / 2) * width
        pos = np.array([position[x] for x in x_values]) + offset
        value, low, high = (part[c].to_numpy(float, na_value=np.nan)[: len(pos)] for c in VALUES)
        shown = ~np.isnan(value)
        for hidden in pos[~shown]:
            ax.bar(hidden, 0, width=width * 0.9, color="none")
            ax.text(hidden, 0, SUPPRESSED, ha="center", va="bottom", fontsize=11, gid="dold")
        # one call per sex for all its bars, and one for all its intervals
        ax.bar(
            pos[shown],
            value[shown],
            width=width * 0.9,
            color=style["colour"],
            hatch=style["hatch"],
            edgecolor="black",
            linewidth=0.6,
            label=style["label"],
        )
        ranged = shown & ~np.isnan(low) & ~np.isnan(high)
        if ranged.any():
            ax.errorbar(
                pos[ranged],
                value[ranged],
                yerr=[value[ranged] - low[ranged], high[ranged] - value[ranged]],
                fmt="none",
                ecolor="black",
                capsize=3,
                linewidth=1,
            )
    if x_col:
        labels = [
            # age bands without "år": the sections under them say whose bands they are
            str(x).replace("-", "–")
            if sections
            else catalog.code_label(outcome if x_col == "kategori" else x_col, x)
            for x in x_values
        ]
        ax.set_xticks([position[x] for x in x_values], [textwrap.fill(str(t), 14) for t in labels])
        ax.set_xlabel("" if x_col == "kategori" or sections else catalog.label(x_col))
        _section_labels(ax, sections, position)
    else:
        ax.set_xticks([])
    ax.set_ylabel(catalog.label(outcome) + (" (andel)" if share else ""))
    _value_axis(ax, share=share)
    if share:
        ax.set_ylim(0, 1)
    ax.set_title(title or catalog.label(outcome))
    if sexes != ["alla"]:
        ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


#: A bar's value and the ends of its interval.
VALUES = ("varde", "ci_lag", "ci_hog")

#: Room between two groups of bars (in bar-group widths).
SECTION_GAP = 0.8


def _positions(sections: Sequence[tuple[str, Sequence[Any]]]) -> dict[Any, float]:
    """The x position of each value, with a gap between sections."""
    position: dict[Any, float] = {}
    x = 0.0
    for _, values in sections:
        for value in values:
            position[value] = x
            x += 1
        x += SECTION_GAP
    return position


def _section_labels(
    ax: Axes, sections: Sequence[tuple[str, Sequence[Any]]], position: Mapping[Any, float]
) -> None:
    """Name each section under its tick labels, with a line between sections."""
    if len(sections) < 2:
        return
    centres = [(position[v[0]] + position[v[-1]]) / 2 for _, v in sections]
    names = ax.secondary_xaxis("bottom")
    names.set_xticks(centres, [f"\n\n{textwrap.fill(name, 24)}" for name, _ in sections])
    names.tick_params("x", length=0, labelsize=9)
    names.spines["bottom"].set_visible(False)
    bounds = [position[v[-1]] + (1 + SECTION_GAP) / 2 for _, v in sections[:-1]]
    lines = ax.secondary_xaxis("bottom")
    lines.set_xticks(bounds, [""] * len(bounds))
    lines.tick_params("x", length=34, width=0.8, color="0.5")
    lines.spines["bottom"].set_visible(False)


def _share_rows(rows: pd.DataFrame, kinds: Mapping[str, str]) -> pd.Series:
    """Which rows of a screening list are shares (or categories), by the result's kinds.

    A table without kinds (built by hand) is read by size: a difference within ±1 is a share.
    """
    if kinds:
        return rows["utfall"].map(lambda u: kinds.get(str(u), "share") != "mean").astype(bool)
    return rows["skillnad"].abs() <= 1


def _finding_label(row: pd.Series, *, mean: bool) -> str:
    catalog = load_catalog()
    niva = (
        ""
        if row.get("bakgrund") == "alla"
        else catalog.code_label(str(row.get("bakgrund")), row.get("niva"))
    )
    what = catalog.label(str(row["utfall"]))
    if pd.notna(row.get("kategori")):
        what += f": {catalog.code_label(str(row['utfall']), row['kategori'])}"
    # the group is what tells two rows of one outcome apart: it is shortened last
    label = textwrap.shorten(what, 50, placeholder=" …")
    if niva:
        label += f" ({textwrap.shorten(niva, 25, placeholder=' …')})"
    if mean:
        women, men = (format_number(row[f"varde_{s}"], decimals=1) for s in catalog.sexes)
        label += f": {women} mot {men}"
    return label


def _draw_findings(ax: Axes, rows: pd.DataFrame, *, mean: bool) -> None:
    first, second = (style["colour"] for style in _sex_styles().values())
    men = f"varde_{load_catalog().sexes[1]}"
    labels = []
    for k, (_, row) in enumerate(rows.iloc[::-1].iterrows()):
        scale = 100 / abs(row[men]) if mean else 100
        ax.errorbar(
            row["skillnad"] * scale,
            k,
            xerr=[
                [(row["skillnad"] - row["skillnad_ci_lag"]) * scale],
                [(row["skillnad_ci_hog"] - row["skillnad"]) * scale],
            ],
            fmt="D",
            color=second if row["skillnad"] < 0 else first,
            ecolor="black",
            capsize=2,
        )
        labels.append(_finding_label(row, mean=mean))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel(
        "Skillnad kvinnor − män, i procent av männens medelvärde"
        if mean
        else "Skillnad kvinnor − män, procentenheter"
    )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, decimals=0)))
    ax.spines[["top", "right"]].set_visible(False)


def forest(result: Protected, *, top: int = 20, ax: Axes | None = None) -> Axes:
    """Differences between women and men with intervals, for the top rows of a screening list.

    Shares (and shares of categories) are drawn in percentage points. Means come in their own
    units (insatser, hours, days), so no mean shares an axis with a share or with another
    unit: a mean's difference is drawn in percent of the men's mean, in a panel of its own
    below the shares, with both sexes' means in its label. A mean whose men's value is hidden
    or zero cannot be put in percent and is left out of the chart (it stays in the list).

    Returns
    -------
    Axes
        The panel of the shares (of the means, when there are no shares).

    Raises
    ------
    ParameterError
        When ``ax`` is given but the rows need two panels.
    """
    protected = require_protected(result)
    rows = protected.table.dropna(subset=["skillnad"]).head(top)
    shares = _share_rows(rows, protected.kinds)
    means = rows[~shares]
    men = f"varde_{load_catalog().sexes[1]}"
    if len(means):
        means = means[means[men].notna() & (means[men] != 0)]
    panels = [(part, mean) for part, mean in ((rows[shares], False), (means, True)) if len(part)]
    if ax is not None and len(panels) > 1:
        raise ParameterError(
            "Andelar och medelvärden ritas i var sin del av diagrammet; låt forest göra sin "
            "egen figur (utan ax)."
        )
    if ax is None:
        heights = [max(2, 0.38 * len(part) + 1) for part, _ in panels] or [3]
        fig, axes = plt.subplots(
            len(heights),
            1,
            figsize=(8, sum(heights) + 0.5),
            height_ratios=heights,
            squeeze=False,
            layout="constrained",
        )
        axes = list(axes[:, 0])
        axes[0].set_title("Största skillnaderna mellan kvinnor och män")
    else:
        axes = [ax]
        ax.set_title("Största skillnaderna mellan kvinnor och män")
    for panel, (part, mean) in zip(axes, panels, strict=False):
        _draw_findings(panel, part, mean=mean)
    if ax is None:
        # Lay the panels out once, now, and keep that layout: a constrained layout moves a
        # little with every draw, so the same chart drawn once or twice (as pyplot's hook in a
        # notebook does) would otherwise differ by a few pixels.
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
    return axes[0]


def trend(result: Protected, *, ax: Axes | None = None) -> Axes:
    """Lines over ``ar`` per kön with interval bands (hidden years leave a gap)."""
    table = require_protected(result).table
    catalog = load_catalog()
    ax = _ax(ax)
    share = _is_share(table)
    for sex, style in _sex_styles().items():
        part = table[table[SEX] == sex].sort_values("ar") if SEX in table else table
        if part.empty:
            continue
        years = part["ar"].astype(float).to_numpy()
        ax.plot(
            years,
            part["varde"].astype(float),
            marker=style["marker"],
            color=style["colour"],
            label=style["label"],
            linestyle=style["line"],
        )
        ax.fill_between(
            years,
            part["ci_lag"].astype(float),
            part["ci_hog"].astype(float),
            color=style["colour"],
            alpha=0.15,
        )
        for year in years[part["varde"].isna().to_numpy()]:
            ax.annotate(SUPPRESSED, (year, 0), ha="center", gid="dold")
    outcome = str(table["utfall"].iloc[0]) if len(table) else ""
    ax.set_xticks(sorted(table["ar"].dropna().astype(int).unique()))
    ax.set_xlabel("År")
    ax.set_ylabel(catalog.label(outcome))
    _value_axis(ax, share=share)
    ax.set_title(f"{catalog.label(outcome)} över tid")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def funnel(result: Protected, *, ax: Axes | None = None, kommun: str | None = None) -> Axes:
    """Funnel plot: each unit's indicator against its size, with 95 % and 99,8 % limits.

    Enheter compared within their kommuner (a table of several kommuner from
    :func:`~isuwork.analysis.units.compare_units`) have each kommun's own limits, so one
    funnel shows one kommun: ``kommun`` chooses it.
    """
    units = require_protected(result).table
    unit_col = next((c for c in units if c not in {*_UNIT_RESULT_COLUMNS, "kommun"}), "kommun")
    kommuner = [] if unit_col == "kommun" or "kommun" not in units else units["kommun"].unique()
    if kommun is not None:
        units = units[units["kommun"].astype(str).str.casefold() == kommun.casefold()]
    elif len(kommuner) > 1:
        raise ParameterError(
            f"Tabellen har enheter i {len(kommuner)} kommuner, var och en jämförd med sin egen "
            "kommun, så de ryms inte i en tratt. Välj en kommun, till exempel "
            f'funnel(tabell, kommun="{kommuner[0]}").'
        )
    ax = _ax(ax)
    first, second = COLOURS
    rows = units.dropna(subset=["varde", "n"]).sort_values("n")
    for lower, upper, style in (
        ("grans95_lag", "grans95_hog", ":"),
        ("grans998_lag", "grans998_hog", "--"),
    ):
        if lower in rows:
            ax.plot(rows["n"], rows[lower], style, color=LIMIT)
            ax.plot(rows["n"], rows[upper], style, color=LIMIT)
    if "total" in rows and len(rows):
        ax.axhline(rows["total"].iloc[0], color="black", linewidth=0.8)
    outside = rows.get("utanfor", pd.Series("inom", index=rows.index)) != "inom"
    ax.scatter(
        rows["n"][~outside],
        rows["varde"][~outside],
        color=second,
        marker="o",
        label="Inom gränserna",
    )
    ax.scatter(
        rows["n"][outside],
        rows["varde"][outside],
        color=first,
        marker="^",
        s=70,
        label="Utanför 99,8 %-gränsen",
    )
    for _, row in rows.iterrows():
        ax.annotate(
            str(row[unit_col]),
            (row["n"], row["varde"]),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel("Antal utredningar")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v)))
    _value_axis(ax, share=_is_share(units))
    label = load_catalog().label(str(units["utfall"].iloc[0])) if len(units) else ""
    adjusted = "varde_ojusterat" in units
    ax.set_ylabel(f"{label}{' (justerat)' if adjusted else ''}")
    whole = f"hela {units['kommun'].iloc[0]}" if len(kommuner) and len(units) else "alla"
    ax.set_title(
        f"Tratt: enheter jämförda med {whole}"
        + (", justerat för enheternas sammansättning" if adjusted else "")
    )
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


_UNIT_RESULT_COLUMNS = {
    "utfall",
    "varde_ojusterat",
    "n",
    "antal",
    "varde",
    "ci_lag",
    "ci_hog",
    "metod",
    "total",
    "grans95_lag",
    "grans95_hog",
    "grans998_lag",
    "grans998_hog",
    "utanfor",
    "dold",
}


def life_areas(result: Protected, *, ax: Axes | None = None) -> Axes:
    """Mean number of investigated life areas per unit (from ``compare_units``), with intervals."""
    units = require_protected(result).table
    ax = _ax(ax)
    first, second = COLOURS
    unit_col = next(c for c in units.columns if c not in _UNIT_RESULT_COLUMNS)
    rows = units.reset_index(drop=True)
    for i, row in rows.iterrows():
        if pd.isna(row["varde"]):
            ax.text(i, 0, SUPPRESSED, ha="center", va="bottom", gid="dold")
            continue
        flagged = row.get("utanfor", "inom") != "inom"
        ax.bar(
            i,
            row["varde"],
            color=first if flagged else second,
            hatch="xx" if flagged else "",
            edgecolor="black",
            linewidth=0.6,
        )
        ax.errorbar(
            i,
            row["varde"],
            yerr=[[row["varde"] - row["ci_lag"]], [row["ci_hog"] - row["varde"]]],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
    if "total" in rows and len(rows):
        ax.axhline(
            rows["total"].iloc[0],
            color="black",
            linestyle="--",
            linewidth=0.8,
            label="Alla enheter",
        )
        ax.legend(frameon=False)
    ax.set_xticks(range(len(rows)), [textwrap.fill(str(u), 12) for u in rows[unit_col]])
    ax.set_ylim(0, 10)
    ax.set_ylabel("Utredda livsområden (av 10)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, decimals=0)))
    ax.set_title("Hur många livsområden utreds?")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def action_matrix(actions: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Effort × effect matrix of the action plan (columns beskrivning, insats, effekt)."""
    ax = _ax(ax, size=(8, 6))
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.axvline(1, color="black", linewidth=0.8)
    ax.axhline(1, color="black", linewidth=0.8)
    ax.set_xticks([0.5, 1.5], ["Lätt att genomföra", "Svår att genomföra"])
    ax.set_yticks([0.5, 1.5], ["Liten effekt", "Stor effekt"])
    ax.fill_between([0, 1], 1, 2, color=OTHER, alpha=0.12)
    counts: dict[tuple[int, int], int] = {}
    for _, row in actions.iterrows():
        x = 0 if row.get("insats") == "latt" else 1
        y = 1 if row.get("effekt") == "stor" else 0
        k = counts.get((x, y), 0)
        counts[(x, y)] = k + 1
        ax.text(
            x + 0.05,
            y + 0.9 - 0.13 * k,
            textwrap.shorten(str(row["beskrivning"]), 45),
            fontsize=9,
            va="top",
        )
    if actions.empty:
        ax.text(1, 1, "Inga åtgärder ännu", ha="center", va="center", color=LIMIT)
    ax.set_title("Åtgärder efter insats och effekt (grönt: lätt och stor effekt)")
    return ax
