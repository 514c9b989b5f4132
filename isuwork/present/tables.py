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
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis.screening import ALL
from isuwork.data.io import write_csv
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent
from isuwork.domain.vocabulary import SEX
from isuwork.present.excel import sheet_names, write_tables
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
    "stor_dold_skillnad": "Stor skillnad bakom dolda värden",
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

#: Excel number formats of the cells that are numbers (Excel shows them with the reader's own
#: decimal comma and thousands separator).
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0 %"
POINTS_FORMAT = '0.0" p.e."'
P_FORMAT = "0.000"
DECIMAL_FORMAT = "0.0"

#: The MIME type under which a shown table carries its cells as numbers; report runs collect it
#: from the executed notebooks to write each kommun's Excel workbook.
TABLE_MIME = "application/vnd.isuwork.table+json"


@dataclass(frozen=True)
class Cell:
    """A table cell: the text people read, and the number behind it with its Excel format."""

    text: str
    number: float | int | None = None
    number_format: str | None = None


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _is_share_row(row: Mapping[str, Any], kinds: Mapping[str, str] = {}) -> bool:
    kind = kinds.get(str(row.get("utfall")))
    if kind is not None:
        return kind in ("share", "category")
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
        if column == f"andel_saknas_{code}":
            return f"Saknas, {label.lower()}"
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


def _cell(column: str, value: Any, row: Mapping[str, Any], *, share: bool, hidden: bool) -> Cell:
    """One cell as people read it, and as a number with its Excel format where it is one."""
    catalog = load_catalog()
    if column == "ar":
        return Cell("") if _is_missing(value) else Cell(str(int(value)), int(value), "0")
    if column == "utfall":
        return Cell(catalog.label(str(value)))
    if column in catalog and not isinstance(value, (int, float)):
        return Cell("" if _is_missing(value) else catalog.code_label(column, value))
    if column == "kategori" and not _is_missing(value):
        return Cell(catalog.code_label(str(row.get("utfall", "")), value))
    if column == "niva" and not _is_missing(value):
        return Cell(catalog.code_label(str(row.get("bakgrund", "")), value))
    if column == "bakgrund" and not _is_missing(value):
        return Cell("Alla" if value == ALL else catalog.label(str(value)))
    text = _format_value(
        column,
        value,
        share=share and column.startswith(("varde", "ci_")),
        hidden=hidden,
    )
    if _is_missing(value) or isinstance(value, bool) or not isinstance(value, Real):
        return Cell(text)
    if share and column.startswith("skillnad"):
        return Cell(format_number(value * 100, decimals=1) + " p.e.", value * 100, POINTS_FORMAT)
    if _is_count(column):
        return Cell(text, int(value), COUNT_FORMAT)
    if column in _P_COLUMNS:
        return Cell(text, float(value), P_FORMAT)
    if (share and column.startswith(("varde", "ci_"))) or column.startswith("andel"):
        return Cell(text, float(value), PERCENT_FORMAT)
    return Cell(text, float(value), DECIMAL_FORMAT)


def cells(result: Protected) -> tuple[list[str], list[list[Cell]]]:
    """The Swedish headers and every cell of a protected result, row by row."""
    table = require_protected(result).table
    hidden_rows = table["dold"] if "dold" in table else pd.Series(False, index=table.index)
    columns = [c for c in table.columns if c != "dold" and c not in result.context]
    rows = []
    for (_, row), hidden in zip(table.iterrows(), hidden_rows, strict=True):
        share = _is_share_row(row, result.kinds)
        rows.append([_cell(c, row[c], row, share=share, hidden=bool(hidden)) for c in columns])
    return [column_label(c) for c in columns], rows


def display(result: Protected) -> pd.DataFrame:
    """A copy for people: Swedish headers and labels, formatted numbers, ``..`` where hidden.

    The footnotes that belong under it are ``result.footnotes``.
    """
    return _shown(*cells(result))


def _shown(headers: list[str], rows: list[list[Cell]]) -> pd.DataFrame:
    return pd.DataFrame([[cell.text for cell in row] for row in rows], columns=headers)


def footnotes(result: Protected) -> str:
    """The footnotes that belong under a result, as one paragraph."""
    return " ".join(result.footnotes)


def to_text(result: Protected) -> str:
    """Plain text for the command line, with the footnotes."""
    return _text(display(result), result)


def _text(shown: pd.DataFrame, result: Protected) -> str:
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


def csv_frame(result: Protected, *, plain: bool = False) -> pd.DataFrame:
    """The table as CSV carries it: numbers as numbers, never formatted text.

    Swedish Excel style (``plain=False``): Swedish headers, numbers as in the Excel export
    (shares as fractions, differences of shares in percentage points), ``..`` where hidden.
    Plain: the table's own column names and values, as in the JSON form, hidden values empty.
    """
    if plain:
        return pd.DataFrame(to_records(result)).convert_dtypes()
    headers, rows = cells(result)
    values = [
        [_csv_number(c.number) if c.number is not None else c.text for c in row] for row in rows
    ]
    return pd.DataFrame(values, columns=headers)


def _csv_number(number: float | int) -> str:
    """A number as Swedish Excel reads it from CSV: decimal comma, no thousands separator."""
    if isinstance(number, int):
        return str(number)
    return np.format_float_positional(number, precision=10, trim="-").replace(".", ",")


def to_csv(result: Protected, path: str | os.PathLike[str], *, plain: bool = False) -> Path:
    """Write the table as CSV: Swedish Excel style (semicolon, decimal comma), or plain
    (comma, decimal point, the table's own column names); see :func:`csv_frame`."""
    return write_csv(csv_frame(result, plain=plain), path, swedish=not plain)


def to_excel(
    results: Mapping[str, Protected],
    path: str | os.PathLike[str],
    *,
    about: Mapping[str, str] | None = None,
) -> Path:
    """Write one sheet per result: Swedish headers, numbers as numbers, footnotes under it.

    ``about`` (label → value: the data, the selection, the threshold …) becomes a first sheet
    *Om tabellen*.
    """
    payloads = [table_payload(result, caption=name) for name, result in results.items()]
    names = sheet_names(list(results))
    return write_tables(payloads, path, names=names, about=about, about_title="Om tabellen")


def table_payload(result: Protected, *, caption: str | None = None) -> dict[str, Any]:
    """A protected result as JSON for a workbook: caption, headers, cells, footnotes.

    A cell is ``[number, format]`` where it is a number and ``[text, null]`` otherwise; hidden
    values are their ``..`` text, as on the page.
    """
    return _payload(*cells(result), result, caption=caption)


def _payload(
    headers: list[str], rows: list[list[Cell]], result: Protected, *, caption: str | None
) -> dict[str, Any]:
    return {
        "caption": caption or "",
        "columns": headers,
        "rows": [
            [[c.number, c.number_format] if c.number is not None else [c.text, None] for c in row]
            for row in rows
        ],
        "footnotes": footnotes(result),
    }


def to_html(result: Protected, *, caption: str | None = None, folded: bool = False) -> str:
    """An HTML table for notebooks and reports (no scripts, no external assets).

    ``folded`` puts the table under its caption in a section the reader opens (``<details>``),
    for the numbers behind a chart: a printed report names the section and leaves the table
    to the web page and the Excel workbook.
    """
    return _html(display(result), result, caption=caption, folded=folded)


def _html(shown: pd.DataFrame, result: Protected, *, caption: str | None, folded: bool) -> str:
    body = shown.to_html(index=False, escape=True, border=0, na_rep="")
    notes = f"<p><small>{html.escape(footnotes(result))}</small></p>"
    if folded:
        summary = html.escape(caption or "Tabellen")
        return f"<details><summary>{summary}</summary>{body}{notes}</details>"
    cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    return f"{cap}{body}{notes}"


class HtmlTable:
    """Wraps a result so a notebook shows it as formatted HTML (also in static reports)."""

    def __init__(self, result: Protected, *, caption: str | None = None, folded: bool = False):
        self.result = require_protected(result)
        self.caption = caption
        self.folded = folded

    def _repr_html_(self) -> str:
        return to_html(self.result, caption=self.caption, folded=self.folded)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # the page shows the HTML; the numbers travel along for the kommun's Excel workbook.
        # The cells are formatted once for all three.
        headers, rows = cells(self.result)
        shown = _shown(headers, rows)
        return {
            "text/html": _html(shown, self.result, caption=self.caption, folded=self.folded),
            "text/plain": _text(shown, self.result),
            TABLE_MIME: _payload(headers, rows, self.result, caption=self.caption),
        }

    def __repr__(self) -> str:
        return to_text(self.result)


def show(result: Protected, *, caption: str | None = None, folded: bool = False) -> HtmlTable:
    """Return an object that renders ``result`` as a Swedish HTML table in a notebook.

    ``folded``: under its caption in a section the reader opens (see :func:`to_html`).
    """
    return HtmlTable(result, caption=caption, folded=folded)
