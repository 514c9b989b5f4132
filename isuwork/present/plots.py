"""Charts for the four steps: every function takes a result and ``ax=None``, returns the Axes.

One colour-blind-safe palette (Okabe–Ito); women and men are also told apart by hatching and
marker shape, so the charts work in grey print. Labels are Swedish with Swedish numbers. Values
hidden by the small-number rules are drawn as an empty hatched outline marked ``..``, never as a
zero-height bar. Charts of numbers take a :class:`~isuwork.privacy.protected.Protected` result
and refuse anything else. No function here computes statistics or reads data.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent
from isuwork.domain.vocabulary import SEX
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
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def bars(result: Protected, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Bars with 95 % intervals by kön (and the second grouping column, if any).

    ``result`` comes from :func:`isuwork.analysis.compare.compare` with ``kon`` among the
    groups; for a categorical outcome the categories take the place of the second group.
    """
    table = require_protected(result).table
    catalog = load_catalog()
    styles = _sex_styles()
    ax = _ax(ax)
    share = _is_share(table)
    groups = [c for c in table.columns if c in catalog and c not in ("utfall", SEX)]
    groups = [c for c in groups if c not in ("n", "antal")]
    if "kategori" in table and table["kategori"].notna().any():
        x_col = "kategori"
    else:
        x_col = next((c for c in groups if table[c].nunique(dropna=True) > 0), None)
    rows = table if SEX in table else table.assign(**{SEX: "alla"})
    x_values = list(dict.fromkeys(rows[x_col].tolist())) if x_col else [None]
    sexes = [s for s in styles if (rows[SEX] == s).any()] or ["alla"]
    width = 0.8 / len(sexes)
    outcome = str(table["utfall"].iloc[0]) if "utfall" in table and len(table) else ""
    for i, sex in enumerate(sexes):
        part = rows[rows[SEX] == sex]
        style = styles.get(sex, {"colour": OTHER, "hatch": "", "label": "Alla"})
        for j, x in enumerate(x_values):
            row = part if x_col is None else part[part[x_col] == x]
            pos = j + (i - (len(sexes) - 1) / 2) * width
            value = row["varde"].iloc[0] if len(row) else np.nan
            if pd.isna(value):
                ax.bar(pos, 0, width=width * 0.9, color="none")
                ax.text(pos, 0, SUPPRESSED, ha="center", va="bottom", fontsize=11, gid="dold")
                continue
            low, high = row["ci_lag"].iloc[0], row["ci_hog"].iloc[0]
            ax.bar(
                pos,
                value,
                width=width * 0.9,
                color=style["colour"],
                hatch=style["hatch"],
                edgecolor="black",
                linewidth=0.6,
                label=style["label"] if j == 0 else None,
            )
            if pd.notna(low) and pd.notna(high):
                ax.errorbar(
                    pos,
                    value,
                    yerr=[[value - low], [high - value]],
                    fmt="none",
                    ecolor="black",
                    capsize=3,
                    linewidth=1,
                )
    if x_col:
        labels = [
            catalog.code_label(outcome if x_col == "kategori" else x_col, x) for x in x_values
        ]
        ax.set_xticks(range(len(x_values)), [textwrap.fill(str(t), 14) for t in labels])
        ax.set_xlabel("" if x_col == "kategori" else catalog.label(x_col))
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


def forest(result: Protected, *, top: int = 20, ax: Axes | None = None) -> Axes:
    """Differences between women and men with intervals, for the top rows of a screening list.

    Shares are shown in percentage points; for means the chart shows each finding's difference
    relative to its size column so that rows on different scales can share one axis.
    """
    screening = require_protected(result).table
    catalog = load_catalog()
    first, second = (style["colour"] for style in _sex_styles().values())
    rows = screening.dropna(subset=["skillnad"]).head(top)
    ax = _ax(ax, size=(8, max(3, 0.38 * len(rows) + 1)))
    labels = []
    for k, (_, row) in enumerate(rows.iloc[::-1].iterrows()):
        share = (
            bool(row.get("metod", "wilson") == "wilson")
            if "metod" in row
            else abs(row["skillnad"]) <= 1
        )
        scale = 100 if share else 1
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
        niva = (
            ""
            if row.get("bakgrund") == "alla"
            else catalog.code_label(str(row.get("bakgrund")), row.get("niva"))
        )
        what = catalog.label(str(row["utfall"]))
        if pd.notna(row.get("kategori")):
            what += f": {catalog.code_label(str(row['utfall']), row['kategori'])}"
        labels.append(textwrap.shorten(f"{what} ({niva})" if niva else what, 60))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("Skillnad kvinnor − män (procentenheter för andelar)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, decimals=0)))
    ax.set_title("Största skillnaderna mellan kvinnor och män")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


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


def funnel(result: Protected, *, ax: Axes | None = None) -> Axes:
    """Funnel plot: each unit's indicator against its size, with 95 % and 99,8 % limits."""
    units = require_protected(result).table
    ax = _ax(ax)
    first, second = COLOURS
    rows = units.dropna(subset=["varde", "n"]).sort_values("n")
    unit_col = next(c for c in units.columns if c not in _UNIT_RESULT_COLUMNS)
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
    ax.set_ylabel("Indikator")
    ax.set_title("Tratt: enheter jämförda med alla")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


_UNIT_RESULT_COLUMNS = {
    "utfall",
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
