"""One selection everywhere: the same filter keeps the same rows in every entry point.

The rows a filter should keep are computed here directly with pandas (explicit lower-casing and
number parsing), and every entry point is asked how many cases with a known outcome it used:
the step-1 table, the screening list, the criteria check, the explorer and the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isuwork.analysis.compare import compare
from isuwork.analysis.criteria import check_criteria
from isuwork.analysis.screening import screen
from isuwork.cli.main import main
from isuwork.data.prepare import load
from isuwork.domain.selection import matches, select
from isuwork.exceptions import DataError, ParameterError
from isuwork.workbook.explorer import Explorer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load(SAMPLE).data


def _direct(data: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """The rows a person means, written out by hand for each kind of column."""
    col = data[column]
    if pd.api.types.is_bool_dtype(col.dtype):
        wanted = value.strip().lower() in ("ja", "j", "1", "true")
        return (col.astype("boolean") == wanted).fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(col.dtype):
        number = float(value.replace(",", "."))
        return (col.astype("Float64") == number).fillna(False).to_numpy(dtype=bool)
    text = col.astype("string").str.strip().str.lower()
    return (text == value.strip().lower()).fillna(False).to_numpy(dtype=bool)


#: Filters as people type them: other case, decimal comma, a yes/no spelling.
CASES = [
    {"verksamhet": "LSS"},
    {"verksamhet": "lss", "ar": "2023,0"},
    {"kommun": "exempelby", "aldersgrupp": "80-84"},
    {"tillfragad_delta": "J", "verksamhet": "Socialpsykiatri"},
]


@pytest.mark.parametrize("filters", CASES, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_every_entry_point_selects_the_same_rows(sample, filters, capsys):
    keep = np.ones(len(sample), dtype=bool)
    for column, value in filters.items():
        keep &= _direct(sample, column, value)
    # cases a comparison of beviljad by kön can use: known outcome and known sex
    expected = int((keep & sample["beviljad"].notna() & sample["kon"].notna()).sum())
    assert expected >= 100  # a selection large enough that nothing is hidden

    assert len(select(sample, filters)) == int(keep.sum())

    table = compare(sample, outcome="beviljad", filters=filters, min_n=1).table
    assert table["n"].sum() == expected

    listed = screen(sample, outcomes=["beviljad"], background=["hushall"], filters=filters, min_n=1)
    everyone = listed.table[listed.table["bakgrund"] == "alla"].iloc[0]
    assert everyone["n_kvinna"] + everyone["n_man"] == expected

    result = check_criteria(sample, outcome="beviljad", filters=filters, min_n=1)
    assert result.groups["n"].sum() == expected

    args = ["describe", str(SAMPLE), "--outcome", "beviljad", "--format", "json", "--min-n", "1"]
    for column, value in filters.items():
        args += ["--filter", f"{column}={value}"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sum(row["n"] for row in rows) == expected


def test_explorer_selects_as_compare_does(sample):
    view = Explorer(sample, min_n=1, by="")
    view.filter_column.value = "verksamhet"
    view.filter_value.value = "lss"
    expected = (_direct(sample, "verksamhet", "LSS") & sample["beviljad"].notna().to_numpy()).sum()
    assert view.table["n"].sum() == expected


def test_upper_and_lower_case_agree_on_the_command_line(capsys):
    outputs = []
    for value in ("LSS", "lss", " Lss "):
        args = ["describe", str(SAMPLE), "--outcome", "beviljad", "--by", "kon"]
        assert main([*args, "--by", "aldersgrupp", "--filter", f"verksamhet={value}"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert "Inga rader att visa" not in outputs[0]


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        (pd.Series(["Exempelby", "Sjövik", None], dtype="string"), ["exempelby "], [1, 0, 0]),
        (pd.Series([True, False, None], dtype="boolean"), ["nej"], [0, 1, 0]),
        (pd.Series([True, False, None], dtype="boolean"), [True, "x"], [1, 0, 0]),
        (pd.Series([2023, 2024, None], dtype="Int64"), ["2023,0", 2024.0], [1, 1, 0]),
        (pd.Series([12.5, 7.25, None], dtype="Float64"), ["12,5"], [1, 0, 0]),
        (
            pd.Categorical(["lss", "aldreomsorg", None], categories=["aldreomsorg", "lss"]),
            "LSS",
            [1, 0, 0],
        ),
        (pd.Series(pd.to_datetime(["2024-03-01", "2024-03-02", None])), ["20240301"], [1, 0, 0]),
    ],
)
def test_matches_by_kind_of_column(column, values, expected):
    got = matches(pd.Series(column, name="x"), values)
    assert got.tolist() == [bool(e) for e in expected]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (pd.Categorical(["lss"], categories=["aldreomsorg", "lss"]), "lsss", "Tillåtna koder"),
        (pd.Series([True], dtype="boolean"), "kanske", "varken ja eller nej"),
        (pd.Series([2023], dtype="Int64"), "förra året", "inte ett tal"),
        (pd.Series(pd.to_datetime(["2024-03-01"])), "mars", "inte ett datum"),
    ],
)
def test_a_value_the_column_cannot_hold_is_an_error(column, value, message):
    with pytest.raises(ParameterError, match=message):
        matches(pd.Series(column, name="x"), value)


def test_missing_columns_are_named(sample):
    with pytest.raises(DataError, match="Uppgift saknas: konsidentitet"):
        select(sample.drop(columns=["konsidentitet"]), {"konsidentitet": "annan"})
    with pytest.raises(ParameterError, match="Menade du 'verksamhet'"):
        select(sample, {"verksamhett": "lss"})
