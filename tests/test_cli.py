"""The isuwork command: exit codes, Swedish messages without tracebacks, validate and sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isuwork.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("isuwork ")


def test_validate_ok_and_json(capsys):
    assert main(["validate", str(ROOT / "data" / "sample" / "isu_exempel.csv")]) == 0
    assert "Rader som används: 12\u00a0000" in capsys.readouterr().out
    code = main(["validate", str(BAD / "impossible_date.csv"), "--format", "json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["rows_in"] == report["rows_kept"] + report["rows_excluded"] == 4
    assert report["reasons"][0]["kolumn"] == "datum_beslut"


def test_user_error_is_swedish_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "isuwork", "validate", str(BAD / "missing_kommun.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "saknar kolumnen 'kommun'" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["validate"])
    assert exit_info.value.code == 2
    assert "fel i kommandoraden" in capsys.readouterr().err


def test_sample_command_writes_files(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {
        "isu_exempel.csv",
        "export_exempel.xlsx",
        "facit.yaml",
        "mapping_exempel.yaml",
        "aktgranskning",
    }
    # every sample file is recreated: byte for byte what the repository holds
    shipped = ROOT / "data" / "sample"
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (shipped / path.relative_to(tmp_path)).read_bytes(), path
    assert "Skrev 100 utredningstexter" in capsys.readouterr().out


def test_argparse_speaks_swedish(capsys):
    """Help, usage and argparse's own errors in Swedish: no 'usage:', 'show this help'."""
    with pytest.raises(SystemExit) as help_exit:
        main(["screen", "--help"])
    assert help_exit.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("användning: isuwork screen")
    assert "visa den här hjälpen och avsluta" in shown and "flaggor:" in shown
    for english in ("usage:", "show this help", "options:", "positional arguments"):
        assert english not in shown
    with pytest.raises(SystemExit) as wrong:
        main(["screen", str(SAMPLE), "--bogus"])
    assert wrong.value.code == 2
    err = capsys.readouterr().err
    assert "okända argument: --bogus" in err and "unrecognized" not in err
    with pytest.raises(SystemExit):
        main(["criteria", str(SAMPLE), "--outcome", "beviljad", "--format", "xml"])
    assert "ogiltigt val: 'xml' (välj bland 'text', 'json')" in capsys.readouterr().err


def test_decimal_comma_is_a_number(capsys):
    base = ["criteria", str(SAMPLE), "--outcome", "beviljad", "--format", "json"]
    assert main([*base, "--min-diff", "0,03"]) == 0
    comma = json.loads(capsys.readouterr().out)
    assert main([*base, "--min-diff", "0.03"]) == 0
    assert comma["min_diff"] == json.loads(capsys.readouterr().out)["min_diff"] == 0.03
    with pytest.raises(SystemExit):
        main([*base, "--min-diff", "tre"])
    assert "inte ett tal: 'tre' (skriv till exempel 0,03" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["screen"], ["criteria", "--outcome", "beviljad"]])
def test_kommun_any_case_and_unknown_kommun_exit_1(capsys, command):
    name, *rest = command
    assert main([name, str(SAMPLE), *rest, "--kommun", "exempelby", "--format", "json"]) == 0
    shown = capsys.readouterr().out
    assert main([name, str(SAMPLE), *rest, "--kommun", "Exempelby", "--format", "json"]) == 0
    assert shown == capsys.readouterr().out  # lower case finds the same kommun
    assert main([name, str(SAMPLE), *rest, "--kommun", "Exempelbyy"]) == 1
    err = capsys.readouterr().err
    assert "Kommunen 'Exempelbyy' finns inte" in err and "Menade du Exempelby?" in err
    assert "Granåker, Sjövik, Tallmora" in err


@pytest.mark.parametrize(
    ("written", "meant"),
    [("LS", "lss"), ("Äldreomsorgen", "aldreomsorg"), ("socialpsyk", "socialpsykiatri")],
)
def test_a_code_written_almost_right_gets_a_suggestion_and_exit_1(capsys, written, meant):
    assert main(["screen", str(SAMPLE), "--filter", f"verksamhet={written}"]) == 1
    err = capsys.readouterr().err
    assert f"Värdet '{written}' finns inte bland koderna för verksamhet. Menade du {meant}?" in err
