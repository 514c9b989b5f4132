"""Reading municipal exports and writing results: the only module that touches user files.

Exports from Swedish case systems arrive as Excel files or as "CSV" saved by Swedish Excel
(semicolon separator, decimal comma, cp1252 or UTF-8 with a byte-order mark). This module reads
them into a raw all-text frame, applies a mapping file (system headers and codes to isuwork
names), and writes results atomically so that an interrupted run never leaves half a file.
"""

from __future__ import annotations

import io as _io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

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
        data = _normalise_zip(data)
    return write_bytes(data, path)


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed entry timestamps (and a fixed modified date)."""
    source = zipfile.ZipFile(_io.BytesIO(data))
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified; pin it.
                content = _pin_modified(content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


def _pin_modified(core_xml: bytes) -> bytes:
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>2024-01-01T00:00:00Z\g<2>",
        core_xml,
    )
