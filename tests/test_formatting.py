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
