"""Case review (aktgranskning): the sample, the blind review book and its key, reading it back.

The sample is checked against direct counts of the case list; the review book is written,
filled in with openpyxl as a reviewer would, and read back; bad entries must name sheet, row
and column and leave nothing half-read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from isuwork.analysis.review import draw_sample, review_outcomes, review_screening
from isuwork.analysis.review.sampling import _proportional
from isuwork.data.review_book import (
    CODES_SHEET,
    INSTRUCTIONS_SHEET,
    REVIEW_SHEET,
    read_review_book,
    read_review_key,
    write_review_book,
    write_review_key,
)
from isuwork.exceptions import DataError, ParameterError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    from isuwork.data.prepare import load

    data = load(SAMPLE).data
    return data[data["kommun"] == "Exempelby"].reset_index(drop=True)


# -- sampling -----------------------------------------------------------------------------------
def test_the_sample_is_balanced_by_kon_and_proportional_within(cases):
    sample = draw_sample(cases, 100, seed=7, strata=["verksamhet"])
    drawn = sample.cases
    assert len(drawn) == 100 and drawn["utredning_id"].is_unique
    assert drawn["kon"].value_counts().to_dict() == {"kvinna": 50, "man": 50}
    for kon, part in cases.groupby("kon", observed=True):
        listed = part["verksamhet"].value_counts()
        expected = 50 * listed / listed.sum()  # proportional share of the 50
        got = drawn.loc[drawn["kon"] == kon, "verksamhet"].value_counts()
        for level, share in expected.items():
            assert abs(got.get(level, 0) - share) < 1, (kon, level)
    allocation = sample.allocation
    assert allocation["valda"].sum() == 100
    assert set(drawn["utredning_id"]) <= set(cases["utredning_id"])


def test_the_sample_is_reproducible_and_does_not_depend_on_row_order(cases):
    first = draw_sample(cases, 40, seed=3).cases
    shuffled = cases.sample(frac=1.0, random_state=11)
    again = draw_sample(shuffled, 40, seed=3).cases
    pd.testing.assert_frame_equal(first, again)
    other = draw_sample(cases, 40, seed=4).cases
    assert set(other["utredning_id"]) != set(first["utredning_id"])


def test_review_codes_say_nothing_about_kon(cases):
    drawn = draw_sample(cases, 100, seed=7).cases
    assert list(drawn["granskningskod"]) == [f"G{k:03d}" for k in range(1, 101)]
    first_half = drawn["kon"].iloc[:50].value_counts()
    assert 10 < first_half.get("kvinna", 0) < 40  # codes are not handed out sex by sex


def test_a_small_group_gives_what_it_has_and_says_so(cases):
    few_men = pd.concat(
        [cases[cases["kon"] == "kvinna"], cases[cases["kon"] == "man"].head(12)]
    ).reset_index(drop=True)
    sample = draw_sample(few_men, 60, seed=1)
    assert sample.cases["kon"].value_counts().to_dict() == {"kvinna": 30, "man": 12}
    assert any("bara 12 ärenden" in w for w in sample.warnings)


def test_the_sample_can_be_restricted_to_an_observations_selection(cases):
    sample = draw_sample(cases, 20, seed=2, filters={"verksamhet": "lss"})
    assert set(sample.cases["verksamhet"]) == {"lss"}


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n": 0}, "positivt heltal"),
        ({"n": 10, "per": ["finns_inte"]}, "finns_inte"),
        ({"n": 10, "strata": ["kon"]}, "två gånger"),
        ({"n": 10, "filters": {"verksamhet": "missbruk"}}, "inga ärenden"),
    ],
)
def test_sampling_errors_are_swedish(cases, kwargs, pattern):
    n = kwargs.pop("n")
    with pytest.raises(ParameterError, match=pattern):
        draw_sample(cases, n, seed=1, **kwargs)


@pytest.mark.parametrize(
    ("total", "sizes", "expected"),
    [
        (10, [50, 30, 20], [5, 3, 2]),
        (10, [1, 100, 100], [0, 5, 5]),
        (10, [2, 40, 2], [1, 9, 0]),  # equal remainders: the first level
        (7, [3, 3, 3], [3, 2, 2]),
        (9, [3, 3, 3], [3, 3, 3]),
    ],
)
def test_proportional_allocation_by_largest_remainders(total, sizes, expected):
    got = _proportional(total, np.array(sizes))
    assert sum(got) == total and all(g <= s for g, s in zip(got, sizes, strict=True))
    assert got == expected


# -- the review book ----------------------------------------------------------------------------
def _cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


@pytest.fixture
def drawn(cases) -> pd.DataFrame:
    return draw_sample(cases, 30, seed=5, strata=["verksamhet"]).cases


def test_a_blind_book_keeps_kon_and_ids_out_and_the_key_has_them(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx", blind=True)
    key = write_review_key(drawn, tmp_path / "nyckel.xlsx")
    sheet = openpyxl.load_workbook(book)[REVIEW_SHEET]
    names = [c.value for c in sheet[2]]
    assert names[:2] == ["granskningskod", "verksamhet"]
    assert not {"kon", "utredning_id", "fodelseland", "aldersgrupp"} & set(names)
    text = _cells(book)
    for value in [*drawn["utredning_id"], "Kvinna", "Man", "kvinna", "man"]:
        assert value not in text, value
    keyed = read_review_key(key)
    assert list(keyed.index) == list(drawn["granskningskod"])
    assert (keyed["kon"].astype(str).to_numpy() == drawn["kon"].astype(str).to_numpy()).all()
    open_book = write_review_book(drawn, tmp_path / "oppen.xlsx", blind=False)
    open_names = [c.value for c in openpyxl.load_workbook(open_book)[REVIEW_SHEET][2]]
    assert {"kon", "utredning_id"} <= set(open_names)


def test_the_book_has_drop_downs_ranges_and_instructions(drawn, tmp_path):
    book = openpyxl.load_workbook(write_review_book(drawn, tmp_path / "bok.xlsx"))
    assert book.sheetnames == [INSTRUCTIONS_SHEET, REVIEW_SHEET, CODES_SHEET]
    sheet = book[REVIEW_SHEET]
    names = [c.value for c in sheet[2]]
    checks = {
        names[sheet[str(r).split(":")[0]].column - 1]: v
        for v in sheet.data_validations.dataValidation
        for r in v.sqref.ranges
    }
    assert checks["initiativ"].type == "list" and CODES_SHEET in checks["initiativ"].formula1
    assert checks["insats_dusch"].type == "list"
    assert checks["antal_mal"].type == "whole"
    assert (checks["antal_mal"].formula1, checks["antal_mal"].formula2) == ("0", "20")
    assert checks["timmar_efter"].type == "decimal"
    assert "anteckningar" not in checks
    assert str(sheet["A3"].value) == "G001" and sheet.max_row == 2 + len(drawn)
    instructions = " ".join(_cells(tmp_path / "bok.xlsx"))
    assert "Boken är blind" in instructions and "Dotter" in instructions


def _fill(path: Path, values: dict[str, list]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[REVIEW_SHEET]
    names = [c.value for c in sheet[2]]
    for name, column in values.items():
        for offset, value in enumerate(column):
            sheet.cell(row=3 + offset, column=names.index(name) + 1, value=value)
    book.save(path)


def test_the_filled_book_reads_back_typed_and_joined_to_the_key(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    key = write_review_key(drawn, tmp_path / "nyckel.xlsx")
    n = len(drawn)
    fill = {
        "initiativ": ["Dotter", "vardplanering", "Personen själv"] * (n // 3),
        "timmar_fore": [10, 12.5, 0] * (n // 3),
        "timmar_efter": [20, 12.5, 4] * (n // 3),
        "insats_dusch": ["Ja", "Nej", "ja"] * (n // 3),
        "antal_mal": [2, 0, 1] * (n // 3),
        "anteckningar": ["Hemlig anteckning som aldrig får läsas in"] * n,
    }
    _fill(book, fill)
    read = read_review_book(book, key=key)
    data = read.data
    assert len(data) == n and read.not_reviewed == () and read.warnings == ()
    assert list(data["initiativ"].astype(str)[:3]) == ["dotter", "vardplanering", "egen"]
    assert data["timmar_forandring"].tolist()[:3] == [10.0, 0.0, 4.0]
    assert data["insats_dusch"].tolist()[:3] == [True, False, True]
    assert "anteckningar" not in data
    assert (data["kon"].astype(str).to_numpy() == drawn["kon"].astype(str).to_numpy()).all()
    assert "Hemlig" not in data.to_csv()
    assert {"initiativ", "timmar_forandring", "insats_dusch", "antal_mal"} <= set(
        review_outcomes(data)
    )


def test_rows_not_filled_in_are_left_out_and_named(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    _fill(book, {"antal_mal": [1] * (len(drawn) - 2)})
    read = read_review_book(book)
    assert len(read.data) == len(drawn) - 2
    assert read.not_reviewed == tuple(drawn["granskningskod"].iloc[-2:])
    assert "2 ärenden" in read.warnings[0] and "kon" not in read.data


@pytest.mark.parametrize(
    ("column", "bad", "pattern"),
    [
        ("initiativ", "Grannen", r"rad 4, kolumnen initiativ \(Vem tog initiativ.*okänd kod"),
        ("insats_dusch", "kanske", r"rad 4, kolumnen insats_dusch.*varken ja eller nej"),
        ("antal_mal", 2.5, r"rad 4, kolumnen antal_mal.*inte ett heltal"),
        ("timmar_efter", 900, r"rad 4, kolumnen timmar_efter.*utanför tillåtet intervall"),
    ],
)
def test_a_bad_entry_names_sheet_row_and_column_and_nothing_is_read(
    drawn, tmp_path, column, bad, pattern
):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    good = {"antal_mal": [1] * len(drawn)}
    _fill(book, good)
    _fill(book, {column: [None, bad]})  # row 4 of the sheet
    with pytest.raises(DataError, match=pattern) as caught:
        read_review_book(book)
    assert "bladet Granskning" in caught.value.message
    assert "inget av den lästes in" in caught.value.message


def test_a_code_missing_from_the_key_is_an_error(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    key = write_review_key(drawn.iloc[1:], tmp_path / "nyckel.xlsx")
    _fill(book, {"antal_mal": [1] * len(drawn)})
    with pytest.raises(DataError, match="G00.*finns inte i nyckeln"):
        read_review_book(book, key=key)


def test_text_measures_replace_the_reviewers_estimates(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    _fill(book, {"ord_social_situation": [100] * len(drawn)})
    first = drawn["granskningskod"].iloc[0]
    measures = pd.DataFrame(
        {"ord_social_situation": [7], "tema_otrygghet": [2]},
        index=pd.Index([first], name="granskningskod"),
    ).astype("Int64")
    read = read_review_book(book, measures=measures)
    data = read.data.set_index("granskningskod")
    assert data.loc[first, "ord_social_situation"] == 7
    assert (data.drop(index=first)["ord_social_situation"] == 100).all()
    assert data.loc[first, "tema_otrygghet"] == 2
    assert any("ingen text" in w for w in read.warnings)


def test_the_review_is_compared_by_kon_and_a_blind_book_needs_its_key(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    key = write_review_key(drawn, tmp_path / "nyckel.xlsx")
    women = (drawn["kon"] == "kvinna").to_numpy()
    shower = [(k % 3 != 0) == w for k, w in enumerate(women)]  # about 2/3 of women, 1/3 of men
    _fill(book, {"insats_dusch": ["Ja" if s else "Nej" for s in shower]})
    with pytest.raises(ParameterError, match="nyckel"):
        review_screening(read_review_book(book).data)
    listed = review_screening(read_review_book(book, key=key).data, min_n=5).table
    overall = listed[(listed["utfall"] == "insats_dusch") & (listed["bakgrund"] == "alla")]
    shower = np.array(shower)
    direct = shower[women].mean() - shower[~women].mean()
    assert len(overall) == 1 and direct > 0.2
    assert overall["skillnad"].iloc[0] == pytest.approx(direct)


def test_a_book_without_the_templates_columns_is_an_error(drawn, tmp_path):
    book = write_review_book(drawn, tmp_path / "bok.xlsx")
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[REVIEW_SHEET]
    sheet.delete_cols(3, sheet.max_column)  # only the code and verksamhet are left
    workbook.save(book)
    with pytest.raises(DataError, match="ingen av granskningsmallens kolumner"):
        read_review_book(book)
    with pytest.raises(DataError, match="inget blad som heter 'Granskning'"):
        read_review_book(write_review_key(drawn, tmp_path / "nyckel.xlsx"))
