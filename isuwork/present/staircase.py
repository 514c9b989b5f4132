"""The criteria check as a picture: the raw difference, then what is left after each criterion.

One row per step of the staircase, top to bottom: the raw difference and the difference left
after each criterion, each a point with its interval, on one axis in the outcome's unit
(percentage points for shares). A grey band marks differences smaller than the check's smallest
clear difference. Beside each row: the cases compared and, for a step that sets cases aside,
the share set aside in each group. The chart reads the check's protected JSON form
(:func:`isuwork.present.criteria_report.to_dict`), so it can show nothing the text hides.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Mapping
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number, format_percent
from isuwork.present.criteria_message import HIDDEN, group_in_text

#: What a row without a point says: the criterion could not be tested, or the value is hidden.
UNTESTED = "kan inte prövas"

#: Okabe–Ito: the raw difference, the steps, the band of small differences.
RAW, STEP, BAND = "#555555", "#0072B2", "#e8e8e8"


def _scale(checked: Mapping[str, Any]) -> float:
    return 100.0 if checked["outcome_type"] == "share" else 1.0


def _rows(checked: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of the staircase: label, difference, interval and the note beside it."""
    scale = _scale(checked)
    group = checked["group"]
    names = {g: group_in_text(group, g) for g in checked["groups"]}
    sizes = [
        f"{names[g]} {HIDDEN if info['n'] is None else format_number(info['n'])}"
        for g, info in checked["groups"].items()
    ]
    raw = checked["raw"]
    rows = [
        {
            "label": "Rå skillnad",
            "diff": None if raw["dold"] or raw["diff"] is None else raw["diff"] * scale,
            "ci": [None if v is None else v * scale for v in raw["ci"]],
            "note": "fall: " + ", ".join(sizes),
            "raw": True,
        }
    ]
    for i, step in enumerate(checked["steps"], start=1):
        label = f"{i}. {step['label']}"
        if step["status"] == "not_testable":
            rows.append(
                {"label": label, "diff": None, "ci": [None, None], "note": "", "empty": UNTESTED}
            )
            continue
        note = "fall: " + (HIDDEN if step["n"] is None else format_number(step["n"]))
        if step["set_aside"]:
            shares = ", ".join(
                f"{names.get(g, g)} "
                + (HIDDEN if info["share"] is None else format_percent(info["share"]))
                for g, info in step["set_aside"].items()
            )
            note += "\n" + textwrap.fill(f"bortsorterade: {shares}", 34)
        rows.append(
            {
                "label": label,
                # a step's difference is hidden when the group values it rests on are
                "diff": None if step["diff"] is None else step["diff"] * scale,
                "ci": [None if v is None else v * scale for v in step["ci"]],
                "note": note,
            }
        )
    return rows


def axis_title(checked: Mapping[str, Any]) -> str:
    """The difference axis in words: who minus whom, and in what unit."""
    a, b = (group_in_text(checked["group"], g) for g in checked["compare"])
    if checked["outcome_type"] == "share":
        unit = "procentenheter"
    else:
        label = load_catalog().label(checked["outcome"])
        # "Beviljad hemtjänst (timmar per månad)": the unit is the label's last parentheses
        unit = label[label.rindex("(") + 1 : -1] if label.endswith(")") else "utfallets enhet"
    return f"Skillnad, {a} minus {b} ({unit})"


def staircase(checked: Mapping[str, Any], *, ax: Axes | None = None) -> Axes:
    """Draw the staircase of a criteria check from its protected JSON form.

    Parameters
    ----------
    checked
        :func:`isuwork.present.criteria_report.to_dict` of the check.
    ax
        Where to draw; a new figure of its own (not shown by pyplot) when None.

    Returns
    -------
    Axes
        The chart.
    """
    rows = _rows(checked)
    if ax is None:
        fig = Figure(figsize=(8.5, 0.8 * len(rows) + 1.3), dpi=100)
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.26, right=0.66, top=0.85, bottom=0.17)
    limit = (checked.get("min_diff") or 0.0) * _scale(checked)
    if limit:
        ax.axvspan(-limit, limit, color=BAND, zorder=0)
        ax.annotate(
            "för liten för\natt vara tydlig",
            xy=(0, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color="#555555",
        )
    ax.axvline(0, color="#333333", linewidth=0.8, zorder=1)
    for y, row in enumerate(rows):
        colour = RAW if row.get("raw") else STEP
        if row["diff"] is None:
            ax.text(
                0,
                y,
                row.get("empty", HIDDEN),
                ha="center",
                va="center",
                fontsize=9,
                style="italic",
                color="#555555",
            )
        else:
            low, high = row["ci"]
            if low is not None and high is not None:
                ax.plot([low, high], [y, y], color=colour, linewidth=2.2, zorder=2)
            ax.plot(row["diff"], y, "o", color=colour, markersize=8, zorder=3)
            ax.annotate(
                format_number(row["diff"], decimals=1),
                (row["diff"], y),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                fontsize=9,
            )
        if row["note"]:
            ax.annotate(
                row["note"],
                xy=(1.03, y),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=8.5,
                color="#333333",
            )
    ax.set_yticks(range(len(rows)), [textwrap.fill(r["label"], 30) for r in rows], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.7)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, decimals=0)))
    ax.set_xlabel(axis_title(checked), fontsize=9)
    ax.set_title(load_catalog().label(checked["outcome"]), fontsize=10, loc="left", pad=24)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def alt_text(checked: Mapping[str, Any]) -> str:
    """A Swedish alt text saying what the staircase shows, with its numbers."""
    parts = []
    for row in _rows(checked):
        if row["diff"] is None:
            value = row.get("empty", HIDDEN)
        else:
            value = format_number(row["diff"], decimals=1)
        parts.append(f"{row['label'].split('. ', 1)[-1].lower()} {value}")
    a, b = (group_in_text(checked["group"], g) for g in checked["compare"])
    what = load_catalog().label(checked["outcome"]).lower()
    return (
        f"Diagram: skillnaden i {what} mellan {a} och {b}, först rå och sedan efter varje "
        f"kriterium: {'; '.join(parts)}."
    )


def png_data_uri(ax: Axes) -> str:
    """The chart's figure as a PNG ``data:`` URI, for a page that must work offline."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
