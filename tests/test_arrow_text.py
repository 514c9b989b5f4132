"""Arrow text: stripping as pandas strips, and checks through distinct values as row by row.

The checks of ``data.checks`` read each distinct text of a column once (``arrow_text.Coded``).
Here they are held against the row-by-row checks they replaced (written out below as they
were), on generated columns full of white space, odd spellings and missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from isuwork.data import checks
from isuwork.data.arrow_text import Coded, stripped, text_series
from isuwork.domain.catalog import load_catalog

# every white-space character of str.isspace (which Arrow's trim shares), and others near them
_SPACES = [chr(c) for c in (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680)]
_SPACES += [chr(c) for c in (0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)]
_OTHERS = ["a", "Å", "é", "1", "\u200b", "\ufeff", "\u0100", "\u2030", "\U0001f600", "\x00"]


def _texts(pieces: list[str]) -> st.SearchStrategy[list[str | None]]:
    text = st.lists(st.sampled_from(pieces), max_size=4).map("".join)
    return st.lists(st.one_of(st.none(), text), max_size=30)


def _arrow_column(values: list[str | None], cut: int) -> pd.Series:
    """A ``string`` column over two Arrow chunks, cut at ``cut``."""
    cut = min(cut, len(values))
    chunks = [pa.array(values[:cut], pa.large_string()), pa.array(values[cut:], pa.large_string())]
    return text_series(pa.chunked_array(chunks))


@settings(max_examples=150, deadline=None)
@given(_texts(_SPACES + _OTHERS), st.integers(0, 30))
def test_stripped_is_pandas_strip_with_empty_text_missing(values, cut):
    column = _arrow_column(values, cut)
    expected = column.str.strip()
    expected = expected.mask(expected == "")
    got = stripped(column)
    pd.testing.assert_series_equal(got, expected)
    pd.testing.assert_series_equal(stripped(got), expected)  # stripped text is taken as it is


@settings(max_examples=100, deadline=None)
@given(_texts(["a", "b", " ", "Å"]), st.integers(0, 30))
def test_coded_holds_each_distinct_value_once_in_row_order(values, cut):
    column = _arrow_column(values, cut)
    coded = Coded.of(column)
    pd.testing.assert_series_equal(coded.spread(coded.values), column)
    assert coded.values.tolist() == list(dict.fromkeys(column.tolist()))
    assert coded.filled() == int(column.notna().sum())
    mask = np.arange(len(column)) % 2 == 0
    shown = pd.Series(column.to_numpy(dtype=object)[mask]).dropna().astype(str).unique()
    assert coded.examples(mask, 5) == [str(v) for v in shown[:5]]


# ---- the row-by-row checks, as they were before the checks read distinct values ----------------
def _old_check_code(var, text, problems):
    folded = text.str.lower()
    codes = folded.map(checks._code_lookup(var))
    bad = (text.notna() & codes.isna()).to_numpy()
    allowed = ", ".join(var.codes)
    problems.add(bad, var.name, f"okänd kod (tillåtna: {allowed})", text.to_numpy(dtype=object))
    return pd.Series(pd.Categorical(codes.where(~bad), dtype=var.dtype), index=text.index)


def _old_check_yesno(var, text, problems):
    value = checks._yes_no(text)
    bad = (text.notna() & value.isna()).to_numpy()
    problems.add(bad, var.name, "varken ja eller nej", text.to_numpy(dtype=object))
    return value


def _old_check_number(var, text, problems):
    number = checks._numbers(text)
    values = text.to_numpy(dtype=object)
    problems.add((text.notna() & number.isna()).to_numpy(), var.name, "inte ett tal", values)
    if var.type == "int":
        fractional = (number.notna() & (number != number.round())).fillna(False).to_numpy()
        problems.add(fractional, var.name, "inte ett heltal", values)
        number = number.where(~fractional)
    out_of_range = np.zeros(len(text), dtype=bool)
    if var.min is not None:
        out_of_range |= (number < var.min).fillna(False).to_numpy()
    if var.max is not None:
        out_of_range |= (number > var.max).fillna(False).to_numpy()
    low = checks.format_number(var.min) if var.min is not None else "…"
    high = checks.format_number(var.max) if var.max is not None else "…"
    problems.add(out_of_range, var.name, f"utanför tillåtet intervall {low}–{high}", values)
    number = number.where(~out_of_range)
    return number.round().astype("Int64") if var.type == "int" else number


def _old_check_date(var, text, problems, fmt):
    if fmt:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    else:
        head = text.str.slice(0, 10)
        iso = pd.to_datetime(
            head.where(head.str.match(r"^\d{4}-\d{2}-\d{2}$")), errors="coerce", format="%Y-%m-%d"
        )
        compact = pd.to_datetime(
            text.where(text.str.match(r"^\d{8}$")), errors="coerce", format="%Y%m%d"
        )
        parsed = iso.fillna(compact)
    bad = (text.notna() & parsed.isna()).to_numpy()
    expected = f"formatet {fmt}" if fmt else "ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD"
    problems.add(bad, var.name, f"ogiltigt datum (väntat {expected})", text.to_numpy(dtype=object))
    return parsed.astype("datetime64[ns]")


_CASES = {
    "verksamhet": (checks.check_code, _old_check_code, ["lss", "LSS", "Äldreomsorg", "x", " "]),
    "tolk": (checks.check_code, _old_check_code, ["ja", "J", "nej_behovdes", "Ja"]),
    "samtycke": (checks.check_yesno, _old_check_yesno, ["ja", "J", "1", "x", "Nej", "0", "kanske"]),
    "alder": (checks.check_number, _old_check_number, ["80", "7,5", "1 000", "-1", "111", "abc"]),
    "hemtjanst_tim_man": (
        checks.check_number,
        _old_check_number,
        ["12,5", "1\u00a0000", "1e3", "inf", "nan", "+5", "0x10", "745", "12.25"],
    ),
    "datum_beslut": (
        checks.check_date,
        _old_check_date,
        ["2024-01-31", "2024-02-30", "20240101", "2024-1-1", "2024-01-01 10:00", "x", "٢٠٢٤٠١٠١"],
    ),
}


def _run(check, var, text, *extra):
    problems = checks.Problems("fil.csv", np.arange(2, len(text) + 2))
    typed = check(var, text, problems, *extra)
    return typed, problems


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(_CASES)), st.data())
def test_checks_through_distinct_values_equal_row_by_row(name, data):
    new, old, spellings = _CASES[name]
    values = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(spellings)), max_size=40))
    text = checks.column_text(pd.DataFrame({name: pd.array(values, dtype="string")}), name)
    var = load_catalog().variable(name)
    extra = (None,) if name == "datum_beslut" else ()
    typed, problems = _run(new, var, text, *extra)
    expected, expected_problems = _run(old, var, text, *extra)
    pd.testing.assert_series_equal(typed, expected, check_names=False)
    assert [(c, r, rows.tolist(), shown) for c, r, rows, shown in problems.details] == [
        (c, r, rows.tolist(), shown) for c, r, rows, shown in expected_problems.details
    ]
    pd.testing.assert_frame_equal(problems.frame(), expected_problems.frame())
