"""The pyarrow reader of CSV rows: it reads as pandas' reader does, or declines.

``read_export`` parses the rows of a CSV file with pyarrow and falls back to pandas wherever the
two could differ. These tests hold the promise behind that: for any text, the fast reader
either returns None or the frame pandas gives (after ``_finish``, which trims and drops blank
lines alike for both).
"""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isuwork.data import csv_body
from isuwork.data.csv_body import read_body
from isuwork.data.io import _finish, _read_with_pandas, read_export
from isuwork.exceptions import DataError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# pieces of cells: separators, quotes, line ends, white space of several kinds, Swedish letters
_PIECES = ["a", "Å", "ö", " ", "\t", '"', '""', ";", ",", "\n", "\r\n", "\r", "1", "2,5", "\u00a0"]
_PIECES += ["\u2028", "\x0c", "é", "x y", "", "kvinna"]


def _outcome(frame_or_error, skip: int):
    """What ``_finish`` makes of a raw frame: the frame, or the error's type and message."""
    if isinstance(frame_or_error, Exception):
        return (type(frame_or_error).__name__, str(frame_or_error))
    try:
        return _finish(frame_or_error, "f.csv", skip + 2)
    except DataError as err:
        return ("DataError", str(err))


def _assert_same(got, expected) -> None:
    if isinstance(expected, tuple) or isinstance(got, tuple):
        assert got == expected
        return
    pd.testing.assert_frame_equal(got, expected, check_dtype=True, check_exact=True)


def _pandas(text: str, sep: str, skip: int):
    try:
        return _read_with_pandas(text, "f.csv", sep=sep, skip=skip)
    except DataError as err:
        return err


@st.composite
def _csv_texts(draw: st.DrawFn) -> tuple[str, str, int]:
    sep = draw(st.sampled_from([";", ",", "\t"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    columns = draw(st.integers(1, 5))
    titles = draw(st.lists(st.sampled_from(["Titel", "", "a;b", '"x;y"', "  "]), max_size=2))
    header = draw(
        st.lists(
            st.sampled_from(["utredning_id", "kommun", "kon", "", " alder ", "x"]),
            min_size=columns,
            max_size=columns,
        )
    )
    cell = st.lists(st.sampled_from(_PIECES), max_size=3).map("".join)
    quoted = cell.map(lambda c: '"' + c.replace('"', '""') + '"')
    row = st.lists(st.one_of(cell, quoted), min_size=columns - 1, max_size=columns + 1)
    rows = draw(st.lists(st.one_of(row.map(sep.join), st.sampled_from(["", "   "])), max_size=6))
    end = draw(st.sampled_from(["", eol, eol + eol]))
    return eol.join([*titles, sep.join(header), *rows]) + end, sep, len(titles)


@settings(max_examples=200, deadline=None)
@given(_csv_texts())
def test_the_arrow_reader_reads_as_pandas_or_declines(case):
    text, sep, skip = case
    got = read_body(text, text.encode("utf-8"), offset=0, sep=sep, skip=skip)
    if got is not None:
        _assert_same(_outcome(got, skip), _outcome(_pandas(text, sep, skip), skip))


@settings(max_examples=150, deadline=None)
@given(_csv_texts())
def test_small_blocks_read_as_pandas(case):
    # blocks of 64 bytes, so that block boundaries fall everywhere (also inside quotes)
    text, sep, skip = case
    with patch.object(csv_body, "_BLOCK_SIZE", 64):
        got = read_body(text, text.encode("utf-8"), offset=0, sep=sep, skip=skip)
    if got is not None:
        _assert_same(_outcome(got, skip), _outcome(_pandas(text, sep, skip), skip))


def test_a_quoted_line_end_across_a_block_boundary(monkeypatch):
    # pyarrow loses the "\n" of a quoted "\r\n" that a block boundary splits; quoted text is
    # therefore parsed as one block
    monkeypatch.setattr(csv_body, "_BLOCK_SIZE", 37)
    rows = [f'U{i};"rad ett\r\nrad två {i}";{i % 3}' for i in range(400)]
    text = "\r\n".join(["utredning_id;anteckning;x", *rows, "U400;sist;0"]) + "\r\n"
    got = read_body(text, text.encode("utf-8"), offset=0, sep=";", skip=0)
    assert got is not None
    _assert_same(_outcome(got, 0), _outcome(_pandas(text, ";", 0), 0))
    assert got["anteckning"].str.contains("\r\n").sum() == 400


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a;b\n1;2\n3\n", "a short row"),
        ("a;b\n1;2;3\n", "a long row"),
        ('a;b\n1;"2\n', "a quote left open at the end"),
        ("a;b\n1;2\x00\n", "a NUL byte"),
        ('"a;b"\nc;d\n1;2\n', "a quote above the rows"),
        ("a\n1\n", "one column"),
        ("a;b\n", "no rows"),
    ],
)
def test_the_arrow_reader_declines_where_pandas_may_differ(text, why):
    skip = 1 if text.startswith('"') else 0
    assert read_body(text, text.encode("utf-8"), offset=0, sep=";", skip=skip) is None, why


@pytest.mark.parametrize(
    "text",
    [
        "a;b\n1;2\n\n3;4\n",  # a blank line: empty text in both readers
        "a;b;\n1;;\r\n\r\n3;;\n",  # ... beside a column without a header
        "a;b\n\n3;4\n",  # ... as the first row
        'a;b\r\n"x\r\n\r\ny";2\r\n3;4\r\n',  # line ends inside quotes
        "a;b\r\n1;2\r\n\r\n\r\n",  # blank lines at the end, as Excel leaves them
    ],
)
def test_the_arrow_reader_reads_awkward_files_as_pandas(text):
    got = read_body(text, text.encode("utf-8"), offset=0, sep=";", skip=0)
    assert got is not None
    _assert_same(_outcome(got, 0), _outcome(_pandas(text, ";", 0), 0))


def test_the_sample_is_read_by_the_arrow_reader():
    data = (SAMPLE / "isu_exempel.csv").read_bytes()
    text = data.decode("utf-8-sig")
    frame = read_body(text, data, offset=3, sep=";", skip=0)
    assert frame is not None and len(frame) == 12000
    expected = _finish(_read_with_pandas(text, "f.csv", sep=";", skip=0), "f.csv", 2)
    pd.testing.assert_frame_equal(_finish(frame, "f.csv", 2), expected)
    pd.testing.assert_frame_equal(read_export(SAMPLE / "isu_exempel.csv").data, expected)


def test_files_in_any_encoding_read_alike(tmp_path):
    text = 'utredning_id;kommun;anteckning\r\nU1;Åby;"sa ""hej"""\r\nU2; Öby ;\r\n\r\n'
    frames = []
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        frames.append(read_export(path).data)
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
    assert frames[0]["anteckning"].tolist()[0] == 'sa "hej"'
    assert frames[0]["kommun"].tolist() == ["Åby", "Öby"]
