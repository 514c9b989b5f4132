"""isuwork describe / screen: formats, hidden values as null with "dold": true, Excel sheets."""

from __future__ import annotations

import json
import re
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
    about = pd.read_excel(target, sheet_name="Om tabellen", header=None)
    lines = dict(zip(about[0], about[1], strict=True))
    assert lines["Data"] == "isu_exempel.csv" and lines["Urval"] == "kommun=Exempelby"
    assert str(lines["Minsta antal som visas"]).startswith("5 personer")


def test_unknown_outcome_exit_1(capsys):
    assert main(["describe", SAMPLE, "--outcome", "finns_inte"]) == 1
    assert "finns_inte" in capsys.readouterr().err


def test_screen_csv_reads_back_as_numbers_in_swedish_excel_style_and_plain(tmp_path, capsys):
    swedish, plain = tmp_path / "sv.csv", tmp_path / "plain.csv"
    base = ["screen", SAMPLE, "--kommun", "Exempelby", "--format", "csv", "--out"]
    assert main([*base, str(swedish)]) == 0
    assert main([*base, str(plain), "--plain"]) == 0
    sv = pd.read_csv(swedish, sep=";", decimal=",", encoding="utf-8-sig", na_values=[".."])
    assert pd.api.types.is_float_dtype(sv["Kvinnor"]) and pd.api.types.is_float_dtype(sv["Män"])
    assert pd.api.types.is_numeric_dtype(sv["Antal kvinnor"])
    assert not sv.columns.str.contains("_").any()  # Swedish headers, no codes
    raw = pd.read_csv(plain)
    assert {"utfall", "n_kvinna", "varde_kvinna", "skillnad", "dold"} <= set(raw.columns)
    assert pd.api.types.is_float_dtype(raw["varde_kvinna"])
    # the same shares both ways, and a hidden value empty in the plain form
    shown = raw["dold"] == False  # noqa: E712  (a column of booleans read from text)
    assert (
        sv.loc[shown, "Kvinnor"].round(6).tolist()
        == raw.loc[shown, "varde_kvinna"].round(6).tolist()
    )
    shares = sv["Iakttagelse"].str.contains("procentenheter", regex=False)  # means: own unit
    points = sv.loc[shares, "Skillnad (kvinnor − män)"].round(6).tolist()
    assert points == raw.loc[shares, "skillnad"].mul(100).round(6).tolist()
    text = swedish.read_text(encoding="utf-8-sig")
    # no field is a formatted number ("60,5 %", "1 234"): those are in the sentences only
    fields = [f for line in text.splitlines()[1:] for f in line.split(";")]
    assert not [
        f
        for f in fields
        if re.fullmatch(r"[-−]?[\d\u00a0]+(,\d+)?\u00a0%|\d{1,3}(\u00a0\d{3})+", f)
    ]
