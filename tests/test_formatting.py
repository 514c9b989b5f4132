"""Swedish number formatting: the column-wise formatter agrees with the single-value one."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from isuwork.domain.formatting import MISSING, format_number, format_numbers, format_percent


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=False, width=64), max_size=30),
    st.integers(0, 3),
)
def test_format_numbers_equals_format_number(values, decimals):
    assert format_numbers(values, decimals=decimals) == [
        format_number(v, decimals=decimals) for v in values
    ]


def test_format_numbers_reads_missing_in_every_form():
    values = pd.array([1234.56, None], dtype="Float64")
    assert format_numbers(values, decimals=1) == ["1\xa0234,6", MISSING]
    assert format_numbers([np.nan, None, pd.NA, -0.5], decimals=1) == [
        MISSING,
        MISSING,
        MISSING,
        "\u22120,5",
    ]
    assert format_numbers([]) == []


def test_percent_uses_comma_and_space():
    assert format_percent(0.445) == "44,5\xa0%"


def _near_ties(decimals: int) -> list[float]:
    """Values at, and one floating-point step either side of, the ties of ``decimals``."""
    ties = (np.arange(-2000, 2000) + 0.5) / 10**decimals
    return [*ties, *np.nextafter(ties, np.inf), *np.nextafter(ties, -np.inf)]


@given(st.integers(0, 2))
def test_vectorised_formatting_at_ties_and_thousands(decimals):
    values = [
        *_near_ties(decimals),
        *(np.arange(1, 400) / 400 * 100),  # shares in percent, as a screening list has
        *(np.arange(-1, 2, 0.001)),  # small differences around zero, both signs
        999.949,
        999.95,
        999.96,
        -999.96,
        1000.0,
        123456.789,
        -0.0,
        float("inf"),
        float("-inf"),
    ]
    got = format_numbers(values, decimals=decimals, unit=" %")
    assert got == [format_number(v, decimals=decimals) + " %" for v in values]


@given(
    st.lists(
        st.integers(0, 5000).flatmap(lambda n: st.integers(0, n).map(lambda a: (a, max(n, 1)))),
        max_size=50,
    )
)
def test_shares_in_percent_as_python_formats_them(pairs):
    values = [a / n * 100 for a, n in pairs]
    assert format_numbers(values, decimals=1) == [format_number(v, decimals=1) for v in values]
