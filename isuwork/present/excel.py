"""Result tables as an Excel workbook people can sort and sum: real numbers, Swedish headers.

Each table gets a sheet with its header in the first row (frozen, with a filter), its cells as
numbers with number formats where they are numbers (Excel shows them with the reader's decimal
comma), hidden values as ``..`` and the footnotes under the table. An optional first sheet,
*Om rapporten*, says what the workbook is, how it was made and what each sheet holds.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from isuwork.data.io import write_bytes
from isuwork.domain.formatting import SUPPRESSED

_HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")
_BOLD = Font(bold=True)
_RIGHT = Alignment(horizontal="right")
_WRAP = Alignment(wrap_text=True, vertical="top")
_MAX_WIDTH = 60
_ABOUT = "Om rapporten"


def sheet_names(captions: Sequence[str]) -> list[str]:
    """Sheet names for tables: their captions, shortened to Excel's 31 characters, unique.

    Excel forbids ``[]:*?/\\`` in sheet names; they become spaces. Tables without a caption
    are called *Tabell 1*, *Tabell 2* …
    """
    names: list[str] = []
    taken = {_ABOUT.lower()}
    for i, caption in enumerate(captions, start=1):
        base = re.sub(r"[\[\]:*?/\\]", " ", caption).strip() or f"Tabell {i}"
        name, n = base[:31], 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _fit_columns(sheet: Any, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_WIDTH)


def _write_table(sheet: Any, table: Mapping[str, Any]) -> None:
    widths: dict[int, int] = {}
    for j, header in enumerate(table["columns"], start=1):
        cell = sheet.cell(row=1, column=j, value=header)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
        widths[j] = min(len(str(header)), 24)
    for i, row in enumerate(table["rows"], start=2):
        for j, (value, number_format) in enumerate(row, start=1):
            cell = sheet.cell(row=i, column=j, value=value)
            if number_format:
                cell.number_format = number_format
            elif value == SUPPRESSED:
                cell.alignment = _RIGHT
            widths[j] = max(widths.get(j, 0), len(str(value)) if value is not None else 0)
    last = len(table["rows"]) + 1
    if table["columns"]:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table['columns']))}{last}"
    if table.get("footnotes"):
        sheet.cell(row=last + 2, column=1, value=table["footnotes"])
    _fit_columns(sheet, widths)


def _write_about(sheet: Any, about: Mapping[str, str], contents: Sequence[tuple[str, str]]) -> None:
    sheet.cell(row=1, column=1, value=sheet.title).font = Font(bold=True, size=14)
    row = 3
    for label, value in about.items():
        sheet.cell(row=row, column=1, value=label).font = _BOLD
        sheet.cell(row=row, column=2, value=value)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="Blad").font = _BOLD
    sheet.cell(row=row, column=2, value="Innehåll").font = _BOLD
    for name, description in contents:
        row += 1
        sheet.cell(row=row, column=1, value=name)
        sheet.cell(row=row, column=2, value=description)
    row += 2
    sheet.cell(
        row=row,
        column=1,
        value=(
            f"Talen är riktiga tal som går att sortera och räkna med. {SUPPRESSED} betyder att "
            "värdet inte visas eftersom det bygger på för få personer."
        ),
    )
    _fit_columns(sheet, {1: 28, 2: _MAX_WIDTH})


def write_tables(
    tables: Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str],
    *,
    names: Sequence[str] | None = None,
    about: Mapping[str, str] | None = None,
    descriptions: Sequence[str] | None = None,
    about_title: str = _ABOUT,
) -> Path:
    """Write tables to one ``.xlsx`` workbook, one sheet each, atomically.

    Parameters
    ----------
    tables
        Tables as :func:`isuwork.present.tables.table_payload` makes them.
    path
        The workbook to write.
    names
        Sheet names (default: from the tables' captions, see :func:`sheet_names`).
    about
        When given, a first sheet *Om rapporten* with these lines (label → value) and the list
        of sheets.
    descriptions
        What each sheet holds, for that list (default: the tables' captions).
    about_title
        The name of that first sheet (*Om tabellen* for a single table's export).
    """
    names = list(names) if names is not None else sheet_names([t["caption"] for t in tables])
    book = Workbook()
    first = book.active
    if about is not None:
        first.title = about_title
        described = descriptions or [t["caption"] for t in tables]
        _write_about(first, about, list(zip(names, described, strict=True)))
    else:
        book.remove(first)
    for name, table in zip(names, tables, strict=True):
        _write_table(book.create_sheet(name[:31]), table)
    if not book.worksheets:
        book.create_sheet("Tabell").cell(row=1, column=1, value="Inga tabeller att visa.")
    buffer = io.BytesIO()
    book.save(buffer)
    return write_bytes(buffer.getvalue(), path)
