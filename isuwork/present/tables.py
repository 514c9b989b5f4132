"""Result tables for people: Swedish headers, Swedish numbers, hidden cells as ``..``.

Every result table leaves the library through here, in one of the forms people use: a formatted
frame for notebooks and reports, plain text for the command line, JSON records for other
programs (a hidden value is ``null`` with ``"dold": true``), CSV and Excel with Swedish headers.
Each form takes a :class:`~isuwork.privacy.protected.Protected` result, checks it against the
small-number rules once more, and writes its footnotes under the table.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from isuwork.analysis.screening import ALL
from isuwork.data.io import write_csv, write_excel
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent
from isuwork.domain.vocabulary import SEX
from isuwork.privacy.protected import Protected, require_protected

#: Swedish headers of the result columns (grouping columns use the catalogue's labels; the
#: columns of each sex are added from the catalogue by :func:`column_label`).
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
    "skillnad_ci_lag": "Skillnad, KI nedre",
    "skillnad_ci_hog": "Skillnad, KI övre",
    "p_varde": "p-värde",
    "p_justerat": "p-värde (justerat)",
    "test": "Test",
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
_COUNT_COLUMNS = {"n", "antal", "saknas", "rang"}
_P_COLUMNS = {"p_varde", "p_justerat"}
_SHARE_METHODS = {"wilson", "andel"}


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _is_share_row(row: Mapping[str, Any]) -> bool:
    if "metod" in row and isinstance(row["metod"], str):
        return str(row["metod"]).split("+")[0] in _SHARE_METHODS
    return not _is_missing(row.get("antal"))


def column_label(column: str) -> str:
    """The Swedish header of a result column (``n_kvinna`` → ``Antal kvinnor``)."""
    catalog = load_catalog()
    first, second = catalog.sexes
    plural = {code: catalog.plural_label(SEX, code) for code in (first, second)}
    if column == "skillnad":
        return f"Skillnad ({plural[first].lower()} − {plural[second].lower()})"
    for code, label in plural.items():
        if column == f"n_{code}":
            return f"Antal {label.lower()}"
        if column == f"varde_{code}":
            return label
    return COLUMN_LABELS.get(column) or catalog.label(column)


def _is_count(column: str) -> bool:
    return column in _COUNT_COLUMNS or column in {f"n_{s}" for s in load_catalog().sexes}


def _format_value(column: str, value: Any, *, share: bool, hidden: bool) -> str:
    if _is_missing(value):
        return SUPPRESSED if hidden else ""
    if _is_count(column):
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


def display(result: Protected) -> pd.DataFrame:
    """A copy for people: Swedish headers and labels, formatted numbers, ``..`` where hidden.

    The footnotes that belong under it are ``result.footnotes``.
    """
    table = require_protected(result).table
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
                out[column] = "Alla" if value == ALL else catalog.label(str(value))
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
    shown.columns = [column_label(c) for c in shown.columns]
    return shown


def footnotes(result: Protected) -> str:
    """The footnotes that belong under a result, as one paragraph."""
    return " ".join(result.footnotes)


def to_text(result: Protected) -> str:
    """Plain text for the command line, with the footnotes."""
    shown = display(result)
    if shown.empty:
        return "Inga rader att visa.\n" + footnotes(result)
    return shown.to_string(index=False) + "\n" + footnotes(result)


def to_records(result: Protected) -> list[dict[str, Any]]:
    """JSON-ready rows with the table's own column names; hidden values are ``None``."""
    table = require_protected(result).table
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


def to_csv(result: Protected, path: str | os.PathLike[str]) -> Path:
    """Write the formatted table as Swedish-Excel CSV (semicolon, decimal comma)."""
    return write_csv(display(result), path)


def to_excel(results: Mapping[str, Protected], path: str | os.PathLike[str]) -> Path:
    """Write one sheet per result with Swedish headers and the footnotes under each table."""
    sheets = {}
    for name, result in results.items():
        shown = display(result)
        foot = pd.DataFrame([{shown.columns[0]: footnotes(result)}]) if len(shown.columns) else None
        sheets[name] = pd.concat([shown, foot], ignore_index=True) if foot is not None else shown
    return write_excel(sheets, path)


def to_html(result: Protected, *, caption: str | None = None) -> str:
    """An HTML table for notebooks and reports (no scripts, no external assets)."""
    shown = display(result)
    body = shown.to_html(index=False, escape=True, border=0, na_rep="")
    cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    return f"{cap}{body}<p><small>{html.escape(footnotes(result))}</small></p>"


class HtmlTable:
    """Wraps a result so a notebook shows it as formatted HTML (also in static reports)."""

    def __init__(self, result: Protected, *, caption: str | None = None):
        self.result = require_protected(result)
        self.caption = caption

    def _repr_html_(self) -> str:
        return to_html(self.result, caption=self.caption)

    def __repr__(self) -> str:
        return to_text(self.result)


def show(result: Protected, *, caption: str | None = None) -> HtmlTable:
    """Return an object that renders ``result`` as a Swedish HTML table in a notebook."""
    return HtmlTable(result, caption=caption)
