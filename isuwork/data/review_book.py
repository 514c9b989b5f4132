"""The case review's files: the review book the reviewers fill in, and the key kept apart.

A case review (aktgranskning, after Botkyrka kommun's review of 100 investigations) reads a
sample of investigations against a template (granskningsmall). isuwork writes that template as
an Excel workbook, the *review book*: one row per sampled case under its review code, one
column per item of the catalogue's ``review.items``, each with a drop-down list or a number
range and a Swedish instruction, and a sheet that explains it all. In a blind review the book
holds nothing but the code (and the kind of case): kön, ids and background are written to the
*key*, a separate file the analysis asks for, so that the reviewers do not know whose case they
read.

Reading the filled book back checks every cell against the catalogue with the same checks as
an export (:mod:`isuwork.data.checks`). A single bad entry stops the reading with a Swedish
message naming the sheet, row and column, so nothing is half-read. The reviewers' notes never
leave the book: that column is not read.
"""

from __future__ import annotations

import io as _io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from isuwork.data.checks import Problems, check_code, check_number, check_yesno, column_text
from isuwork.data.io import ROW_COLUMN, read_export, write_bytes, write_excel
from isuwork.data.mapping import Mapping
from isuwork.domain.catalog import Catalog, Variable, load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import DataError

#: The review code that stands for a case in the review book and joins the key.
CODE = "granskningskod"
#: The sheet the reviewers fill in, the one that explains it, and the lists of codes.
REVIEW_SHEET = "Granskning"
INSTRUCTIONS_SHEET = "Instruktioner"
CODES_SHEET = "Koder"
#: The key's sheet.
KEY_SHEET = "Nyckel"
#: What identifies a case for the reviewers in an open (not blind) review book.
OPEN_COLUMNS = ("utredning_id", SEX)
#: Shown in both kinds of book: the kind of case, which says nothing of whose it is.
CASE_COLUMNS = ("verksamhet",)
#: The reviewers' own notes: written in the book, never read back.
NOTES = "anteckningar"

_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
#: Both files have a line for people (labels, or the key's warning) above the row of names.
_LAYOUT = Mapping(system="aktgranskning", header_row=2)


@dataclass(frozen=True)
class ReviewBook:
    """A filled review book as read back.

    Attributes
    ----------
    data
        One row per reviewed case: ``granskningskod``, the items (typed as the catalogue says),
        ``timmar_forandring`` where both hours are given, and what the key adds (kön and
        background) when a key was given.
    not_reviewed
        Review codes of rows where no item is filled in; they are left out of ``data``.
    warnings
        What the person who owns the files should know (Swedish sentences).
    """

    data: pd.DataFrame
    not_reviewed: tuple[str, ...]
    warnings: tuple[str, ...]


def review_items() -> list[Variable]:
    """The catalogue's review items, in the book's order."""
    catalog = load_catalog()
    return [catalog.variable(name) for name in catalog.review_items]


def write_review_book(
    cases: pd.DataFrame, path: str | os.PathLike[str], *, blind: bool = True
) -> Path:
    """Write the review book for sampled cases (with ``granskningskod``) and return its path.

    Parameters
    ----------
    cases
        The sampled cases, one row each, with their review code (see
        :func:`isuwork.analysis.review.sampling.draw_sample`).
    path
        The ``.xlsx`` file to write (atomically).
    blind
        When True the book holds only the review code and the kind of case; kön, ids and
        background stay in the key (:func:`write_review_key`). When False the reviewers also
        see ``utredning_id`` and kön.
    """
    catalog = load_catalog()
    shown = [CODE, *(c for c in CASE_COLUMNS if c in cases)]
    if not blind:
        shown += [c for c in OPEN_COLUMNS if c in cases]
    items = review_items()
    columns = [*shown, *(v.name for v in items)]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = REVIEW_SHEET
    labels = [catalog.label(c) for c in columns]
    sheet.append(labels)
    sheet.append(columns)
    for _, case in cases.iterrows():
        sheet.append([_display(catalog, c, case[c]) for c in shown])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=3, column=len(shown) + 1)
    for number, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = 34 if name == NOTES else 18
    last = 2 + len(cases)
    code_lists = _code_lists(book, items)
    for number, variable in enumerate(items, start=len(shown) + 1):
        check = _validation(variable, code_lists)
        if check is not None:
            letter = get_column_letter(number)
            sheet.add_data_validation(check)
            check.add(f"{letter}3:{letter}{max(last, 3)}")
    _instructions(book, items, blind=blind)
    buffer = _io.BytesIO()
    book.save(buffer)
    return write_bytes(buffer.getvalue(), path)


def write_review_key(cases: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the key: review code, ``utredning_id``, kön and background of each sampled case.

    The key joins kön and background back to the review book in the analysis
    (:func:`read_review_book` with ``key=``). Keep it apart from the book and from the
    reviewers. It never holds personnummer or names (preparation dropped them).
    """
    catalog = load_catalog()
    keep = [CODE, *(c for c in ("utredning_id", *catalog.review_key) if c in cases)]
    table = cases[keep].copy()
    for column in keep:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype("string")
    title = [
        "Nyckel till aktgranskningen: ge den inte till granskarna. Den kopplar granskningskoden "
        "till ärendet, kön och bakgrund."
    ]
    return write_excel({KEY_SHEET: table}, path, title_rows={KEY_SHEET: title})


def read_review_key(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a key written by :func:`write_review_key`, typed as the catalogue says.

    Raises
    ------
    DataError
        When a value is not one the catalogue allows, or a review code is missing or repeated.
    """
    raw = read_export(path, mapping=_LAYOUT, sheet=KEY_SHEET)
    where = f"{raw.source}, bladet {KEY_SHEET}"
    return _typed(raw.data, [c for c in raw.data if c not in (ROW_COLUMN, CODE)], where)


def read_review_book(
    path: str | os.PathLike[str],
    *,
    key: str | os.PathLike[str] | pd.DataFrame | None = None,
    measures: pd.DataFrame | None = None,
) -> ReviewBook:
    """Read a filled review book back, checked cell by cell; nothing is read half.

    Parameters
    ----------
    path
        The review book (``.xlsx``) as the reviewers filled it in.
    key
        The key (a file from :func:`write_review_key`, or the frame of
        :func:`read_review_key`): joins kön and background to each case. Every code in the
        book must be in the key.
    measures
        Text measures per review code (:func:`isuwork.data.text_measures.measure_text_folder`):
        their word counts replace the reviewers' estimates of the same headings, and their
        theme counts are added.

    Raises
    ------
    DataError
        A Swedish message naming the sheet, row and column of every bad entry (the first few),
        a review code missing, repeated or not in the key, or a book without the review sheet.
    """
    raw = read_export(path, mapping=_LAYOUT, sheet=REVIEW_SHEET)
    where = f"{raw.source}, bladet {REVIEW_SHEET}"
    frame = raw.data
    if CODE not in frame:
        raise DataError(
            f"{where}: kolumnen {CODE} saknas. Använd granskningsboken som isuwork skrev och "
            "ändra inte rubrikraderna."
        )
    items = [v.name for v in review_items() if v.name != NOTES]
    known = {CODE, ROW_COLUMN, NOTES, *items, *CASE_COLUMNS, *OPEN_COLUMNS}
    warnings = [
        f"Kolumnen '{c}' finns inte i granskningsmallen och lästes inte in."
        for c in frame
        if c not in known and not str(c).startswith("Unnamed")
    ]
    frame = frame.drop(columns=[c for c in frame if c not in known or c == NOTES])
    present = [c for c in items if c in frame]
    if not present:
        raise DataError(
            f"{where}: boken har ingen av granskningsmallens kolumner "
            f"({', '.join(items[:4])} …). Använd granskningsboken som isuwork skrev."
        )
    filled = pd.concat([column_text(frame, c).notna() for c in present], axis=1)
    empty = ~filled.any(axis=1).to_numpy()
    codes = column_text(frame, CODE)
    blank_rows = empty & codes.isna().to_numpy()
    frame = frame[~blank_rows].reset_index(drop=True)
    empty = empty[~blank_rows]
    table = _typed(frame, [c for c in frame if c not in (ROW_COLUMN, CODE)], where)
    not_reviewed = tuple(str(c) for c in table.index[empty])
    if not_reviewed:
        warnings.append(
            f"{len(not_reviewed)} ärenden i granskningsboken är inte ifyllda och är inte med i "
            f"analysen: {', '.join(not_reviewed[:10])}{' …' if len(not_reviewed) > 10 else ''}."
        )
    table = table[~empty]
    if {"timmar_fore", "timmar_efter"} <= set(table):
        table["timmar_forandring"] = table["timmar_efter"] - table["timmar_fore"]
    if measures is not None:
        table = _with_measures(table, measures, where, warnings)
    if key is not None:
        table = _with_key(table, key, where, warnings)
    return ReviewBook(table.reset_index(), not_reviewed, tuple(warnings))


def _typed(frame: pd.DataFrame, columns: list[str], where: str) -> pd.DataFrame:
    """Check and type the columns (and the codes); raise one message for every problem."""
    catalog = load_catalog()
    rows = frame[ROW_COLUMN].to_numpy()
    problems = Problems(where, rows)
    codes = column_text(frame, CODE)
    problems.add(codes.isna().to_numpy(), CODE, "granskningskod saknas")
    repeated = codes.duplicated(keep="first").to_numpy() & codes.notna().to_numpy()
    problems.add(repeated, CODE, "samma granskningskod finns på en tidigare rad", codes)
    typed: dict[str, pd.Series] = {CODE: codes}
    for name in columns:
        text = column_text(frame, name)
        variable = catalog.variable(name) if name in catalog else None
        if variable is None or variable.type in ("text", "date"):
            typed[name] = text
        elif variable.type == "code" and not variable.codes:  # age groups: codes by scheme
            typed[name] = text.astype(catalog.dtype(name))
        elif variable.type == "code":
            typed[name] = check_code(variable, text, problems)
        elif variable.type == "yesno":
            typed[name] = check_yesno(variable, text, problems)
        else:
            typed[name] = check_number(variable, text, problems)
    if problems.details:
        raise DataError(_message(problems, catalog))
    table = pd.DataFrame({k: v.reset_index(drop=True) for k, v in typed.items()})
    return table.set_index(CODE)


def _message(problems: Problems, catalog: Catalog) -> str:
    """The problems by sheet, row and column, with what each column allows."""
    parts = []
    for column, reason, rows, values in problems.details[:5]:
        label = catalog.label(column) if column in catalog else column
        rows_shown = ", ".join(str(int(r)) for r in sorted(set(rows))[:5])
        more = f" (och {len(set(rows)) - 5} rader till)" if len(set(rows)) > 5 else ""
        text = f"rad {rows_shown}{more}, kolumnen {column} ({label}): {reason}"
        if values:
            text += f", till exempel {', '.join(repr(v) for v in values)}"
        parts.append(text)
    more = len(problems.details) - 5
    tail = f" Dessutom {more} andra fel." if more > 0 else ""
    return (
        f"{problems.source}: {'; '.join(parts)}.{tail} Rätta cellerna och läs in boken igen; "
        "inget av den lästes in."
    )


def _with_key(
    table: pd.DataFrame,
    key: str | os.PathLike[str] | pd.DataFrame,
    where: str,
    warnings: list[str],
) -> pd.DataFrame:
    keyed = key if isinstance(key, pd.DataFrame) else read_review_key(key)
    missing = [str(c) for c in table.index if c not in keyed.index]
    if missing:
        raise DataError(
            f"{where}: granskningskoderna {', '.join(missing[:10])} finns inte i nyckeln. "
            "Kontrollera att nyckeln hör till den här granskningsboken."
        )
    left_out = [str(c) for c in keyed.index if c not in table.index]
    if left_out:
        warnings.append(
            f"{len(left_out)} ärenden i nyckeln finns inte bland de granskade i boken: "
            f"{', '.join(left_out[:10])}{' …' if len(left_out) > 10 else ''}."
        )
    extra = [c for c in keyed if c not in table]
    return table.join(keyed[extra], how="left")


def _with_measures(
    table: pd.DataFrame, measures: pd.DataFrame, where: str, warnings: list[str]
) -> pd.DataFrame:
    unknown = [str(c) for c in measures.index if c not in table.index]
    if unknown:
        warnings.append(
            f"{len(unknown)} texter har en granskningskod som inte finns bland de granskade i "
            f"boken och räknades inte: {', '.join(unknown[:10])}."
        )
    without = [str(c) for c in table.index if c not in measures.index]
    if without:
        warnings.append(
            f"{len(without)} granskade ärenden har ingen text; för dem gäller granskarnas "
            "uppskattning av antalet ord."
        )
    joined = measures.reindex(table.index)
    out = table.copy()
    for column in measures:
        if column in out:
            out[column] = joined[column].astype("Int64").fillna(out[column].astype("Int64"))
        else:
            out[column] = joined[column]
    return out


def _display(catalog: Catalog, column: str, value: object) -> object:
    """A cell of the book: a code as its Swedish label, missing as an empty cell."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if column in catalog and catalog.variable(column).codes:
        return catalog.code_label(column, value)
    return str(value)


def _code_lists(book: openpyxl.Workbook, items: list[Variable]) -> dict[str, str]:
    """Write the drop-down lists on their own sheet; a range per variable."""
    sheet = book.create_sheet(CODES_SHEET)
    ranges: dict[str, str] = {}
    lists = {"yesno": ["Ja", "Nej"]}
    lists.update({v.name: list(v.codes.values()) for v in items if v.type == "code"})
    for number, (name, labels) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        sheet.cell(row=1, column=number, value=name).font = Font(bold=True)
        for row, label in enumerate(labels, start=2):
            sheet.cell(row=row, column=number, value=label)
        ranges[name] = f"={CODES_SHEET}!${letter}$2:${letter}${len(labels) + 1}"
        sheet.column_dimensions[letter].width = 44
    return ranges


def _validation(variable: Variable, code_lists: dict[str, str]) -> DataValidation | None:
    """The drop-down list or number range of one item (None for free text)."""
    label = variable.label[:32]
    if variable.type in ("code", "yesno"):
        formula = code_lists["yesno" if variable.type == "yesno" else variable.name]
        check = DataValidation(type="list", formula1=formula, allow_blank=True)
        check.error = "Välj ett av värdena i listan."
    elif variable.type in ("int", "number"):
        low = "0" if variable.min is None else format_number(variable.min).replace(",", ".")
        high = "1000000" if variable.max is None else str(variable.max).removesuffix(".0")
        kind = "whole" if variable.type == "int" else "decimal"
        check = DataValidation(
            type=kind, operator="between", formula1=low, formula2=high, allow_blank=True
        )
        what = "ett heltal" if variable.type == "int" else "ett tal"
        check.error = f"Skriv {what} från {low} till {high}."
    else:
        return None
    check.errorTitle = "Värdet passar inte"
    check.showErrorMessage = True
    check.promptTitle = label
    check.prompt = (variable.help or variable.label)[:250]
    check.showInputMessage = True
    return check


def _allowed(variable: Variable) -> str:
    if variable.type == "code":
        return "; ".join(variable.codes.values())
    if variable.type == "yesno":
        return "Ja; Nej"
    if variable.type in ("int", "number"):
        kind = "heltal" if variable.type == "int" else "tal"
        return f"{kind} {format_number(variable.min or 0)}–{format_number(variable.max or 0)}"
    return "fri text"


def _instructions(book: openpyxl.Workbook, items: list[Variable], *, blind: bool) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET, 0)
    lines = [
        "Aktgranskning med jämställdhetsperspektiv",
        "",
        "Varje rad på bladet Granskning är ett ärende i urvalet. Läs utredningen och beslutet och "
        "fyll i en kolumn i taget. Välj i listorna där det finns listor; tal skrivs som siffror.",
        "Lämna en cell tom om uppgiften inte går att se i akten. Ändra inte granskningskoden och "
        "inte de två rubrikraderna.",
        "Anteckningar stannar i den här boken: isuwork läser aldrig in dem. Skriv inga namn eller "
        "personnummer i dem.",
    ]
    if blind:
        lines.append(
            "Boken är blind: den visar inte kön, namn eller id. Nyckeln som kopplar koden till "
            "ärendet har den som samordnar granskningen. Diskutera ärendena utan att nämna kön."
        )
    for line in [*lines, ""]:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Kolumn", "Vad som ska fyllas i", "Tillåtna värden"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for variable in items:
        sheet.append([variable.label, variable.help or "", _allowed(variable)])
    for letter, width in (("A", 40), ("B", 80), ("C", 60)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
