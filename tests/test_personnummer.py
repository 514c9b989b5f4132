"""Personnummer: the public conformance list, property tests for Luhn and century rules, ages.

Numbers are built at run time in the test-number range (serials 980–999) or read from the shared
reference file; no literal valid-looking number is written here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isuwork.data.personnummer import age_at, is_valid, luhn_check_digit, parse, parse_series
from isuwork.exceptions import DataError

REFERENCE = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "personnummer-testdata.json"
)
FORMS = ("long_format", "short_format", "separated_format", "separated_long")


def _reference_entries() -> list[dict]:
    if not REFERENCE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"referensfilen saknas: {REFERENCE}")
        pytest.skip("the shared reference list is not beside this repository")
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def build(birth: dt.date, serial: int, *, long: bool = True, sep: str = "-", samordning=False):
    """A number for tests: given date and serial (use 980-999), correct check digit."""
    day = birth.day + (60 if samordning else 0)
    short = f"{birth:%y%m}{day:02d}{serial:03d}"
    check = luhn_check_digit(short)
    prefix = f"{birth.year // 100}" if long else ""
    return f"{prefix}{short[:6]}{sep}{short[6:]}{check}"


def test_luhn_by_hand():
    # 1+2... weights 2,1,2,... over 8,1,1,2,1,8,9,8,7: products 16,1,2,2,2,8,18,8,14
    assert luhn_check_digit("811218987") == 6


def test_conformance_list_scalar_and_vectorised():
    entries = _reference_entries()
    assert len(entries) >= 20
    for entry in entries:
        expected_valid = entry["valid"] and entry["type"] in ("ssn", "con")
        values = [entry[form] for form in FORMS]
        frame = parse_series(pd.Series(values))
        for form, value in zip(FORMS, values, strict=True):
            assert is_valid(value) is expected_valid, (form, entry["type"])
        assert frame["valid"].tolist() == [expected_valid] * 4
        if expected_valid:
            sex = "man" if entry["isMale"] else "kvinna"
            assert frame["sex"].tolist() == [sex] * 4
            assert frame["coordination"].tolist() == [entry["type"] == "con"] * 4
            long_birth = frame["birth_date"].iloc[0]
            assert frame["birth_date"].iloc[3] == long_birth
            assert parse(entry["long_format"]).sex == sex
        elif entry["type"] == "interim":
            assert set(frame["reason"]) == {"interimsnummer är inte personnummer"}


@settings(max_examples=150, deadline=None)
@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2023, 12, 31)),
    st.integers(980, 999),
    st.booleans(),
)
def test_built_numbers_are_valid_and_check_digit_matters(birth, serial, samordning):
    number = build(birth, serial, samordning=samordning)
    result = parse(number, reference_date=dt.date(2024, 6, 1))
    assert result.birth_date == birth
    assert result.coordination == samordning
    assert result.sex == ("man" if (serial // 1) % 10 % 2 == 1 else "kvinna")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid(wrong)


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(1890, 1, 1), dt.date(2024, 6, 1)), st.integers(980, 999))
def test_century_rule_short_and_long_agree(birth, serial):
    ref = dt.date(2024, 6, 1)
    long_form = build(birth, serial)
    age = ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))
    sep = "+" if age >= 100 else "-"
    short_form = build(birth, serial, long=False, sep=sep)
    frame = parse_series(pd.Series([long_form, short_form]), reference_date=ref)
    assert frame["valid"].all()
    assert frame["birth_date"].iloc[0] == frame["birth_date"].iloc[1] == pd.Timestamp(birth)
    if sep == "+":
        assert age_at(frame["birth_date"].iloc[[1]], ref).iloc[0] >= 100


def test_per_row_reference_date():
    birth = dt.date(2010, 5, 5)
    short = build(birth, 985, long=False)
    frame = parse_series(
        pd.Series([short, short]),
        reference_date=pd.Series([pd.Timestamp("2024-01-01"), pd.Timestamp("2005-01-01")]),
    )
    assert frame["birth_date"].iloc[0] == pd.Timestamp(birth)
    assert frame["birth_date"].iloc[1] == pd.Timestamp(1910, 5, 5)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "saknas"),
        ("", "saknas"),
        ("abc", "fel format"),
        ("12345678", "fel format"),
        ("19500304-000" + "5", "födelsenumret 000"),
    ],
)
def test_reasons(value, reason):
    frame = parse_series(pd.Series([value], dtype=object))
    assert not frame["valid"].iloc[0]
    assert frame["reason"].iloc[0].startswith(reason)


def test_reasons_built():
    good = build(dt.date(1950, 3, 4), 981)
    bad_check = good[:-1] + str((int(good[-1]) + 3) % 10)
    month_13 = "1950" + "13" + good[6:]
    lost_zero = build(dt.date(2005, 3, 4), 982, long=False, sep="")[1:]  # Excel dropped the 0
    future = build(dt.date(2030, 1, 1), 983)
    frame = parse_series(pd.Series([bad_check, month_13, lost_zero, future]))
    reasons = frame["reason"].tolist()
    assert reasons[0] == "fel kontrollsiffra"
    assert reasons[1] == "ogiltigt datum"
    assert "inledande nolla" in reasons[2]
    assert reasons[3] == "födelsedatum efter referensdatum"
    with pytest.raises(DataError) as err:
        parse(bad_check)
    assert bad_check not in str(err.value)  # the number is never repeated


@pytest.mark.parametrize(
    ("birth", "on"),
    [
        ("2000-02-29", "2023-02-28"),
        ("2000-02-29", "2023-03-01"),
        ("2000-02-29", "2024-02-29"),
        ("1950-06-15", "2024-06-14"),
        ("1950-06-15", "2024-06-15"),
        ("1950-06-15", "2024-06-16"),
    ],
)
def test_age_against_direct_computation(birth, on):
    b, o = dt.date.fromisoformat(birth), dt.date.fromisoformat(on)
    expected = o.year - b.year - ((o.month, o.day) < (b.month, b.day))
    got = age_at(pd.Series([pd.Timestamp(b)]), o).iloc[0]
    assert got == expected
    per_row = age_at(pd.Series([pd.Timestamp(b)]), pd.Series([pd.Timestamp(o)])).iloc[0]
    assert per_row == expected


_PIECES = st.sampled_from(list("0123456789") + ["-", "+", " ", "T", "a", "Å", "19", "20", "98"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.lists(_PIECES, max_size=14).map("".join)), max_size=30),
    st.lists(
        st.builds(
            build,
            st.dates(dt.date(1890, 1, 1), dt.date(2030, 1, 1)),
            st.integers(980, 999),
            long=st.booleans(),
            sep=st.sampled_from(["-", "+", ""]),
            samordning=st.booleans(),
        ),
        max_size=30,
    ),
    st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2030, 1, 1))),
)
def test_ascii_numbers_read_with_arrow_as_with_python(noise, numbers, reference):
    # ASCII text is read with Arrow's regular expressions and numpy on the digits; the
    # Python-regex reading (kept for other scripts) must give the very same frame
    from isuwork.data.personnummer import _parse_any

    values = pd.Series(noise + numbers, dtype=object, index=range(7, 7 + len(noise + numbers)))
    text = values.astype("string").str.strip()
    expected = _parse_any(values, text, reference)
    pd.testing.assert_frame_equal(parse_series(values, reference_date=reference), expected)


def test_numbers_in_other_scripts_are_read_the_python_way():
    from isuwork.data.personnummer import _parse_any

    values = pd.Series(["Åbc", build(dt.date(1950, 3, 4), 981), None, " ٣ "])
    expected = _parse_any(values, values.astype("string").str.strip(), None)
    pd.testing.assert_frame_equal(parse_series(values), expected)
    assert expected["valid"].tolist() == [False, True, False, False]
