"""Checking the values of a raw export against the catalogue, column by column.

Each variable's type, codes and range give a vectorised check that turns text into the typed
column of a prepared frame. A value that fails is never dropped silently: it is recorded as a
problem of its row (row number, column, reason), so that preparation can exclude the row and
tell the person who owns the file exactly what to correct. Columns outside the schema are typed
by what they hold (yes/no, numbers or text), once, so that every analysis reads them alike.

A check reads each distinct text of a column once (:class:`isuwork.data.arrow_text.Coded`) and
spreads its outcome over the rows: the results are those of checking every row, in a fraction
of the time.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from isuwork.data.arrow_text import Coded, is_arrow_text, stripped
from isuwork.data.io import ROW_COLUMN
from isuwork.domain.catalog import Catalog, Variable
from isuwork.domain.formatting import format_number, format_percent
from isuwork.domain.vocabulary import NO_SPELLINGS, YES_SPELLINGS
from isuwork.exceptions import DataError

#: A column where more than this share of the filled values fails is taken as a wrong mapping.
STRUCTURAL_FAILURE_SHARE = 0.5
#: How many row numbers and values an error message lists before "…".
SHOW_FIRST = 5
#: How many columns :func:`coded_texts` codes ahead of its caller.
_AHEAD = 4


def rows_text(rows: list[int]) -> str:
    """Row numbers for a message: the first few and how many there are in all."""
    rows = sorted(set(int(r) for r in rows))
    shown = ", ".join(str(r) for r in rows[:SHOW_FIRST])
    return shown + (f" … (totalt {len(rows)})" if len(rows) > SHOW_FIRST else "")


class Problems:
    """Row-level problems collected while checking: (radnr, kolumn, orsak) triples."""

    def __init__(self, source: str, rows: np.ndarray) -> None:
        self.source = source
        self.rows = rows
        self.parts: list[pd.DataFrame] = []
        self.details: list[tuple[str, str, np.ndarray, list[str]]] = []

    def add(self, mask: np.ndarray, column: str, reason: str, values: Any = None) -> None:
        """Record a problem on the rows where ``mask`` holds (``values``: what they held, one
        per row or as a :class:`~isuwork.data.arrow_text.Coded` column)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.parts.append(
            pd.DataFrame({ROW_COLUMN: self.rows[mask], "kolumn": column, "orsak": reason})
        )
        shown: list[str] = []
        if isinstance(values, Coded):
            shown = values.examples(mask, SHOW_FIRST)
        elif values is not None:
            shown = pd.Series(np.asarray(values, dtype=object)[mask]).dropna().astype(str).unique()
            shown = [str(v) for v in shown[:SHOW_FIRST]]
        self.details.append((column, reason, self.rows[mask], shown))

    def frame(self) -> pd.DataFrame:
        """Every problem as a row: ``radnr``, ``kolumn``, ``orsak``."""
        if not self.parts:
            return pd.DataFrame({ROW_COLUMN: pd.Series(dtype=int), "kolumn": [], "orsak": []})
        return pd.concat(self.parts, ignore_index=True)

    def flagged(self) -> np.ndarray:
        """Mask of rows that already have a problem."""
        return np.isin(self.rows, self.bad_rows())

    def bad_rows(self) -> np.ndarray:
        """Row numbers with at least one problem."""
        return self.frame()[ROW_COLUMN].unique()

    def message(self) -> str:
        """The problems as one Swedish error message (the first few, and how many more)."""
        parts = []
        for column, reason, rows, values in self.details[:SHOW_FIRST]:
            text = f"kolumnen '{column}': {reason} på {len(rows)} rader (rad {rows_text(rows)})"
            if values:
                text += f", till exempel {', '.join(repr(v) for v in values)}"
            parts.append(text)
        more = len(self.details) - SHOW_FIRST
        tail = f" Dessutom {more} andra fel." if more > 0 else ""
        return (
            f"{self.source}: {'; '.join(parts)}.{tail} Rätta värdena i filen, eller lägg till "
            "översättningen av koderna under values: i mappningsfilen."
        )


def column_text(raw: pd.DataFrame, column: str) -> pd.Series:
    """A raw column as stripped text, empty cells missing."""
    return _stripped_text(raw[column])


def _stripped_text(column: pd.Series) -> pd.Series:
    text = column.astype("string")
    if is_arrow_text(text):
        return stripped(text)
    return text.str.strip().mask(lambda s: s == "")


def coded_text(raw: pd.DataFrame, column: str) -> Coded:
    """:func:`column_text` held as codes into its distinct values."""
    return Coded.of(column_text(raw, column))


def coded_texts(raw: pd.DataFrame, columns: list[str]) -> Iterator[Coded]:
    """:func:`coded_text` of several columns, in their order.

    Two threads work a few columns ahead of the caller: Arrow releases the interpreter while it
    trims and hashes text, so the caller checks one column while the next ones are coded.
    """
    series = [raw[c] for c in columns]

    def code(column: pd.Series) -> Coded:
        return Coded.of(_stripped_text(column))

    if len(series) < 2 or (os.cpu_count() or 1) < 2:
        yield from map(code, series)
        return
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="isuwork-coded")
    try:
        ahead = deque(pool.submit(code, column) for column in series[:_AHEAD])
        for column in series[_AHEAD:]:
            done = ahead.popleft().result()
            ahead.append(pool.submit(code, column))
            yield done
        while ahead:
            yield ahead.popleft().result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _coded(text: pd.Series | Coded) -> Coded:
    return text if isinstance(text, Coded) else Coded.of(text)


def _code_lookup(var: Variable) -> dict[str, str]:
    lookup = {}
    for code, label in var.codes.items():
        lookup[code.lower()] = code
        lookup[label.lower()] = code
    return lookup


def check_code(var: Variable, text: pd.Series | Coded, problems: Problems) -> pd.Series:
    """A coded column: codes or their labels, in any case; anything else is a problem."""
    coded = _coded(text)
    values = coded.values
    codes = values.str.lower().map(_code_lookup(var))
    bad = (values.notna() & codes.isna()).to_numpy()
    allowed = ", ".join(var.codes)
    problems.add(coded.rows(bad), var.name, f"okänd kod (tillåtna: {allowed})", coded)
    categories = pd.Categorical(codes.where(~bad), dtype=var.dtype)
    return coded.spread(categories, named=False)


def check_yesno(var: Variable, text: pd.Series | Coded, problems: Problems) -> pd.Series:
    """A yes/no column: any spelling of yes or no; anything else is a problem."""
    coded = _coded(text)
    value = _yes_no(coded.values)
    bad = (coded.values.notna() & value.isna()).to_numpy()
    problems.add(coded.rows(bad), var.name, "varken ja eller nej", coded)
    return coded.spread(value, named=False)


def check_number(var: Variable, text: pd.Series | Coded, problems: Problems) -> pd.Series:
    """A number (decimal comma or point, spaces between thousands) within the variable's range;
    an integer where the variable is one."""
    coded = _coded(text)
    values = coded.values
    number = _numbers(values)
    not_number = (values.notna() & number.isna()).to_numpy()
    problems.add(coded.rows(not_number), var.name, "inte ett tal", coded)
    if var.type == "int":
        fractional = (number.notna() & (number != number.round())).fillna(False).to_numpy()
        problems.add(coded.rows(fractional), var.name, "inte ett heltal", coded)
        number = number.where(~fractional)
    out_of_range = np.zeros(len(values), dtype=bool)
    if var.min is not None:
        out_of_range |= (number < var.min).fillna(False).to_numpy()
    if var.max is not None:
        out_of_range |= (number > var.max).fillna(False).to_numpy()
    low = format_number(var.min) if var.min is not None else "…"
    high = format_number(var.max) if var.max is not None else "…"
    problems.add(
        coded.rows(out_of_range), var.name, f"utanför tillåtet intervall {low}–{high}", coded
    )
    number = number.where(~out_of_range)
    return coded.spread(number.round().astype("Int64") if var.type == "int" else number)


def check_date(
    var: Variable, text: pd.Series | Coded, problems: Problems, fmt: str | None
) -> pd.Series:
    """A date in ``fmt`` (from the mapping), else ISO ``YYYY-MM-DD`` or ``YYYYMMDD``."""
    coded = _coded(text)
    text = coded.values
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
    problems.add(coded.rows(bad), var.name, f"ogiltigt datum (väntat {expected})", coded)
    return coded.spread(parsed.astype("datetime64[ns]"))


def structural_check(
    problems: Problems, before: int, name: str, text: pd.Series | Coded, source: str
) -> None:
    """Most filled values of a column failing means a wrong mapping, not bad rows."""
    filled = text.filled() if isinstance(text, Coded) else int(text.notna().sum())
    if filled == 0:
        return
    failed = set()
    for column, _, rows, _ in problems.details[before:]:
        if column == name:
            failed.update(rows.tolist())
    if len(failed) / filled > STRUCTURAL_FAILURE_SHARE and len(failed) >= 2:
        details = [d for d in problems.details[before:] if d[0] == name]
        examples = sorted({v for d in details for v in d[3]})[:SHOW_FIRST]
        raise DataError(
            f"{source}: kolumnen '{name}' har ogiltiga värden på {len(failed)} av {filled} ifyllda "
            f"rader ({format_percent(len(failed) / filled)}), till exempel "
            f"{', '.join(repr(v) for v in examples)} ({details[0][1]}). Så många fel tyder på att "
            "kolumnen behöver översättas: ange exportens koder under values: "
            f"{name}: i mappningsfilen, eller kontrollera att rätt kolumn mappats till '{name}'."
        )


def check_unique(raw: pd.DataFrame, problems: Problems) -> None:
    """A repeated ``utredning_id`` is a problem of every row after the first."""
    ids = coded_text(raw, "utredning_id")
    if len(ids.values) == len(ids.codes):  # every row its own value
        return
    duplicated = pd.Series(ids.codes).duplicated(keep="first").to_numpy() & ids.notna()
    problems.add(
        duplicated, "utredning_id", "dubblett: samma utredning_id finns på en tidigare rad", ids
    )


def check_required_values(
    typed: dict[str, pd.Series], problems: Problems, catalog: Catalog
) -> None:
    """A required value that is missing (on a row with no other problem) is a problem."""
    already = problems.flagged()
    for name in catalog.required:
        if name in typed:
            missing = typed[name].isna().to_numpy() & ~already
            problems.add(missing, name, "värde saknas")


def type_extra(text: pd.Series) -> pd.Series:
    """A column outside the schema, typed by what it holds.

    Yes/no answers in any spelling become a boolean column (``1``/``0`` count as yes/no);
    numbers with a decimal comma or point become an integer or a decimal column, unless a value
    has a leading zero (an identifier such as ``0123``); anything else stays text. Empty
    columns stay text.

    Examples
    --------
    >>> type_extra(pd.Series(["Ja", "nej", None], dtype="string")).dtype
    BooleanDtype
    >>> type_extra(pd.Series(["12,5", "3"], dtype="string")).tolist()
    [12.5, 3.0]
    """
    coded = Coded.of(text)
    values = coded.values
    known = values.dropna()
    if known.empty:
        return text.astype("string")
    if known.str.casefold().isin(YES_SPELLINGS | NO_SPELLINGS).all():
        return coded.spread(_yes_no(values), named=False)
    number = _numbers(values)
    identifier = known.str.match(r"^[-+]?0\d").any()
    if number[known.index].notna().all() and not identifier:
        whole = number.dropna()
        return coded.spread(number.astype("Int64") if (whole == whole.round()).all() else number)
    return text.astype("string")


#: Words a typical value of a column must have for the column to count as free text.
FREE_TEXT_WORDS = 4
#: Characters any one value may have before its column counts as free text.
FREE_TEXT_LENGTH = 120


def looks_like_free_text(text: pd.Series) -> bool:
    """True when a column outside the schema holds sentences rather than codes or names.

    Free text (case notes, descriptions) is never kept after preparation; a column whose
    typical distinct value has :data:`FREE_TEXT_WORDS` words or more, or with any value longer
    than :data:`FREE_TEXT_LENGTH` characters, is taken as free text. Codes, unit names and
    numbers have fewer words ("Hemtjänst Norra", "K", "12,5").
    """
    values = Coded.of(text).values.dropna()
    if values.empty:
        return False
    words = values.str.count(r"\S+")
    return bool(words.median() >= FREE_TEXT_WORDS or values.str.len().max() > FREE_TEXT_LENGTH)


def _yes_no(text: pd.Series) -> pd.Series:
    folded = text.str.casefold()
    value = pd.Series(pd.NA, index=text.index, dtype="boolean")
    value[folded.isin(YES_SPELLINGS).fillna(False)] = True
    value[folded.isin(NO_SPELLINGS).fillna(False)] = False
    return value


def _numbers(text: pd.Series) -> pd.Series:
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    return pd.to_numeric(cleaned, errors="coerce").astype("Float64")
