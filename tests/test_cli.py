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
    }
