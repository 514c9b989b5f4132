"""Reading, mapping and preparing exports: the malformed corpus, derivations, row accounting."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isuwork.data.io import read_export
from isuwork.data.mapping import load_mapping
from isuwork.data.prepare import load, prepare
from isuwork.exceptions import DataError, MappingError

BAD = Path(__file__).parent / "data" / "bad"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _corpus() -> list[tuple[str, str, str]]:
    rows = []
    for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].endswith((".csv", ".xlsx", ".yaml", ".ods")):
            rows.append((cells[0], cells[2], cells[3]))
    return rows


def test_corpus_is_large_and_every_file_is_listed():
    listed = {name for name, _, _ in _corpus()}
    present = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert listed == present
    assert len([r for r in _corpus() if r[1] != "loads"]) >= 20


@pytest.mark.parametrize(("name", "outcome", "names"), _corpus())
def test_malformed_input(name, outcome, names):
    path = BAD / name
    if outcome == "loads":
        prepared = load(path, on_error="raise")
        assert prepared.report.rows_excluded == 0 and prepared.report.rows_kept > 0
        return
    expected = {"DataError": DataError, "MappingError": MappingError}[outcome]
    with pytest.raises(expected) as info:
        if path.suffix == ".yaml":
            read_export(SAMPLE / "export_exempel.xlsx", mapping=load_mapping(path))
        else:
            load(path, on_error="raise")
    assert type(info.value) is expected
    assert names in str(info.value)
    assert "Traceback" not in str(info.value)


def test_cp1252_and_title_rows_are_read_correctly():
    data = load(BAD / "cp1252_good.csv").data
    assert data["kommun"].tolist() == ["Åby", "Åby"]
    assert data["bostadsomrade"].tolist() == ["Ängen", "Hagen"]
    raw = read_export(BAD / "title_row_good.xlsx")
    assert raw.source == "title_row_good.xlsx"
    assert raw.data["radnr"].tolist() == [4, 5, 6]  # two title rows, the header on row 3
    assert raw.data["alder"].tolist() == ["80", "70", "30"]  # Excel numbers as people see them


def test_swedish_numbers():
    data = load(BAD / "numbers_swedish_good.csv", on_error="raise").data
    assert data["handlaggningstid_dagar"].tolist() == [1020, 28]
    assert data["hemtjanst_tim_man"].tolist() == [12.5, 7.25]


def test_excluded_rows_are_reported_not_dropped_silently():
    prepared = load(BAD / "impossible_date.csv")
    report = prepared.report
    assert (report.rows_in, report.rows_kept, report.rows_excluded) == (4, 3, 1)
    assert report.excluded.to_dict("records") == [
        {
            "radnr": 5,
            "kolumn": "datum_beslut",
            "orsak": "ogiltigt datum (väntat ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD)",
        }
    ]
    assert "Rader som utesluts: 1" in report.to_text()


def test_mapped_xlsx_equals_the_csv_sample():
    mapped = load(SAMPLE / "export_exempel.xlsx", mapping=SAMPLE / "mapping_exempel.yaml")
    assert mapped.report.rows_excluded == 0
    csv = load(SAMPLE / "isu_exempel.csv").data
    first = csv[csv["kommun"] == mapped.data["kommun"].iloc[0]].reset_index(drop=True)
    shared = [c for c in mapped.data.columns if c in first.columns]
    assert len(shared) >= 30
    assert "Handläggare" not in mapped.data and "Anteckning" not in mapped.data
    pd.testing.assert_frame_equal(mapped.data[shared], first[shared], check_dtype=True)


def _build_number(birth: str, serial: int) -> str:
    from isuwork.data.personnummer import luhn_check_digit

    short = birth[2:] + f"{serial:03d}"
    return f"{birth}-{serial:03d}{luhn_check_digit(short)}"


def test_derivations_from_personnummer_and_life_areas():
    raw = pd.DataFrame(
        {
            "utredning_id": ["A", "B"],
            "kommun": ["Aby", "Aby"],
            "verksamhet": ["aldreomsorg", "lss"],
            "personnummer": [_build_number("19400310", 982), _build_number("19940705", 991)],
            "datum_aktualisering": ["2024-02-01", "2024-02-10"],
            "datum_beslut": ["2024-03-09", "2024-03-01"],
            "lo_d1": ["2", None],
            "lo_d5": ["4", "1"],
            "lo_trygghet": [None, "0"],
            "beslut": ["delvis_bifall", "avslag"],
        },
        dtype="string",
    )
    data = prepare(raw).data
    assert "personnummer" not in data and "fodelsedatum" not in data
    assert data["kon"].tolist() == ["kvinna", "man"]  # serial 982: 8 even; 991: 9 odd
    assert data["alder"].tolist() == [83, 29]  # the day before and after the birthday
    assert data["aldersgrupp"].tolist() == ["80-84", "23-64"]
    assert data["behov_max"].tolist() == [4, 1]
    assert data["behov_medel"].tolist() == [3.0, 0.5]
    assert data["antal_lo_utredda"].tolist() == [2, 2]
    assert data["beviljad"].tolist() == [True, False]
    assert data["handlaggningstid_dagar"].tolist() == [37, 20]
    assert data["ar"].tolist() == [2024, 2024]


def test_sample_has_catalogue_dtypes():
    from isuwork.domain.catalog import load_catalog

    data = load(SAMPLE / "isu_exempel.csv").data
    catalog = load_catalog()
    for column in data.columns:
        if column in catalog:
            assert data[column].dtype == catalog.dtype(column), column


_GOOD = ["U{i};Aby;kvinna;2024-01-0{d};2024-02-01;3", "U{i};Aby;man;2024-01-0{d};2024-02-01;0"]
_BAD = [
    "U{i};Aby;okänd;2024-01-0{d};2024-02-01;1",  # unknown code
    "U{i};Aby;man;2024-01-0{d};2024-02-31;1",  # impossible date
    "U{i};;man;2024-01-0{d};2024-02-01;1",  # kommun missing
    "U{i};Aby;kvinna;2024-01-0{d};2024-02-01;9",  # out of range
    "DUP;Aby;man;2024-01-0{d};2024-02-01;1",  # duplicate id (from the second on)
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 4)), min_size=1, max_size=40))
def test_row_accounting_invariant(kinds):
    header = "utredning_id;kommun;kon;datum_aktualisering;datum_beslut;lo_d5"
    lines, expected_bad = [], set()
    seen_dup = False
    for i, (good, which) in enumerate(kinds):
        radnr = i + 2
        if good:
            line = _GOOD[which % 2]
        else:
            line = _BAD[which]
            if line.startswith("DUP"):
                if seen_dup:
                    expected_bad.add(radnr)
                seen_dup = True
            else:
                expected_bad.add(radnr)
        lines.append(line.format(i=i, d=1 + i % 9))
    raw = pd.read_csv(
        __import__("io").StringIO("\n".join([header, *lines])),
        sep=";",
        dtype="string",
        keep_default_na=False,
    )
    raw = raw.replace("", pd.NA).assign(radnr=np.arange(2, len(lines) + 2))
    structural = False
    try:
        prepared = prepare(raw)
    except DataError as err:
        # a column where most values fail is taken as a wrong mapping, by design
        assert re.search(r"kolumnen '\w+' har ogiltiga värden på \d+ av \d+", str(err))
        structural = True
    if structural:
        return
    report = prepared.report
    assert report.rows_in == len(lines) == report.rows_kept + report.rows_excluded
    assert set(report.excluded["radnr"]) == expected_bad
    assert len(prepared.data) == report.rows_kept


def test_prepared_data_round_trips_through_parquet(tmp_path):
    from isuwork.data.io import write_parquet

    prepared = load(SAMPLE / "isu_exempel.csv")
    path = write_parquet(prepared.data, tmp_path / "forberedd.parquet")
    again = load(path, on_error="raise")
    pd.testing.assert_frame_equal(prepared.data, again.data)


def test_columns_outside_the_schema_are_typed_once():
    raw = pd.DataFrame(
        {
            "utredning_id": ["A", "B", "C"],
            "kommun": "Aby",
            "kon": ["kvinna", "man", "man"],
            "hjalp_hemma": ["Ja", "N", None],
            "poang": ["1,5", "2", None],
            "avdelning": ["1", "2", "3"],
            "enhetskod": ["0123", "0456", "0789"],
            "kommentar": ["bra", "3", None],
        },
        dtype="string",
    )
    prepared = prepare(raw)
    data = prepared.data
    assert data["hjalp_hemma"].dtype == "boolean"
    assert data["hjalp_hemma"].tolist()[:2] == [True, False] and pd.isna(data["hjalp_hemma"][2])
    assert data["poang"].dtype == "Float64" and data["poang"].tolist()[:2] == [1.5, 2.0]
    assert data["avdelning"].dtype == "Int64" and data["avdelning"].tolist() == [1, 2, 3]
    assert data["enhetskod"].tolist() == ["0123", "0456", "0789"]  # identifiers stay text
    assert data["kommentar"].dtype == "string"
    assert prepared.report.extra_columns == [
        "hjalp_hemma",
        "poang",
        "avdelning",
        "enhetskod",
        "kommentar",
    ]
    assert "Kolumner utanför schemat, behålls under sitt eget namn" in prepared.report.to_text()


def test_free_text_outside_the_schema_is_never_kept():
    """A case system's note column that the mapping does not drop is sentences about a person:
    it is taken out at preparation and named, while short codes and unit names stay."""
    raw = pd.DataFrame(
        {
            "utredning_id": ["A", "B", "C", "D"],
            "kommun": "Aby",
            "kon": ["kvinna", "man", "man", "kvinna"],
            "anteckning": [
                "Brukaren vill ha hjälp med dusch två gånger i veckan",
                "Sonen ringde och var orolig för sin pappa",
                None,
                "Kort",
            ],
            "beskrivning": ["x" * 121, "a", "b", "c"],
            "enhet_namn": ["Hemtjänst Norra", "Hemtjänst Södra", "Centrum", None],
        },
        dtype="string",
    )
    prepared = prepare(raw)
    assert "anteckning" not in prepared.data and "beskrivning" not in prepared.data
    assert prepared.data["enhet_namn"].tolist()[:3] == [
        "Hemtjänst Norra",
        "Hemtjänst Södra",
        "Centrum",
    ]
    report = prepared.report
    assert report.extra_columns == ["enhet_namn"]
    assert {"anteckning", "beskrivning"} <= set(report.dropped_identifiers)
    text = report.to_text()
    assert "anteckning, beskrivning ser ut som fritext" in text
    assert "var orolig" not in text and "med dusch" not in text and "x" * 121 not in text
    # a case review's items are not missing from an export: they are never in one
    assert "insats_dusch" not in " ".join(report.missing_optional)
