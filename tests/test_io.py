"""Reading exports and writing files: encodings, separators, row numbers, atomic writes."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from isuwork.data.io import (
    RawExport,
    atomic_write,
    read_export,
    write_csv,
    write_excel,
    write_parquet,
    write_text,
)
from isuwork.exceptions import DataError

HEADER = "utredning_id;kommun;kon;hemtjanst_tim_man"


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "written_as"),
    [("cp1252", "cp1252"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
)
def test_swedish_excel_csv_in_every_encoding(tmp_path, encoding, written_as):
    text = f"{HEADER}\r\nU1;Åby;K;12,5\r\nU2;Öby;M;\r\n\r\n"
    raw = read_export(_write(tmp_path / "export.csv", text, encoding))
    assert isinstance(raw, RawExport)
    assert (raw.source, raw.encoding, raw.separator) == ("export.csv", written_as, ";")
    assert raw.data["kommun"].tolist() == ["Åby", "Öby"]
    assert raw.data["hemtjanst_tim_man"].tolist()[0] == "12,5"  # text, typed by preparation
    assert pd.isna(raw.data["hemtjanst_tim_man"].iloc[1])  # an empty cell is missing
    assert raw.data["radnr"].tolist() == [2, 3]  # the trailing blank line is not a row
    assert all(str(raw.data[c].dtype) == "string" for c in raw.data.columns if c != "radnr")


@pytest.mark.parametrize("sep", ["\t", ","])
def test_other_separators_are_found(tmp_path, sep):
    text = HEADER.replace(";", sep) + "\n" + sep.join(["U1", "Åby", "K", "3"]) + "\n"
    raw = read_export(_write(tmp_path / "export.csv", text, "utf-8"))
    assert raw.separator == sep and raw.data["kon"].tolist() == ["K"]


def test_title_rows_above_the_header_keep_spreadsheet_row_numbers(tmp_path):
    text = f"Export från Exempelsystem\nPeriod 2024\n{HEADER}\nU1;Åby;K;1\nU2;Åby;M;2\n"
    raw = read_export(_write(tmp_path / "export.csv", text, "utf-8"))
    assert raw.data["radnr"].tolist() == [4, 5]
    assert raw.data["utredning_id"].tolist() == ["U1", "U2"]


def test_files_that_cannot_be_read_give_swedish_errors(tmp_path):
    with pytest.raises(DataError, match="finns inte"):
        read_export(tmp_path / "saknas.csv")
    with pytest.raises(DataError, match="UTF-16"):
        read_export(_write(tmp_path / "unicode.csv", HEADER, "utf-16"))
    with pytest.raises(DataError, match="filtyp"):
        read_export(_write(tmp_path / "export.ods", HEADER, "utf-8"))
    with pytest.raises(DataError, match="tom"):
        read_export(_write(tmp_path / "tom.csv", "  \n", "utf-8"))


def test_parquet_is_read_as_text_like_any_export(tmp_path):
    frame = pd.DataFrame(
        {
            "utredning_id": ["U1", "U2"],
            "alder": pd.array([80, None], dtype="Int64"),
            "hemtjanst_tim_man": [12.0, 7.25],
            "datum_beslut": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "beviljad": pd.array([True, False], dtype="boolean"),
        }
    )
    path = write_parquet(frame, tmp_path / "forberedd.parquet")
    raw = read_export(path)
    assert raw.data["alder"].tolist()[0] == "80" and pd.isna(raw.data["alder"].iloc[1])
    assert raw.data["hemtjanst_tim_man"].tolist() == ["12", "7.25"]
    assert raw.data["datum_beslut"].tolist() == ["2024-03-01", "2024-03-02"]
    assert raw.data["beviljad"].tolist() == ["true", "false"]


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    target = write_text("gammal\n", tmp_path / "fil.txt")
    with pytest.raises(RuntimeError), atomic_write(target, mode="w") as handle:
        handle.write("halv")
        raise RuntimeError("avbrott")
    assert target.read_text() == "gammal\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fil.txt"]  # no temporary file left


def test_csv_in_swedish_excel_style(tmp_path):
    path = write_csv(pd.DataFrame({"a": [1.5], "b": ["Å"]}), tmp_path / "ut.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark, which Excel needs for å, ä, ö
    assert data.decode("utf-8-sig") == "a;b\r\n1,5;Å\r\n"


def test_excel_is_reproducible_with_title_rows(tmp_path):
    sheets = {"Blad": pd.DataFrame({"a": [1, 2]})}
    titles = {"Blad": ["Rubrik", "Undertitel"]}
    first = write_excel(sheets, tmp_path / "1.xlsx", reproducible=True, title_rows=titles)
    second = write_excel(sheets, tmp_path / "2.xlsx", reproducible=True, title_rows=titles)
    assert first.read_bytes() == second.read_bytes()
    grid = pd.read_excel(io.BytesIO(first.read_bytes()), header=None)
    assert grid.iloc[0, 0] == "Rubrik" and grid.iloc[2, 0] == "a" and grid.iloc[4, 0] == 2


def test_a_mapping_travels_with_the_export(tmp_path):
    text = "Ärende;Kommun;Kön;Beslutsdatum\nU1;Åby;K;01/03/2024\n"
    mapping = {
        "system": "Testsystem",
        "columns": {"Ärende": "utredning_id", "kommun": "kommun", "Kön": "kon", "Saknas": "enhet"},
        "values": {"kon": {"K": "kvinna"}},
        "dates": {"datum_beslut": "%d/%m/%Y"},
    }
    raw = read_export(_write(tmp_path / "export.csv", text, "utf-8"), mapping=mapping)
    assert raw.mapping == "Testsystem"
    assert raw.data["kon"].tolist() == ["kvinna"] and "utredning_id" in raw.data
    assert raw.date_formats == {"datum_beslut": "%d/%m/%Y"}
    assert any("Saknas" in warning for warning in raw.warnings)
