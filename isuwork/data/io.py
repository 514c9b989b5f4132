"""Reading municipal exports and writing results: the only module that touches user files.

Exports from Swedish case systems arrive as Excel files or as "CSV" saved by Swedish Excel
(semicolon separator, decimal comma, cp1252 or UTF-8 with a byte-order mark). This module reads
them into a raw all-text frame, applies a mapping file (system headers and codes to isuwork
names), and writes results atomically so that an interrupted run never leaves half a file.
"""

from __future__ import annotations

import csv
import datetime
import io as _io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from isuwork.data.arrow_text import all_missing, is_arrow_text, stripped
from isuwork.data.csv_body import pandas_csv, read_body
from isuwork.data.mapping import Mapping as ExportMapping
from isuwork.data.mapping import apply_mapping, coerce_mapping
from isuwork.domain.catalog import load_catalog
from isuwork.exceptions import DataError

# A fixed timestamp for reproducible xlsx files (zip entries and document properties).
_FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, mode: str = "wb") -> Iterator[_io.IOBase]:
    """Open a temporary file beside ``path``; on success move it over ``path`` in one step.

    A crash or exception inside the ``with`` block leaves ``path`` as it was.

    Parameters
    ----------
    path
        The file to (re)write. Its folder is created when missing.
    mode
        ``'wb'`` (bytes) or ``'w'`` (UTF-8 text).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline="" if encoding else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates files readable by the owner only; give the result the permissions an
        # ordinary new file would get, so colleagues on a shared drive can read reports.
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes to ``path`` atomically and return the path."""
    with atomic_write(path, mode="wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write UTF-8 text to ``path`` atomically and return the path."""
    return write_bytes(text.encode("utf-8"), path)


def write_csv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    swedish: bool = True,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write a table as CSV, atomically.

    Parameters
    ----------
    df
        The table; the index is not written.
    path
        Target file.
    swedish
        Swedish Excel style (semicolon, decimal comma, CRLF line ends) when True; plain
        comma-separated with a decimal point otherwise.
    encoding
        ``'utf-8-sig'`` (UTF-8 with byte-order mark, which Excel needs to read å, ä, ö) or
        ``'cp1252'`` as older Swedish Excel writes.
    """
    text = df.to_csv(
        index=False,
        sep=";" if swedish else ",",
        decimal="," if swedish else ".",
        lineterminator="\r\n" if swedish else "\n",
    )
    return write_bytes(text.encode(encoding), path)


def write_excel(
    sheets: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    reproducible: bool = False,
    title_rows: Mapping[str, list[str]] | None = None,
) -> Path:
    """Write one sheet per table to an ``.xlsx`` file, atomically.

    Parameters
    ----------
    sheets
        Sheet name (at most 31 characters) to table; the index is not written.
    path
        Target file.
    reproducible
        Fix every timestamp inside the file so that the same tables give the same bytes.
    title_rows
        Optional lines written above a sheet's header (as many case systems do), per sheet.
    """
    buffer = _io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            titles = (title_rows or {}).get(name, [])
            table.to_excel(writer, sheet_name=name[:31], index=False, startrow=len(titles))
            sheet = writer.sheets[name[:31]]
            for i, line in enumerate(titles, start=1):
                sheet.cell(row=i, column=1, value=line)
        if reproducible:
            fixed = pd.Timestamp(*_FIXED_ZIP_TIME[:3]).to_pydatetime()
            writer.book.properties.created = fixed
            writer.book.properties.modified = fixed
    data = buffer.getvalue()
    if reproducible:
        data = reproducible_xlsx(data)
    return write_bytes(data, path)


def reproducible_xlsx(data: bytes) -> bytes:
    """An xlsx file (a zip archive) rewritten with fixed entry times and fixed created and
    modified dates, so that the same content gives the same bytes."""
    source = zipfile.ZipFile(_io.BytesIO(data))
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:created and :modified; pin them
                content = _pin_dates(content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


def _pin_dates(core_xml: bytes) -> bytes:
    return re.sub(
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
        rb"\g<1>2024-01-01T00:00:00Z\g<3>",
        core_xml,
    )


# --------------------------------------------------------------------------------------------
# Reading exports
# --------------------------------------------------------------------------------------------
ROW_COLUMN = "radnr"
_SEPARATORS = (";", "\t", ",")
_SEPARATOR_NAMES = {";": "semikolon", "\t": "tabb", ",": "komma"}
_HEADER_SCAN_ROWS = 20
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RawExport:
    """An export as read, before preparation: every value as text, and what reading found.

    Attributes
    ----------
    data
        Every value as text (``string`` dtype, empty cells ``<NA>``), headers renamed and codes
        recoded by the mapping, plus ``radnr``: the row number a spreadsheet program shows.
    source
        The file's name, for messages.
    encoding, separator
        How a CSV file was written (None for other kinds).
    date_formats
        Date format per column, from the mapping.
    warnings
        What the person who owns the file should check (Swedish sentences).
    mapping
        The mapping's system name or file name ("" without a mapping).
    sheet
        The Excel sheet that was read (None for other kinds).
    """

    data: pd.DataFrame
    source: str
    encoding: str | None = None
    separator: str | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    mapping: str = ""
    sheet: str | None = None


def read_export(
    path: str | os.PathLike[str],
    *,
    mapping: Any = None,
    sheet: str | None = None,
) -> RawExport:
    """Read an export (CSV, XLSX or Parquet) into a raw all-text frame, applying a mapping.

    Parameters
    ----------
    path
        The export file. CSV is sniffed for encoding (UTF-8 with or without byte-order mark,
        else cp1252) and separator (semicolon, tab or comma); Excel's title rows above the header
        are skipped by finding the first row that holds known column names.
    mapping
        A :class:`isuwork.data.mapping.Mapping`, a path to a mapping file (YAML), or None.
    sheet
        Excel sheet name (default: the mapping's, else the first sheet).

    Returns
    -------
    RawExport
        The all-text frame with its row numbers, and what reading found.

    Raises
    ------
    DataError
        When the file is missing, empty, of an unknown kind, or cannot be parsed.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"Filen {file} finns inte. Kontrollera sökvägen och filnamnet.")
    active = coerce_mapping(mapping)
    known = _known_headers(active)
    suffix = file.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw = _read_csv(file, known=known, header_row=active.header_row if active else None)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_excel(
            file,
            known=known,
            sheet=sheet or (active.sheet if active else None),
            header_row=active.header_row if active else None,
        )
    elif suffix == ".parquet":
        raw = _read_parquet(file)
    else:
        raise DataError(
            f"Filen {file.name} har en filtyp som isuwork inte läser ({suffix or 'ingen'}). "
            "Spara exporten som CSV (semikolonavgränsad), Excel (.xlsx) eller Parquet."
        )
    if active is None:
        return raw
    return _mapped(raw, active)


def _mapped(raw: RawExport, mapping: ExportMapping) -> RawExport:
    frame, warnings = apply_mapping(raw.data, mapping, source=raw.source)
    return replace(
        raw,
        data=frame,
        warnings=(*raw.warnings, *warnings),
        date_formats=dict(mapping.dates),
        mapping=mapping.system or mapping.source,
    )


def _known_headers(mapping: Any) -> set[str]:
    names = {name.lower() for name in load_catalog().variables}
    if mapping is not None:
        names |= {str(h).strip().lower() for h in mapping.columns}
    return names


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"Filen {name} är sparad som UTF-16 ('Unicode-text'), som isuwork inte läser. Spara "
            "den på nytt från Excel som 'CSV UTF-8 (kommaavgränsad)' eller som .xlsx."
        )
    if data.startswith(_BOM):
        return str(memoryview(data)[3:], "utf-8", "strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise DataError(
            f"Filen {name} går inte att läsa som text (varken UTF-8 eller Windows-1252). "
            "Spara den på nytt från Excel som 'CSV UTF-8 (kommaavgränsad)'."
        ) from None


def _sniff_separator(lines: list[str], name: str) -> str:
    counts = {sep: max(line.count(sep) for line in lines) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: (counts[sep], sep == ";"))
    if counts[best] == 0:
        raise DataError(
            f"Filen {name} verkar bara ha en kolumn: isuwork hittar varken semikolon, tabb eller "
            "komma mellan kolumnerna. Spara exporten från Excel som CSV med semikolon som "
            "avgränsare."
        )
    return best


def _find_header(rows: list[list[str]], known: set[str], name: str) -> int:
    """Index of the first row holding at least two known column names (else the first row)."""
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if str(cell).strip().lower() in known)
        if hits >= 2:
            return i
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if str(cell).strip()) >= 2:
            return i
    return 0


def _read_csv(file: Path, *, known: set[str], header_row: int | None) -> RawExport:
    data = file.read_bytes()
    text, encoding = _decode(data, file.name)
    if not text or text.isspace():
        raise DataError(f"Filen {file.name} är tom. Kontrollera att exporten innehåller data.")
    head = _first_lines(text, _HEADER_SCAN_ROWS)
    head_lines = [line for line in head if line.strip()]
    sep = _sniff_separator(head_lines, file.name)
    rows = list(csv.reader(_io.StringIO("\n".join(head)), delimiter=sep))
    if header_row is not None:
        skip = header_row - 1
    else:
        skip = _find_header([r for r in rows], known, file.name)
    # pyarrow parses the rows fast where it gives what pandas gives; else pandas reads them
    if encoding == "cp1252":
        frame = read_body(text, text.encode("utf-8"), offset=0, sep=sep, skip=skip)
    else:
        frame = read_body(text, data, offset=3 if data.startswith(_BOM) else 0, sep=sep, skip=skip)
    if frame is None:
        frame = _read_with_pandas(text, file.name, sep=sep, skip=skip)
    frame = _finish(frame, file.name, skip + 2)
    return RawExport(frame, source=file.name, encoding=encoding, separator=sep)


def _first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]``, without splitting the whole text."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def _read_with_pandas(text: str, name: str, *, sep: str, skip: int) -> pd.DataFrame:
    try:
        return pandas_csv(text, sep=sep, skip=skip)
    except (pd.errors.ParserError, ValueError) as err:
        line = re.search(r"line (\d+)", str(err))
        where = f" (rad {int(line.group(1)) + skip})" if line else ""
        raise DataError(
            f"Filen {name} kunde inte läsas som CSV med {_SEPARATOR_NAMES[sep]} som "
            f"avgränsare{where}: raderna har olika antal kolumner. Kontrollera att fält som "
            "innehåller avgränsaren står inom citattecken."
        ) from None


def _finish(frame: pd.DataFrame, name: str, first_data_row: int) -> pd.DataFrame:
    headers = [str(c).strip() for c in frame.columns]
    unnamed = [i for i, h in enumerate(headers) if not h or h.lower().startswith("unnamed:")]
    dupes = sorted({h for h in headers if headers.count(h) > 1 and h})
    pandas_dupes = sorted(
        {re.sub(r"\.\d+$", "", h) for h in headers if re.search(r"\.\d+$", h)} & set(headers)
    )
    if dupes or pandas_dupes:
        raise DataError(
            f"Filen {name} har flera kolumner med samma rubrik: "
            f"{', '.join(dupes or pandas_dupes)}. Byt namn på eller ta bort dubbletterna."
        )
    frame.columns = headers
    frame = frame.drop(
        columns=[headers[i] for i in unnamed if frame.iloc[:, i].eq("").all()] if unnamed else []
    )
    frame = frame.astype("string")
    for col in frame.columns:
        if frame.columns.has_duplicates or not is_arrow_text(frame[col]):  # as before
            text = frame[col].str.strip()
            frame[col] = text.mask(text == "")
        else:
            frame[col] = stripped(frame[col])
    # drop wholly blank lines (Excel leaves them at the end), keeping row numbers honest
    blank = all_missing(frame)
    frame.insert(0, ROW_COLUMN, np.arange(first_data_row, first_data_row + len(frame)))
    if blank.any():
        frame = frame.loc[~blank]
    return frame.reset_index(drop=True)


def _cell_text(value: Any) -> Any:
    """Text of one spreadsheet cell as a person sees it (1 not 1.0; dates as ISO)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return pd.NA
    if isinstance(value, float) and np.isnan(value):
        return pd.NA
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _read_excel(
    file: Path, *, known: set[str], sheet: str | None, header_row: int | None
) -> RawExport:
    try:
        book = pd.ExcelFile(file, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds for broken files
        raise DataError(
            f"Filen {file.name} kunde inte öppnas som Excel-fil ({type(err).__name__}). "
            "Öppna den i Excel och spara den på nytt som .xlsx."
        ) from None
    with book:
        if sheet is not None and sheet not in book.sheet_names:
            raise DataError(
                f"Filen {file.name} har inget blad som heter '{sheet}'. Bladen heter: "
                f"{', '.join(book.sheet_names)}."
            )
        sheet = sheet or book.sheet_names[0]
        grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    if grid.dropna(how="all").empty:
        raise DataError(f"Filen {file.name} är tom. Kontrollera att exporten innehåller data.")
    cells = grid.map(_cell_text)
    rows = cells.head(_HEADER_SCAN_ROWS).fillna("").astype(str).values.tolist()
    skip = header_row - 1 if header_row is not None else _find_header(rows, known, file.name)
    headers = cells.iloc[skip].fillna("").astype(str).tolist()
    body = cells.iloc[skip + 1 :].reset_index(drop=True)
    body.columns = [h if h else f"Unnamed: {i}" for i, h in enumerate(headers)]
    return RawExport(_finish(body.fillna(""), file.name, skip + 2), source=file.name, sheet=sheet)


def _read_parquet(file: Path) -> RawExport:
    try:
        table = pd.read_parquet(file)
    except Exception as err:
        raise DataError(
            f"Filen {file.name} kunde inte läsas som Parquet ({type(err).__name__})."
        ) from None
    text = pd.DataFrame(
        {
            col: table[col].map(_cell_text)
            if table[col].dtype == object
            else _column_text(table[col])
            for col in table.columns
        }
    )
    return RawExport(_finish(text.fillna(""), file.name, 2), source=file.name)


def _column_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").astype("string")
    if pd.api.types.is_float_dtype(column):
        return column.map(_cell_text)
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"})
    return column.astype("string")


def write_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a prepared frame as Parquet, atomically (keeps dtypes for the next step)."""
    buffer = _io.BytesIO()
    df.to_parquet(buffer, index=False)
    return write_bytes(buffer.getvalue(), path)
