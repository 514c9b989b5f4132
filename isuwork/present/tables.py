"""Result tables for people: Swedish headers, Swedish numbers, hidden cells as ``..``.

Every result table leaves the library through here, in one of the forms people use: a formatted
frame for notebooks and reports, plain text for the command line, JSON records for other
programs (a hidden value is ``null`` with ``"dold": true``), CSV and Excel with Swedish headers.
Each form checks the table against the small-number rules once more before it is produced.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent
from isuwork.privacy.suppression import check_table, footnote

#: Swedish headers of the result columns (grouping columns use the catalogue's labels).
COLUMN_LABELS: dict[str, str] = {
    "utfall": "Utfall",
    "kategori": "Kategori",
    "bakgrund": "Bakgrund",
    "niva": "Grupp",
    "n": "Antal utredningar",
    "antal": "Antal med utfallet",
    "varde": "Andel eller medelvärde",
    "ci_lag": "95 % KI, nedre",
    "ci_hog": "95 % KI, övre",
    "metod": "Intervallmetod",
    "skillnad": "Skillnad (kvinnor − män)",
    "skillnad_ci_lag": "Skillnad, KI nedre",
    "skillnad_ci_hog": "Skillnad, KI övre",
    "p_varde": "p-värde",
    "p_justerat": "p-värde (justerat)",
    "test": "Test",
    "n_kvinna": "Antal kvinnor",
    "n_man": "Antal män",
    "varde_kvinna": "Kvinnor",
    "varde_man": "Män",
    "storlek": "Storlek",
    "rang": "Rang",
    "mening": "Iakttagelse",
    "enhet": "Enhet",
    "total": "Alla enheter",
    "grans95_lag": "95 %-gräns, nedre",
    "grans95_hog": "95 %-gräns, övre",
    "grans998_lag": "99,8 %-gräns, nedre",
    "grans998_hog": "99,8 %-gräns, övre",
    "utanfor": "Utanför gränserna",
    "variabel": "Variabel",
    "etikett": "Beskrivning",
    "saknas": "Antal saknade",
    "andel_saknas": "Andel saknade",
    "dold": "Dold",
}
_COUNT_COLUMNS = {"n", "antal", "n_kvinna", "n_man", "saknas", "rang"}
_P_COLUMNS = {"p_varde", "p_justerat"}
_SHARE_METHODS = {"wilson", "andel"}


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _is_share_row(row: Mapping[str, Any]) -> bool:
    if "metod" in row and isinstance(row["metod"], str):
        return str(row["metod"]).split("+")[0] in _SHARE_METHODS
    return not _is_missing(row.get("antal"))


def _format_value(column: str, value: Any, *, share: bool, hidden: bool) -> str:
    if _is_missing(value):
        return SUPPRESSED if hidden else ""
    if column in _COUNT_COLUMNS:
        return format_number(value)
    if column in _P_COLUMNS:
        return "< 0,001" if value < 0.001 else format_number(value, decimals=3)
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float)):
        if share or column.startswith("andel"):
            return format_percent(value)
        return format_number(value, decimals=1)
    return str(value)


def display(table: pd.DataFrame, *, min_n: int = 5) -> pd.DataFrame:
    """A copy for people: Swedish headers and labels, formatted numbers, ``..`` where hidden.

    The footnote on hidden values is in ``attrs["fotnot"]``.
    """
    check_table(table, min_n=min_n)
    catalog = load_catalog()
    hidden_rows = table["dold"] if "dold" in table else pd.Series(False, index=table.index)
    records = []
    for (_, row), hidden in zip(table.iterrows(), hidden_rows, strict=True):
        share = _is_share_row(row)
        out = {}
        for column, value in row.items():
            if column == "dold":
                continue
            if column == "ar":
                out[column] = "" if _is_missing(value) else str(int(value))
                continue
            if column in catalog and not isinstance(value, (int, float)) or column == "utfall":
                label_source = value if column != "utfall" else None
                if column == "utfall":
                    out[column] = catalog.label(str(value))
                elif _is_missing(label_source):
                    out[column] = ""
                else:
                    out[column] = catalog.code_label(column, label_source)
                continue
            if column == "kategori" and not _is_missing(value):
                out[column] = catalog.code_label(str(row.get("utfall", "")), value)
                continue
            if column == "niva" and not _is_missing(value):
                out[column] = catalog.code_label(str(row.get("bakgrund", "")), value)
                continue
            if column == "bakgrund" and not _is_missing(value):
                out[column] = "Alla" if value == "alla" else catalog.label(str(value))
                continue
            diff_share = share and column.startswith(("skillnad", "varde", "ci_"))
            if diff_share and column.startswith("skillnad"):
                text = _format_value(column, value, share=False, hidden=bool(hidden))
                if not _is_missing(value):
                    text = format_number(value * 100, decimals=1) + " p.e."
                out[column] = text
                continue
            out[column] = _format_value(column, value, share=diff_share, hidden=bool(hidden))
        records.append(out)
    shown = pd.DataFrame(records, columns=[c for c in table.columns if c != "dold"])
    shown.columns = [COLUMN_LABELS.get(c) or catalog.label(c) for c in shown.columns]
    shown.attrs["fotnot"] = footnote(min_n)
    return shown


def to_text(table: pd.DataFrame, *, min_n: int = 5) -> str:
    """Plain text for the command line, with the footnote."""
    shown = display(table, min_n=min_n)
    if shown.empty:
        return "Inga rader att visa.\n" + shown.attrs["fotnot"]
    return shown.to_string(index=False) + "\n" + shown.attrs["fotnot"]


def to_records(table: pd.DataFrame, *, min_n: int = 5) -> list[dict[str, Any]]:
    """JSON-ready rows with the table's own column names; hidden values are ``None``."""
    check_table(table, min_n=min_n)
    rows = []
    for row in table.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if _is_missing(value):
                clean[key] = None
            elif hasattr(value, "item"):
                clean[key] = value.item()
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.date().isoformat()
            else:
                clean[key] = value
        clean["dold"] = bool(clean.get("dold") or False)
        rows.append(clean)
    return rows


def to_csv(table: pd.DataFrame, path: str | os.PathLike[str], *, min_n: int = 5) -> Path:
    """Write the formatted table as Swedish-Excel CSV (semicolon, decimal comma)."""
    from isuwork.data.io import write_csv

    return write_csv(display(table, min_n=min_n), path)


def to_excel(
    tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *, min_n: int = 5
) -> Path:
    """Write one sheet per table with Swedish headers and the footnote under each table."""
    from isuwork.data.io import write_excel

    sheets = {}
    for name, table in tables.items():
        shown = display(table, min_n=min_n)
        foot = (
            pd.DataFrame([{shown.columns[0]: shown.attrs["fotnot"]}])
            if len(shown.columns)
            else None
        )
        sheets[name] = pd.concat([shown, foot], ignore_index=True) if foot is not None else shown
    return write_excel(sheets, path)


def to_html(table: pd.DataFrame, *, min_n: int = 5, caption: str | None = None) -> str:
    """An HTML table for notebooks and reports (no scripts, no external assets)."""
    shown = display(table, min_n=min_n)
    body = shown.to_html(index=False, escape=True, border=0, na_rep="")
    cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    return f"{cap}{body}<p><small>{html.escape(shown.attrs['fotnot'])}</small></p>"


class HtmlTable:
    """Wraps a result table so a notebook shows it as formatted HTML (also in static reports)."""

    def __init__(self, table: pd.DataFrame, *, min_n: int = 5, caption: str | None = None):
        self.table = table
        self.min_n = min_n
        self.caption = caption

    def _repr_html_(self) -> str:
        return to_html(self.table, min_n=self.min_n, caption=self.caption)

    def __repr__(self) -> str:
        return to_text(self.table, min_n=self.min_n)


def show(table: pd.DataFrame, *, min_n: int = 5, caption: str | None = None) -> HtmlTable:
    """Return an object that renders ``table`` as a Swedish HTML table in a notebook."""
    return HtmlTable(table, min_n=min_n, caption=caption)
