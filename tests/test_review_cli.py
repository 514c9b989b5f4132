"""``isuwork review``: sample, check and analyse from the command line, with the mistakes
people make (exit codes 0, 1 and 2, Swedish messages, nothing written on an error)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from isuwork.cli.main import main
from isuwork.data.review_book import REVIEW_SHEET
from isuwork.workbook.journal import open_journal

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


def _sample(tmp_path: Path, *extra: str) -> int:
    return main(
        [
            "review",
            "sample",
            str(SAMPLE),
            "--kommun",
            "exempelby",
            "--seed",
            "1",
            "--out",
            str(tmp_path / "bok.xlsx"),
            "--nyckel",
            str(tmp_path / "nyckel.xlsx"),
            *extra,
        ]
    )


def _fill(book: Path, column: str, values: list) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[REVIEW_SHEET]
    names = [c.value for c in sheet[2]]
    for offset, value in enumerate(values):
        sheet.cell(row=3 + offset, column=names.index(column) + 1, value=value)
    workbook.save(book)


def test_sample_writes_a_blind_book_and_a_key(tmp_path, capsys):
    assert _sample(tmp_path, "--n", "40", "--strata", "verksamhet") == 0
    out = capsys.readouterr().out
    assert "Drog 40 ärenden (20 kvinnor, 20 män) med fröet 1" in out and "(blind)" in out
    names = [c.value for c in openpyxl.load_workbook(tmp_path / "bok.xlsx")[REVIEW_SHEET][2]]
    assert "kon" not in names and "utredning_id" not in names
    key = [c.value for c in openpyxl.load_workbook(tmp_path / "nyckel.xlsx").active[2]]
    assert {"granskningskod", "utredning_id", "kon"} <= set(key)
    # the same command again refuses to overwrite
    assert _sample(tmp_path, "--n", "40") == 1
    assert "finns redan och skrivs inte över" in capsys.readouterr().err


def test_an_open_book_shows_kon(tmp_path):
    assert _sample(tmp_path, "--n", "10", "--oppen") == 0
    names = [c.value for c in openpyxl.load_workbook(tmp_path / "bok.xlsx")[REVIEW_SHEET][2]]
    assert {"kon", "utredning_id"} <= set(names)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--kommun", "Exempelbu"], 1, "Menade du Exempelby?"),
        (["--strata", "verksamet"], 1, "Menade du 'verksamhet'"),
        (["--n", "0"], 1, "positivt heltal"),
        (["--n", "tio"], 2, "inte ett heltal: 'tio'"),
        (["--observation", "obs-finnsinte"], 1, "--journal-dir"),
    ],
)
def test_sample_mistakes_give_swedish_errors_and_write_nothing(
    tmp_path, capsys, args, code, message
):
    try:
        got = _sample(tmp_path, *args)
    except SystemExit as stop:  # argparse's usage errors
        got = stop.code
    assert got == code
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_sample_within_an_observation_of_the_journal(tmp_path, capsys):
    journal = open_journal("Exempelby", journal_dir=tmp_path / "journal")
    obs = journal.add_observation(
        "Kan inte avgöras inom LSS", utfall="beviljad", filter={"verksamhet": "lss"}
    )
    extra = ["--n", "20", "--observation", obs, "--journal-dir", str(tmp_path / "journal")]
    assert _sample(tmp_path, *extra) == 0
    key = openpyxl.load_workbook(tmp_path / "nyckel.xlsx").active
    names = [c.value for c in key[2]]
    verksamhet = {
        row[names.index("verksamhet")] for row in key.iter_rows(min_row=3, values_only=True)
    }
    assert verksamhet == {"lss"}


def test_check_and_analyse_a_filled_book(tmp_path, capsys):
    assert _sample(tmp_path, "--n", "40") == 0
    book = tmp_path / "bok.xlsx"
    _fill(book, "insats_dusch", ["Ja", "Nej", "Nej"] * 13 + ["Ja"])
    capsys.readouterr()
    assert main(["review", "check", str(book)]) == 0
    out = capsys.readouterr().out
    assert "40 granskade ärenden" in out and "insats_dusch: 40" in out and "blind" in out
    # a blind book cannot be analysed by kön without its key
    assert main(["review", "analyse", str(book)]) == 1
    assert "nyckel" in capsys.readouterr().err
    key = str(tmp_path / "nyckel.xlsx")
    assert main(["review", "analyse", str(book), "--nyckel", key, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["utfall"] for r in rows} == {"insats_dusch"}
    shown = [r[f"n_{k}"] for r in rows for k in ("kvinna", "man") if r[f"n_{k}"] is not None]
    assert shown and all(n == 0 or n >= 5 for n in shown)


def test_a_bad_cell_stops_check_with_sheet_row_and_column(tmp_path, capsys):
    assert _sample(tmp_path, "--n", "10") == 0
    book = tmp_path / "bok.xlsx"
    _fill(book, "antal_mal", [1, 2, "många"])
    capsys.readouterr()
    assert main(["review", "check", str(book)]) == 1
    err = capsys.readouterr().err
    assert "bladet Granskning: rad 5, kolumnen antal_mal (Antal mål): inte ett tal" in err
    assert "Traceback" not in err
