"""The command line's output on the sample, against golden files.

The files in ``tests/golden/`` were written by isuwork as it was before the package was split
into layers (commit 9e926c5), with ``python tests/test_cli_golden.py --write``. The restructuring
was to leave every one of these outputs unchanged. Write them again only for a change of output
that is intended, and say which in the commit.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

from isuwork.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAMPLE = str(ROOT / "data" / "sample" / "isu_exempel.csv")
EXPORT = str(ROOT / "data" / "sample" / "export_exempel.xlsx")
MAPPING = str(ROOT / "data" / "sample" / "mapping_exempel.yaml")

#: name -> command-line arguments; the output is stored as ``<name>.txt.gz``.
CASES: dict[str, list[str]] = {
    "screen_exempelby": ["screen", SAMPLE, "--kommun", "Exempelby", "--format", "json"],
    "screen_sjovik_lss": [
        *["screen", SAMPLE, "--kommun", "Sjövik", "--filter", "verksamhet=lss"],
        *["--min-n", "10", "--format", "json"],
    ],
    "screen_tallmora_table": ["screen", SAMPLE, "--kommun", "Tallmora", "--top", "30"],
    "describe_beviljad_age": [
        *["describe", SAMPLE, "--outcome", "beviljad", "--by", "kon", "--by", "aldersgrupp"],
        *["--format", "json"],
    ],
    "describe_goal_granaker": [
        *["describe", SAMPLE, "--outcome", "mal_uppfyllelse", "--by", "kon"],
        *["--by", "verksamhet", "--kommun", "Granåker", "--format", "json"],
    ],
    "describe_hours_elderly": [
        *["describe", SAMPLE, "--outcome", "hemtjanst_tim_man", "--by", "kon"],
        *["--filter", "verksamhet=aldreomsorg", "--filter", "ansokt_insats=hemtjanst"],
        *["--format", "json"],
    ],
    "describe_years_tallmora": [
        *["describe", SAMPLE, "--outcome", "deltog_utredningssamtal", "--by", "kon"],
        *["--by", "ar", "--filter", "kommun=Tallmora", "--format", "json"],
    ],
    "describe_export_mapping": [
        *["describe", EXPORT, "--mapping", MAPPING, "--outcome", "beviljad", "--by", "kon"],
        *["--by", "verksamhet", "--format", "json"],
    ],
    "describe_age_table": [
        *["describe", SAMPLE, "--outcome", "beviljad", "--by", "kon", "--by", "aldersgrupp"],
        *["--filter", "verksamhet=lss"],
    ],
    "criteria_lss_adults": [
        *["criteria", SAMPLE, "--outcome", "beviljad", "--filter", "verksamhet=lss"],
        *["--filter", "aldersgrupp=23-64", "--format", "json"],
    ],
    "criteria_lss_adults_text": [
        *["criteria", SAMPLE, "--outcome", "beviljad", "--filter", "verksamhet=lss"],
        *["--filter", "aldersgrupp=23-64"],
    ],
    "criteria_hours": [
        *["criteria", SAMPLE, "--outcome", "hemtjanst_tim_man", "--filter", "kommun=Exempelby"],
        *["--format", "json"],
    ],
    "criteria_hours_text": [
        *["criteria", SAMPLE, "--outcome", "hemtjanst_tim_man", "--filter", "kommun=Exempelby"],
    ],
    "criteria_participation": [
        *["criteria", SAMPLE, "--outcome", "deltog_utredningssamtal"],
        *["--filter", "verksamhet=socialpsykiatri", "--format", "json"],
    ],
    "criteria_participation_text": [
        *["criteria", SAMPLE, "--outcome", "deltog_utredningssamtal"],
        *["--filter", "verksamhet=socialpsykiatri"],
    ],
    "criteria_overrides": [
        *["criteria", SAMPLE, "--outcome", "beviljad", "--filter", "ansokt_insats=hemtjanst"],
        *["--need", "behov_max", "--attitude", "onskar_insats=nej,vet_ej", "--format", "json"],
    ],
    "criteria_birth_country": [
        *["criteria", SAMPLE, "--outcome", "deltog_utredningssamtal", "--group", "fodelseland"],
        *["--compare", "utanfor_europa", "sverige", "--filter", "verksamhet=socialpsykiatri"],
        *["--format", "json"],
    ],
    "criteria_thin_sjovik": [
        *["criteria", SAMPLE, "--outcome", "beviljad", "--filter", "kommun=Sjövik"],
        *["--filter", "ansokt_insats=trygghetslarm", "--min-n", "10"],
    ],
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The command's standard output (exit code 0 required)."""
    assert main(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_unchanged(name, capsys):
    expected = gzip.decompress((GOLDEN / f"{name}.txt.gz").read_bytes()).decode("utf-8")
    got = run(CASES[name], capsys)
    assert got == expected


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import contextlib
    import io

    GOLDEN.mkdir(exist_ok=True)
    for name, args in CASES.items():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main(args) == 0, name
        data = gzip.compress(buffer.getvalue().encode("utf-8"), mtime=0)
        (GOLDEN / f"{name}.txt.gz").write_bytes(data)
        print(name, len(buffer.getvalue()))
