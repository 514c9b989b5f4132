"""Selecting cases: which rows a filter such as ``verksamhet=lss`` keeps, the same everywhere.

A filter maps a column to one value or a list of values; a row is kept when, in every filtered
column, it holds one of the values. Every entry point (the step-1 tables, the screening, the
criteria check, the explorer and the command line's ``--filter``) selects through
:func:`select`, so one filter keeps the same rows wherever it is used:

- codes and text are compared regardless of case and surrounding spaces (``LSS`` is ``lss``);
- yes/no columns take any spelling of yes or no (``ja``, ``J``, ``1``, ``true`` … or a bool);
- numbers are compared as numbers (``2023``, ``2023.0`` and ``2023,0`` are the same year);
- dates are compared as dates (``2024-03-01`` or ``20240301``);
- a missing value never matches.

A value the column cannot hold (an unknown code, a word in a yes/no or number column) is an
error with a Swedish message that says what is allowed, not a silently empty selection.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import yes_no
from isuwork.exceptions import MissingDataError, ParameterError

#: A selection: column to one value or a list of values.
Filters = Mapping[str, Any]


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise a Swedish error unless every column is in ``df``.

    A variable of the catalogue that the data lacks is missing data (:class:`MissingDataError`,
    "uppgift saknas"); any other name is a mistake in the call (:class:`ParameterError`),
    with the nearest column names as suggestions.

    Parameters
    ----------
    df
        The data.
    columns
        Column names that are needed.
    what
        What they are needed for, in Swedish (``"urvalet"``, ``"utfallet"`` …).
    """
    catalog = load_catalog()
    present = [str(c) for c in df.columns]
    for column in columns:
        if column in df.columns:
            continue
        if column in catalog:
            raise MissingDataError(
                f"Uppgift saknas: {column} ({catalog.label(column)}) finns inte i data men "
                f"behövs för {what}. Kontrollera exporten eller mappningsfilen."
            )
        near = difflib.get_close_matches(str(column), present, n=3, cutoff=0.6)
        hint = f" Menade du {' eller '.join(repr(n) for n in near)}?" if near else ""
        raise ParameterError(
            f"'{column}' är varken en kolumn i data eller en variabel i katalogen, så den kan "
            f"inte användas för {what}.{hint} Kolumner i data: {', '.join(present)}."
        )


def as_list(values: Any) -> list[Any]:
    """One value or a collection of values, as a list (a string is one value)."""
    if isinstance(values, str | bytes) or not isinstance(
        values, Sequence | set | frozenset | np.ndarray | pd.Index | pd.Series
    ):
        return [values]
    return list(values)


def matches(column: pd.Series, values: Any, *, name: str | None = None) -> np.ndarray:
    """Which rows of ``column`` hold one of ``values`` (see the module docstring).

    Parameters
    ----------
    column
        A column of a prepared frame.
    values
        One value or a list of values, as a person writes them.
    name
        The column's name, for messages (default: the series' name).

    Returns
    -------
    numpy.ndarray
        Boolean, one entry per row; missing values never match.

    Raises
    ------
    ParameterError
        When a value cannot occur in the column.
    """
    name = str(column.name if name is None else name)
    wanted = as_list(values)
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _match_yes_no(column, wanted, name)
    if isinstance(dtype, pd.CategoricalDtype):
        return _match_codes(column, wanted, name)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _match_dates(column, wanted, name)
    if pd.api.types.is_numeric_dtype(dtype):
        return _match_numbers(column, wanted, name)
    folded = {_fold(v) for v in wanted}
    text = column.astype("string").str.strip().str.casefold()
    return text.isin(folded).to_numpy(dtype=bool, na_value=False)


def selection_mask(df: pd.DataFrame, filters: Filters | None) -> np.ndarray:
    """Which rows of ``df`` a selection keeps (all rows when there is none)."""
    keep = np.ones(len(df), dtype=bool)
    if not filters:
        return keep
    require_columns(df, [str(c) for c in filters], what="urvalet")
    for column, values in filters.items():
        keep &= matches(df[column], values, name=str(column))
    return keep


def select(df: pd.DataFrame, filters: Filters | None) -> pd.DataFrame:
    """The rows of ``df`` that a selection keeps, e.g. ``{"verksamhet": "lss"}``.

    Examples
    --------
    >>> lss = select(data, {"verksamhet": "LSS", "ar": [2023, 2024]})  # doctest: +SKIP
    """
    if not filters:
        return df
    return df[selection_mask(df, filters)]


def _fold(value: Any) -> str:
    return str(value).strip().casefold()


def _match_yes_no(column: pd.Series, wanted: list[Any], name: str) -> np.ndarray:
    answers = set()
    for value in wanted:
        answer = yes_no(value)
        if answer is None:
            raise ParameterError(
                f"Värdet {value!r} i urvalet för {name} är varken ja eller nej. Skriv till "
                f"exempel {name}=ja eller {name}=nej."
            )
        answers.add(answer)
    flags = column.astype("boolean")
    return flags.isin(list(answers)).to_numpy(dtype=bool, na_value=False)


def _near_code(value: Any, column: pd.Series, name: str) -> str:
    """ " Menade du …?" with the codes nearest ``value``, by code or by label (or nothing)."""
    variable = load_catalog().variables.get(name)
    names = {_fold(c): str(c) for c in column.cat.categories}
    if variable is not None:
        names |= {_fold(variable.code_label(c)): str(c) for c in column.cat.categories}
    near = difflib.get_close_matches(_fold(value), list(names), n=3, cutoff=0.6)
    codes = list(dict.fromkeys(names[n] for n in near))
    return f" Menade du {' eller '.join(codes)}?" if codes else ""


def _match_codes(column: pd.Series, wanted: list[Any], name: str) -> np.ndarray:
    categories = [_fold(c) for c in column.cat.categories]
    chosen = []
    for value in wanted:
        folded = _fold(value)
        if folded not in categories:
            allowed = ", ".join(map(str, column.cat.categories)) or "inga"
            raise ParameterError(
                f"Värdet {value!r} finns inte bland koderna för {name}.{_near_code(value, column, name)} "
                f"Tillåtna koder: {allowed}."
            )
        chosen.append(categories.index(folded))
    return np.isin(column.cat.codes.to_numpy(), chosen)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ParameterError(
            f"Värdet {value!r} i urvalet för {name} är inte ett tal, men kolumnen innehåller "
            "tal. Skriv till exempel 2024 eller 12,5."
        ) from None


def _match_numbers(column: pd.Series, wanted: list[Any], name: str) -> np.ndarray:
    numbers = [_number(v, name) for v in wanted]
    values = column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.isin(values, numbers)


def _match_dates(column: pd.Series, wanted: list[Any], name: str) -> np.ndarray:
    days = []
    for value in wanted:
        text = str(value).strip()
        day = pd.to_datetime(
            text, format="%Y%m%d" if text.isdigit() else "ISO8601", errors="coerce"
        )
        if pd.isna(day):
            raise ParameterError(
                f"Värdet {value!r} i urvalet för {name} är inte ett datum. Skriv datum som "
                "ÅÅÅÅ-MM-DD, till exempel 2024-03-01."
            )
        days.append(day.normalize())
    return column.dt.normalize().isin(days).to_numpy(dtype=bool, na_value=False)
