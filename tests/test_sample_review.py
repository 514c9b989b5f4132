"""The synthetic teaching set for case review (aktgranskning): reproducible, anonymous, blind,
and true to its answer key.

The answer key is checked twice: each planted difference by kön is computed directly with pandas
on the review as read back (book, key and texts), independently of isuwork's screening; then the
screening must list the planted differences as significant with the same sign, and the planted
equalities as not significant.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from isuwork.analysis.review import draw_sample, review_screening
from isuwork.analysis.review.teaching import (
    BOOK_NAME,
    CASES_NAME,
    FACIT_REVIEW_NAME,
    KEY_NAME,
    LIST_SIZE,
    REVIEW_FOLDER,
    REVIEWED,
    SAMPLE_FILTERS,
    SAMPLE_STRATA,
    SOURCE,
    TEXTS_FOLDER,
    generate_case_list,
    generate_review_cases,
    generate_review_texts,
    review_answer_key,
    write_review_sample,
)
from isuwork.analysis.review.teaching_texts import BANK, HEADINGS, THEMES
from isuwork.data.prepare import load
from isuwork.data.review_book import (
    REVIEW_SHEET,
    read_review_book,
    read_review_key,
    write_review_book,
)
from isuwork.data.text_measures import measure_text, measure_text_folder
from isuwork.domain.catalog import load_catalog
from isuwork.domain.shipped import sample_dir

PERSONNUMMER = re.compile(r"\d{6,8}[-+]?\d{4}")
SEXES = {"kvinna", "man", "Kvinna", "Man"}
PRONOUNS = {"han": "hon", "Han": "Hon", "hans": "hennes", "honom": "henne", "partner": "make"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("teaching")
    write_review_sample(root)
    return root / REVIEW_FOLDER


@pytest.fixture(scope="module")
def review(folder):
    measures = measure_text_folder(folder / TEXTS_FOLDER)
    return read_review_book(folder / BOOK_NAME, key=folder / KEY_NAME, measures=measures)


@pytest.fixture(scope="module")
def screening(review):
    return review_screening(review.data).table


@pytest.fixture(scope="module")
def facit(folder):
    return yaml.safe_load((folder / FACIT_REVIEW_NAME).read_text(encoding="utf-8"))


def _files(folder):
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _cells(path):
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
    finally:
        book.close()


def _texts_of(path):
    return _cells(path) if path.suffix == ".xlsx" else [path.read_text(encoding="utf-8-sig")]


def test_the_folder_holds_the_list_book_key_texts_and_answer_key(folder):
    names = set(_files(folder))
    texts = {n for n in names if n.startswith(f"{TEXTS_FOLDER}/")}
    assert names - texts == {CASES_NAME, BOOK_NAME, KEY_NAME, FACIT_REVIEW_NAME}
    assert texts == {f"{TEXTS_FOLDER}/G{k:03d}.txt" for k in range(1, REVIEWED + 1)}
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 1_000_000


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_content(folder, tmp_path):
    write_review_sample(tmp_path / "igen")
    again = _files(tmp_path / "igen" / REVIEW_FOLDER)
    first = _files(folder)
    assert set(again) == set(first)
    for name, path in first.items():
        assert path.read_bytes() == again[name].read_bytes(), name
    write_review_sample(tmp_path / "annat", seed=7)
    other = _files(tmp_path / "annat" / REVIEW_FOLDER)
    for name in (CASES_NAME, KEY_NAME, f"{TEXTS_FOLDER}/G001.txt"):
        assert _texts_of(first[name]) != _texts_of(other[name]), name
    assert _cells(first[BOOK_NAME]) != _cells(other[BOOK_NAME])


def test_the_shipped_teaching_set_is_what_the_generator_writes(folder):
    shipped = _files(sample_dir() / REVIEW_FOLDER)
    written = _files(folder)
    assert set(shipped) == set(written)
    for name, path in written.items():
        assert path.read_bytes() == shipped[name].read_bytes(), name


def test_the_generators_are_reproducible():
    cases = generate_review_cases()
    pd.testing.assert_frame_equal(cases, generate_review_cases())
    assert generate_review_texts(cases) == generate_review_texts(cases)
    assert not generate_review_cases(seed=3).equals(cases)


def test_no_file_holds_anything_like_a_personnummer(folder):
    for name, path in _files(folder).items():
        for text in _texts_of(path):
            assert not PERSONNUMMER.search(text), name


def test_the_book_is_blind_and_keeps_its_lists(folder, tmp_path):
    catalog = load_catalog()
    book = openpyxl.load_workbook(folder / BOOK_NAME)
    sheet = book[REVIEW_SHEET]
    names = {cell.value for cell in sheet[2]}
    hidden = {"kon", "utredning_id", "person_id", *catalog.review_key} - {"verksamhet"}
    assert not names & hidden
    assert not set(_cells(folder / BOOK_NAME)) & SEXES
    assert sheet.max_row == 2 + REVIEWED
    empty = write_review_book(generate_review_cases(), tmp_path / "tom.xlsx")
    blank = openpyxl.load_workbook(empty)[REVIEW_SHEET]
    ranges = [str(v.sqref) for v in sheet.data_validations.dataValidation]
    assert ranges and ranges == [str(v.sqref) for v in blank.data_validations.dataValidation]


def test_the_review_reads_back_whole_without_warnings(review, folder):
    data = review.data
    assert len(data) == REVIEWED and not review.warnings and not review.not_reviewed
    assert data["kon"].astype("string").value_counts().to_dict() == {"kvinna": 50, "man": 50}
    foreign = data[data["fodelseland"].astype("string") == "utanfor_europa"]
    assert foreign["kon"].astype("string").value_counts().to_dict() == {"kvinna": 7, "man": 7}
    assert data[[*load_catalog().review_items[:-1]]].notna().all().all()
    key = read_review_key(folder / KEY_NAME)
    assert set(key.index) == set(data["granskningskod"])


def test_the_case_list_gives_the_same_sample_when_drawn_again(folder):
    listing = load(folder / CASES_NAME).data
    assert len(listing) == LIST_SIZE
    sample = draw_sample(
        listing, REVIEWED, seed=2024, per=("kon",), strata=SAMPLE_STRATA, filters=SAMPLE_FILTERS
    )
    key = read_review_key(folder / KEY_NAME)
    drawn = sample.cases.set_index("granskningskod")["utredning_id"].astype("string")
    assert drawn.sort_index().equals(key["utredning_id"].astype("string").sort_index())
    pd.testing.assert_frame_equal(
        generate_case_list().reset_index(drop=True),
        pd.read_csv(folder / CASES_NAME, sep=";", dtype="string", encoding="utf-8-sig"),
    )


def _by_sex(data, pattern):
    column = data[pattern["utfall"]]
    if "niva" in pattern:
        values = (column.astype("string") == pattern["niva"]).astype(float)
    else:
        values = column.astype("Float64").astype(float)
    return values, data["kon"].astype("string") == "kvinna"


def test_every_planted_pattern_shows_in_a_direct_count(review, facit):
    data = review.data
    assert len(facit["patterns"]) >= 20
    for pattern in facit["patterns"]:
        assert pattern["kalla"] == SOURCE
        values, women = _by_sex(data, pattern)
        if "bakgrund" in pattern:
            level = data[pattern["bakgrund"]].astype("string")
            here = level == pattern["niva_bakgrund"]
            other = level == pattern["jamfor_niva_bakgrund"]
            assert values[women & here].mean() > values[~women & here].mean(), pattern["id"]
            assert values[women & here].mean() > values[women & other].mean(), pattern["id"]
            continue
        difference = values[women].mean() - values[~women].mean()
        direction = pattern["riktning"]
        if direction == "kvinnor_hogre":
            assert difference > 0, pattern["id"]
        elif direction == "man_hogre":
            assert difference < 0, pattern["id"]
        else:
            assert direction == "ingen_skillnad"
            assert abs(difference) <= 0.2 * values.std(), pattern["id"]


def test_the_screening_finds_what_was_planted_and_nothing_where_nothing_was(screening, facit):
    shown = screening[~screening["dold"].astype(bool)]
    for pattern in facit["patterns"]:
        if "bakgrund" in pattern:  # 7 per sex: the direction, not necessarily significant
            row = shown[
                (shown["bakgrund"] == pattern["bakgrund"])
                & (shown["niva"] == pattern["niva_bakgrund"])
                & (shown["utfall"] == pattern["utfall"])
            ]
            assert len(row) == 1 and row["skillnad"].iloc[0] > 0, pattern["id"]
            continue
        rows = screening[
            (screening["bakgrund"] == "alla") & (screening["utfall"] == pattern["utfall"])
        ]
        if "niva" in pattern:
            rows = rows[rows["kategori"] == pattern["niva"]]
        significant = rows[~rows["dold"].astype(bool) & (rows["p_justerat"] < 0.05)]
        if pattern["riktning"] == "ingen_skillnad":
            assert significant.empty, pattern["id"]
            continue
        sign = 1 if pattern["riktning"] == "kvinnor_hogre" else -1
        assert len(significant) == 1, pattern["id"]
        assert np.sign(significant["skillnad"].iloc[0]) == sign, pattern["id"]


def test_the_answer_key_written_is_the_answer_key(facit):
    assert facit == yaml.safe_load(yaml.safe_dump(review_answer_key(), allow_unicode=True))


def test_the_texts_measure_exactly_what_was_planted(folder, review):
    cases = generate_review_cases().set_index("granskningskod")
    measured = measure_text_folder(folder / TEXTS_FOLDER)
    planned = [c for c in cases if c.startswith(("ord_", "tema_"))]
    assert len(planned) == 6 + len(THEMES)
    for column in planned:
        assert (measured[column].astype(int) == cases[column].astype(int)).all(), column
    counted = review.data.set_index("granskningskod")
    for column in ("ord_social_situation", "ord_aktuellt_tillstand", "ord_halsotillstand"):
        assert (counted[column].astype(int) == cases[column].astype(int)).all(), column


def test_the_texts_have_their_headings_on_lines_of_their_own(folder):
    for path in (folder / TEXTS_FOLDER).glob("*.txt"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert [line for line in lines if line in dict(HEADINGS).values()] == [
            label for _, label in HEADINGS
        ]


def test_each_bank_sentence_has_exactly_the_theme_words_it_should():
    for part, sentences in BANK.items():
        for sentence in sentences:
            counts = measure_text(sentence.format(**PRONOUNS))
            themes = {k: v for k, v in counts.items() if k.startswith("tema_") and v}
            assert themes == ({f"tema_{part}": 1} if part in THEMES else {}), sentence


def test_no_sentence_of_a_text_is_in_the_book_or_the_key(folder):
    sentences = {
        part.strip()
        for path in (folder / TEXTS_FOLDER).glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        for part in re.split(r"(?<=\.) ", line)
        if part.strip().endswith(".")
    }
    assert len(sentences) > 100
    cells = _cells(folder / BOOK_NAME) + _cells(folder / KEY_NAME)
    for cell in cells:
        assert cell not in sentences
        if len(cell) > 20:
            assert not any(sentence in cell for sentence in sentences), cell
