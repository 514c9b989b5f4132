"""isuwork describe / screen: formats, hidden values as null with "dold": true, Excel sheets."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from isuwork.cli.main import main

SAMPLE = str(Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv")


def test_describe_json_marks_hidden_values(capsys):
    code = main(
        [
            "describe",
            SAMPLE,
            "--outcome",
            "beviljad",
            "--by",
            "kon",
            "--by",
            "aldersgrupp",
            "--kommun",
            "Sjövik",
            "--min-n",
            "10",
            "--format",
            "json",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"utfall", "kon", "aldersgrupp", "n", "varde", "dold"} <= set(rows[0])
    hidden = [r for r in rows if r["dold"]]
    shown = [r for r in rows if not r["dold"]]
    assert shown and all(r["n"] is None or r["n"] >= 10 for r in rows)
    assert all(r["varde"] is None for r in hidden if r["n"] is None)


def test_describe_table_and_filter(capsys):
    assert (
        main(
            [
                "describe",
                SAMPLE,
                "--outcome",
                "deltog_utredningssamtal",
                "--filter",
                "verksamhet=aldreomsorg",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Deltog i utredningssamtal" in out and "%" in out
    assert "Värden som bygger på färre än 5 personer visas inte." in out


def test_screen_xlsx_has_swedish_headers(tmp_path, capsys):
    target = tmp_path / "screening.xlsx"
    assert (
        main(["screen", SAMPLE, "--kommun", "Exempelby", "--format", "xlsx", "--out", str(target)])
        == 0
    )
    sheet = pd.read_excel(target, sheet_name="screening")
    assert "Iakttagelse" in sheet.columns and "Kvinnor" in sheet.columns
    # numbers, not text: the shares can be sorted and summed (the footnote row aside)
    women = sheet["Kvinnor"].iloc[:-2]
    assert women.map(lambda v: isinstance(v, int | float) or v == "..").all()
    assert (women != "..").sum() > len(women) / 2


def test_unknown_outcome_exit_1(capsys):
    assert main(["describe", SAMPLE, "--outcome", "finns_inte"]) == 1
    assert "finns_inte" in capsys.readouterr().err
