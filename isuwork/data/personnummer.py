"""Swedish personal identity numbers: validation, legal sex and birth date.

A personnummer is written ``YYMMDD-NNNC`` or ``YYYYMMDD-NNNC``; ``+`` replaces ``-`` in the short
form from the year the person turns 100. A samordningsnummer (coordination number) adds 60 to the
day. The check digit ``C`` is a Luhn digit over the nine digits before it, and the ninth digit is
odd for men and even for women. isuwork uses a number only to derive legal sex and birth date; it
never stores, logs or prints one (messages name the problem, never the number).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from isuwork.data.arrow_text import TEXT_TYPE, is_arrow_text, text_series
from isuwork.exceptions import DataError

_PATTERN_TEXT = r"^(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$"
#: The same for ASCII text, in Arrow's regular expressions (RE2).
_PATTERN_ASCII = (
    r"^(?P<century>[0-9]{2})?(?P<date>[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9]{3})(?P<check>[0-9])$"
)

REASON_MISSING = "saknas"
REASON_FORMAT = "fel format (ska vara ÅÅMMDD-NNNN eller ÅÅÅÅMMDD-NNNN)"
REASON_LEADING_ZERO = "fel antal siffror; en inledande nolla kan ha försvunnit i Excel"
REASON_INTERIM = "interimsnummer är inte personnummer"
REASON_CHECK = "fel kontrollsiffra"
REASON_DATE = "ogiltigt datum"
REASON_FUTURE = "födelsedatum efter referensdatum"
REASON_SERIAL = "födelsenumret 000 används inte"
_REASONS = (
    REASON_MISSING,
    REASON_FORMAT,
    REASON_LEADING_ZERO,
    REASON_INTERIM,
    REASON_CHECK,
    REASON_DATE,
    REASON_FUTURE,
    REASON_SERIAL,
)


@dataclass(frozen=True)
class Personnummer:
    """What isuwork derives from a personnummer; the number itself is not kept."""

    birth_date: dt.date
    sex: Literal["kvinna", "man"]
    coordination: bool


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit for nine digits (weights 2, 1, 2, …; products' digits summed).

    Examples
    --------
    >>> luhn_check_digit("811218987")
    6
    """
    if len(nine_digits) != 9 or not nine_digits.isdigit():
        raise ValueError("nine digits expected")
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse(value: str, *, reference_date: dt.date | None = None) -> Personnummer:
    """Parse one personnummer or samordningsnummer.

    Parameters
    ----------
    value
        The number as text, in any of the written forms.
    reference_date
        Decides the century of the 10-digit forms (the latest century that puts the birth date
        on or before it; ``+`` means 100 years older). Default: today.

    Raises
    ------
    DataError
        With a Swedish reason when the number is not valid (the number is not repeated).
    """
    result = parse_series(pd.Series([value]), reference_date=reference_date).iloc[0]
    if not result["valid"]:
        raise DataError(f"Personnumret är ogiltigt: {result['reason']}.")
    return Personnummer(
        birth_date=result["birth_date"].date(),
        sex=result["sex"],
        coordination=bool(result["coordination"]),
    )


def is_valid(value: str, *, reference_date: dt.date | None = None) -> bool:
    """True when ``value`` is a valid personnummer or samordningsnummer."""
    return bool(parse_series(pd.Series([value]), reference_date=reference_date)["valid"].iloc[0])


def parse_series(
    values: pd.Series, *, reference_date: pd.Series | dt.date | None = None
) -> pd.DataFrame:
    """Validate many numbers at once and derive birth date, legal sex and number type.

    Vectorised: a million numbers take about a second. Numbers written in ASCII (as every
    export writes them) are read with Arrow's regular expressions and numpy on their digits;
    anything else with Python's regular expressions, whose ``\\d`` also takes other scripts'
    digits.

    Parameters
    ----------
    values
        Numbers as text (anything else is converted to text; missing values give "saknas").
    reference_date
        A date, or one date per row (for instance the decision date), deciding the century of
        10-digit forms. Default: today.

    Returns
    -------
    DataFrame
        Indexed like ``values``: ``valid`` (bool), ``birth_date`` (datetime64, NaT when invalid),
        ``sex`` (``"kvinna"``/``"man"``, <NA> when invalid), ``coordination`` (bool) and
        ``reason`` (Swedish reason when invalid, <NA> when valid).
    """
    text = values.astype("string").str.strip()
    if len(text) and is_arrow_text(text):
        arrow = text.array.__arrow_array__().combine_chunks()
        if pc.all(pc.string_is_ascii(arrow)).as_py() is not False:
            return _parse_ascii(values, text, arrow, reference_date)
    return _parse_any(values, text, reference_date)


def _parse_any(
    values: pd.Series, text: pd.Series, reference_date: pd.Series | dt.date | None
) -> pd.DataFrame:
    """:func:`parse_series` for text in any script (Python's regular expressions)."""
    missing = text.isna() | (text == "")
    parts = text.str.extract(_PATTERN_TEXT)
    matched = parts["date"].notna().to_numpy()

    reason = pd.Series(pd.NA, index=values.index, dtype="string")
    reason[missing] = REASON_MISSING
    unmatched = ~matched & ~missing.to_numpy()
    digits_only = text.str.fullmatch(r"\d+").fillna(False).to_numpy()
    lengths = text.str.len().fillna(0).to_numpy()
    interim = text.str.fullmatch(r"(\d{2})?\d{6}[-+]?[A-Za-z]\d{3}").fillna(False).to_numpy()
    reason[unmatched] = REASON_FORMAT
    reason[unmatched & digits_only & np.isin(lengths, (9, 11))] = REASON_LEADING_ZERO
    reason[unmatched & interim] = REASON_INTERIM

    date6 = parts["date"].fillna("000000")
    yy = pd.to_numeric(date6.str[:2]).to_numpy()
    mm = pd.to_numeric(date6.str[2:4]).to_numpy()
    dd = pd.to_numeric(date6.str[4:6]).to_numpy()
    serial = parts["serial"].fillna("000")
    check = pd.to_numeric(parts["check"].fillna("0")).to_numpy()

    # Luhn over the nine digits of the short form
    nine = (date6 + serial).to_numpy().astype("U9")
    digit_matrix = np.frombuffer(nine.astype("S9"), dtype=np.uint8).reshape(-1, 9) - ord("0")
    weights = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    products = digit_matrix * weights
    luhn = (10 - (products // 10 + products % 10).sum(axis=1) % 10) % 10
    bad_check = matched & (luhn != check)
    bad_serial = matched & (serial == "000").to_numpy()

    coordination = dd > 60
    day = np.where(coordination, dd - 60, dd)

    ref = _reference(reference_date, values.index)
    century = pd.to_numeric(parts["century"]).to_numpy()
    plus = (parts["sep"] == "+").fillna(False).to_numpy()
    year = _year(yy, mm, day, century, plus, ref)

    birth = pd.to_datetime(pd.DataFrame({"year": year, "month": mm, "day": day}), errors="coerce")
    bad_date = matched & birth.isna().to_numpy()
    future = matched & ~bad_date & (birth.to_numpy() > ref.to_numpy())

    checks = (
        (bad_date, REASON_DATE),
        (bad_serial, REASON_SERIAL),
        (bad_check, REASON_CHECK),
        (future, REASON_FUTURE),
    )
    for mask, why in checks:
        reason[mask & reason.isna().to_numpy()] = why

    valid = reason.isna().to_numpy()
    ninth = pd.to_numeric(serial.str[2]).to_numpy()
    sex = pd.Series(np.where(ninth % 2 == 1, "man", "kvinna"), index=values.index, dtype="string")
    sex[~valid] = pd.NA
    birth_out = birth.where(valid)
    birth_out.index = values.index
    return pd.DataFrame(
        {
            "valid": valid,
            "birth_date": birth_out.astype("datetime64[ns]"),
            "sex": sex,
            "coordination": coordination & valid,
            "reason": reason,
        },
        index=values.index,
    )


def _parse_ascii(
    values: pd.Series,
    text: pd.Series,
    arrow: pa.Array,
    reference_date: pd.Series | dt.date | None,
) -> pd.DataFrame:
    """:func:`parse_series` for ASCII text: the same steps on Arrow text and numpy digits."""
    missing = (text.isna() | (text == "")).to_numpy()
    parts = pc.extract_regex(arrow, _PATTERN_ASCII)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)

    reason = np.full(len(text), -1, dtype=np.int8)
    reason[missing] = _REASONS.index(REASON_MISSING)
    unmatched = ~matched & ~missing
    digits_only = _fullmatch(arrow, r"[0-9]+")
    lengths = pc.utf8_length(arrow).fill_null(0).to_numpy(zero_copy_only=False)
    interim = _fullmatch(arrow, r"(?:[0-9]{2})?[0-9]{6}[-+]?[A-Za-z][0-9]{3}")
    reason[unmatched] = _REASONS.index(REASON_FORMAT)
    reason[unmatched & digits_only & np.isin(lengths, (9, 11))] = _REASONS.index(
        REASON_LEADING_ZERO
    )
    reason[unmatched & interim] = _REASONS.index(REASON_INTERIM)

    def part(name: str, default: str) -> pa.Array:
        default_text = pa.scalar(default, TEXT_TYPE)
        return pc.if_else(parts.is_valid(), pc.struct_field(parts, name), default_text)

    # date, serial and check digit of every row (zeros where the number did not match)
    joined = pc.binary_join_element_wise(
        part("date", "000000"), part("serial", "000"), part("check", "0"), pa.scalar("", TEXT_TYPE)
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[: len(joined) + 1]
    if joined.offset or not np.array_equal(offsets, np.arange(len(joined) + 1) * 10):
        return _parse_any(values, text, reference_date)
    digits = np.frombuffer(joined.buffers()[2], dtype=np.uint8)[: 10 * len(joined)]
    digits = digits.reshape(-1, 10).astype(np.int64) - ord("0")
    yy = digits[:, 0] * 10 + digits[:, 1]
    mm = digits[:, 2] * 10 + digits[:, 3]
    dd = digits[:, 4] * 10 + digits[:, 5]
    check = digits[:, 9]

    # Luhn over the nine digits of the short form
    products = digits[:, :9] * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    luhn = (10 - (products // 10 + products % 10).sum(axis=1) % 10) % 10
    bad_check = matched & (luhn != check)
    bad_serial = matched & (digits[:, 6:9] == 0).all(axis=1)

    coordination = dd > 60
    day = np.where(coordination, dd - 60, dd)

    ref = _reference(reference_date, values.index)
    century_text = part("century", "")
    century = pc.if_else(pc.equal(century_text, ""), pa.scalar(None, TEXT_TYPE), century_text)
    century = century.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
    plus = pc.equal(part("sep", ""), "+").to_numpy(zero_copy_only=False)
    year = _year(yy, mm, day, century, plus, ref)

    birth = _birth_dates(year, mm, day)
    bad_date = matched & birth.isna().to_numpy()
    future = matched & ~bad_date & (birth.to_numpy() > ref.to_numpy())

    checks = (
        (bad_date, REASON_DATE),
        (bad_serial, REASON_SERIAL),
        (bad_check, REASON_CHECK),
        (future, REASON_FUTURE),
    )
    for mask, why in checks:
        reason[mask & (reason < 0)] = _REASONS.index(why)

    valid = reason < 0
    sex = np.where(digits[:, 8] % 2 == 1, 1, 0)
    birth_out = birth.where(valid)
    birth_out.index = values.index
    return pd.DataFrame(
        {
            "valid": valid,
            "birth_date": birth_out.astype("datetime64[ns]"),
            "sex": _texts(("kvinna", "man"), np.where(valid, sex, -1), values.index),
            "coordination": coordination & valid,
            "reason": _texts(_REASONS, reason, values.index),
        },
        index=values.index,
    )


def _fullmatch(arrow: pa.Array, pattern: str) -> np.ndarray:
    """Rows whose whole text matches ``pattern`` (Arrow's RE2; missing rows do not)."""
    found = pc.match_substring_regex(arrow, f"^(?:{pattern})$")
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _birth_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> pd.Series:
    """``pd.to_datetime`` of the date parts (NaT where there is no such date), computed once
    per distinct date."""
    key = (year * 100 + month) * 100 + day  # month and day have two digits
    distinct, row = np.unique(key, return_inverse=True)
    parts = {"year": distinct // 10_000, "month": distinct // 100 % 100, "day": distinct % 100}
    dates = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    return pd.Series(dates.to_numpy()[row.reshape(-1)], copy=False)


def _texts(words: tuple[str, ...], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A ``string`` column of ``words[code]`` per row (missing where the code is -1)."""
    chosen = pa.array(words, type=TEXT_TYPE).take(pa.array(codes, mask=codes < 0))
    return pd.Series(text_series(chosen).array, index=index, copy=False).astype("string")


def _reference(reference_date: pd.Series | dt.date | None, index: pd.Index) -> pd.Series:
    today = pd.Timestamp(dt.date.today())
    if reference_date is None:
        return pd.Series(today, index=index)
    if isinstance(reference_date, pd.Series):
        ref = pd.to_datetime(reference_date, errors="coerce")
        ref.index = index
        return ref.fillna(today)
    return pd.Series(pd.Timestamp(reference_date), index=index)


def _year(
    yy: np.ndarray,
    mm: np.ndarray,
    day: np.ndarray,
    century: np.ndarray,
    plus: np.ndarray,
    ref: pd.Series,
) -> np.ndarray:
    """Full birth year: given by the 12-digit form, else the latest fitting century."""
    ref_year = ref.dt.year.to_numpy()
    ref_md = ref.dt.month.to_numpy() * 100 + ref.dt.day.to_numpy()
    year = ref_year - (ref_year - yy) % 100
    # the birthday later in the year than the reference date lies in the previous century
    later = (year == ref_year) & (mm * 100 + day > ref_md)
    year = np.where(later, year - 100, year)
    year = np.where(plus, year - 100, year)
    return np.where(np.isnan(century), year, century * 100 + yy).astype(int)


def age_at(birth_date: pd.Series, on: pd.Series | dt.date) -> pd.Series:
    """Age in whole years on a date (a birthday on 29 February counts from 1 March in other years)."""
    birth = pd.to_datetime(birth_date, errors="coerce")
    when = pd.to_datetime(on, errors="coerce") if isinstance(on, pd.Series) else pd.Timestamp(on)
    if isinstance(when, pd.Series):
        when.index = birth.index
        w_year, w_md = when.dt.year, when.dt.month * 100 + when.dt.day
    else:
        w_year = pd.Series(when.year, index=birth.index)
        w_md = pd.Series(when.month * 100 + when.day, index=birth.index)
    before_birthday = w_md < birth.dt.month * 100 + birth.dt.day
    age = w_year - birth.dt.year - before_birthday.astype("Int64")
    return age.astype("Int64")
