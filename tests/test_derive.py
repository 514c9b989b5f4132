"""Derived variables: age bands and need summaries in numpy, held against pandas row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from isuwork.data.derive import _need_summaries, age_groups
from isuwork.domain.catalog import load_catalog

CATALOG = load_catalog()


def _old_age_groups(data: pd.DataFrame) -> pd.Series:
    """The age bands row by row in pandas, as they were computed before numpy."""
    age = data["alder"].astype("Float64")
    schemes = list(CATALOG.age_schemes)
    verksamhet = (
        data["verksamhet"].astype("string")
        if "verksamhet" in data
        else pd.Series(pd.NA, index=data.index, dtype="string")
    )
    scheme_of_row = verksamhet.where(verksamhet.isin(schemes)).fillna("default")
    out = pd.Series(pd.NA, index=data.index, dtype="string")
    for scheme in scheme_of_row.unique():
        rows = scheme_of_row == scheme
        for band in CATALOG.age_groups(scheme):
            upper = np.inf if band.high is None else band.high
            hit = rows & (age >= band.low).fillna(False) & (age <= upper).fillna(False)
            out[hit] = band.code
    return out


_AGES = st.one_of(st.none(), st.integers(-2, 115), st.sampled_from([17.5, 64.5, 89.99]))
_VERKSAMHET = st.one_of(st.none(), st.sampled_from([*CATALOG.variable("verksamhet").codes, "x"]))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(_AGES, _VERKSAMHET), max_size=40),
    st.sampled_from(["text", "categorical", "none"]),
)
def test_age_bands_equal_pandas_row_by_row(rows, verksamhet):
    data = pd.DataFrame(
        {
            "alder": pd.array([a for a, _ in rows], dtype="Float64"),
            "verksamhet": pd.array([v for _, v in rows], dtype="string"),
        },
        index=np.arange(len(rows)) * 3 + 1,
    )
    if verksamhet == "categorical":
        data["verksamhet"] = data["verksamhet"].where(data["verksamhet"] != "x")
        data["verksamhet"] = data["verksamhet"].astype(CATALOG.dtype("verksamhet"))
    elif verksamhet == "none":
        data = data[["alder"]]
    pd.testing.assert_series_equal(age_groups(data, CATALOG), _old_age_groups(data))


_LEVEL = st.one_of(st.none(), st.integers(0, 4))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_LEVEL, min_size=3, max_size=3), max_size=30), st.booleans())
def test_need_summaries_equal_pandas_row_wise(levels, whole):
    columns = ["lo_d1", "lo_d5", "lo_trygghet"]
    block = pd.DataFrame(
        {c: pd.array([row[i] for row in levels], dtype="Int64") for i, c in enumerate(columns)}
    )
    if not whole:  # a decimal level: pandas computes, as before
        block["lo_d5"] = block["lo_d5"].astype("Float64") / 2
    got = _need_summaries(block)
    floats = block.astype("Float64")
    expected = {
        "behov_max": floats.max(axis=1, skipna=True).round().astype("Int64"),
        "behov_medel": floats.mean(axis=1, skipna=True).astype("Float64"),
        "antal_lo_utredda": floats.notna().sum(axis=1).astype("Int64"),
    }
    assert list(got) == list(expected)
    for name, values in expected.items():
        pd.testing.assert_series_equal(got[name], values, check_names=False)
