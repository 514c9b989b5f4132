"""Parsing the rows of a CSV export with pyarrow, where it gives what pandas' reader gives.

pandas' C reader builds a Python-level string column by column and takes seconds for a national
file; pyarrow's reader parses on every core straight into Arrow strings, which is what the raw
frame holds anyway. The two readers agree on ordinary files. Where they could differ (a quote in
the title rows or the header, NUL bytes, short or long lines, a quote left open at the end of
the file) this module declines, and :mod:`isuwork.data.io` reads the file with pandas as
before, so its results and messages stay the same. ``tests/test_csv_body.py`` holds it to that
on generated files. This module only parses bytes it is given; it opens no file.
"""

from __future__ import annotations

import io as _io
import re

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from isuwork.data.arrow_text import TEXT_TYPE, text_series

#: A line end as pandas' C reader and pyarrow's reader both see it.
_LINE_END = re.compile(r"\r\n|\r|\n")
#: Bytes parsed at a time (pyarrow's default of 1 MB makes 300 pieces of a national file).
_BLOCK_SIZE = 1 << 22
#: Quoted text larger than this is left to pandas (a block's size is a 32-bit number).
_ONE_BLOCK_LIMIT = 2**31 - 2


def read_body(
    text: str, encoded: bytes, *, offset: int, sep: str, skip: int
) -> pd.DataFrame | None:
    """The frame ``pandas.read_csv`` gives for the decoded ``text``, or None to let pandas read.

    The frame is the one of ``pd.read_csv(StringIO(text), sep=sep, dtype=str,
    keep_default_na=False, skiprows=skip, skip_blank_lines=False, quotechar='"')``, except that
    blank lines at the end of the file are left out (pandas gives them as empty rows, which
    :func:`isuwork.data.io._finish` drops) and every column is ``string`` text (pyarrow
    storage), which ``_finish`` makes of pandas' columns too.

    Parameters
    ----------
    text
        The whole file, decoded.
    encoded
        Bytes whose part from ``offset`` on is ``text`` encoded as UTF-8 (the file itself when
        it was saved as UTF-8).
    offset
        Where ``text`` starts in ``encoded`` (3 after a byte-order mark, else 0).
    sep
        The separator.
    skip
        How many lines come before the header.

    Returns
    -------
    DataFrame or None
        None when this reader cannot promise pandas' result; the caller then reads with pandas.
    """
    header_end = _after_lines(text, skip + 1)
    if header_end is None:
        return None
    head = text[:header_end]
    if '"' in head or "\x00" in head:
        return None
    columns = _header(head, sep=sep, skip=skip)
    if columns is None or len(columns) < 2:
        return None
    start = offset + len(head.encode("utf-8"))
    stop = _without_trailing_blank_lines(encoded)
    if stop <= start:
        return None
    if encoded.find(b"\x00", start, stop) >= 0:
        return None
    quoted = encoded.find(b'"', start, stop) >= 0
    if quoted and stop - start >= _ONE_BLOCK_LIMIT:
        return None
    names = [f"f{i}" for i in range(len(columns))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(encoded).slice(start, stop - start),
            read_options=pa_csv.ReadOptions(column_names=names, **_blocks(stop - start, quoted)),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=quoted,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, TEXT_TYPE),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    tail = encoded[max(start, stop - (1 << 16)) : stop]
    if quoted and not _last_row_agrees(table, tail, head, sep=sep, skip=skip):
        return None
    return pd.DataFrame({column: text_series(table.column(i)) for i, column in enumerate(columns)})


def _blocks(size: int, quoted: bool) -> dict[str, int]:
    """Read options for the size of the blocks parsed in parallel.

    Blocks of a few megabytes keep both cores busy without cutting a column into hundreds of
    pieces that every later step walks through. Quoted text is parsed as one block: where a
    block boundary falls between the two characters of a line end inside quotes, pyarrow (26)
    loses the second one.
    """
    return {"block_size": size + 1 if quoted else _BLOCK_SIZE}


def _after_lines(text: str, count: int) -> int | None:
    """Index just after the first ``count`` lines of ``text`` (None when there are fewer)."""
    if count == 0:
        return 0
    for seen, match in enumerate(_LINE_END.finditer(text), start=1):
        if seen == count:
            return match.end()
    return None


def pandas_csv(text: str, *, sep: str, skip: int, nrows: int | None = None) -> pd.DataFrame:
    """``pandas.read_csv`` of ``text`` as every export is read: all text, nothing missing."""
    return pd.read_csv(
        _io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        skiprows=skip,
        skip_blank_lines=False,
        quotechar='"',
        nrows=nrows,
    )


def _header(head: str, *, sep: str, skip: int) -> list[str] | None:
    """The column names pandas gives the header line (renamed duplicates, ``Unnamed: i``)."""
    try:
        frame = pandas_csv(head, sep=sep, skip=skip, nrows=0)
    except (pd.errors.ParserError, ValueError):
        return None
    return list(frame.columns)


def _last_row_agrees(table: pa.Table, tail: bytes, head: str, *, sep: str, skip: int) -> bool:
    """Whether pandas reads the last line as pyarrow read the last row.

    pyarrow takes a quote left open at the end of the file as closed there; pandas stops with
    an error. Such a quote makes the last row hold a line end, or reads differently on its own.
    """
    if not table.num_rows:
        return False
    last = [table.column(i)[table.num_rows - 1].as_py() for i in range(table.num_columns)]
    if any("\n" in value or "\r" in value for value in last):
        return False
    line = _LINE_END.split(tail.decode("utf-8", errors="replace"))[-1]
    try:
        alone = pandas_csv(head + line, sep=sep, skip=skip)
    except (pd.errors.ParserError, ValueError):
        return False
    return alone.shape == (1, len(last)) and alone.iloc[0].tolist() == last


def _without_trailing_blank_lines(encoded: bytes) -> int:
    """Length of ``encoded`` without the line ends at its end."""
    end = len(encoded)
    while end and encoded[end - 1] in (0x0A, 0x0D):
        end -= 1
    return end
