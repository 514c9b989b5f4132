"""Swedish argparse: the parser class, the number type and the options several commands share.

argparse's own words (usage, headings, its error messages) are put into Swedish, and numbers
are accepted with a decimal comma. The option helpers give every subcommand the same spelling
and help text for the export file, the mapping, the kommun, the threshold, the workers and the
selection.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from isuwork.domain.vocabulary import DEFAULT_MIN_N

#: argparse's own English words, and how they read in Swedish (checked in this order).
_SWEDISH = (
    (re.compile(r"^usage: ", re.M), "användning: "),
    (re.compile(r"^positional arguments:$", re.M), "argument:"),
    (re.compile(r"^options:$", re.M), "flaggor:"),
    (re.compile(r"unrecognized arguments: "), "okända argument: "),
    (re.compile(r"the following arguments are required: "), "följande argument saknas: "),
    (re.compile(r"invalid choice: (.*) \(choose from (.*)\)"), r"ogiltigt val: \1 (välj bland \2)"),
    (re.compile(r"expected one argument"), "ett värde behövs"),
    (re.compile(r"invalid int value: (.*)"), r"inte ett heltal: \1"),
    (re.compile(r"invalid float value: (.*)"), r"inte ett tal: \1"),
    (re.compile(r"ambiguous option: (.*) could match (.*)"), r"tvetydig flagga: \1 kan vara \2"),
    (re.compile(r"not allowed with argument"), "går inte att kombinera med"),
)


def swedish(text: str) -> str:
    """argparse's English words in ``text`` in Swedish (usage, headings, error messages)."""
    for pattern, replacement in _SWEDISH:
        text = pattern.sub(replacement, text)
    return text


class SwedishParser(argparse.ArgumentParser):
    """ArgumentParser that speaks Swedish: its help, usage and errors (exit code 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="visa den här hjälpen och avsluta",
        )

    def format_usage(self) -> str:
        """The usage line in Swedish."""
        return swedish(super().format_usage())

    def format_help(self) -> str:
        """The help text in Swedish."""
        return swedish(super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print the usage and a Swedish error, and exit with code 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel i kommandoraden: {swedish(message)}\n")


def decimal(text: str) -> float:
    """A number as people write it: ``0,03`` or ``0.03``."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"inte ett tal: '{text}' (skriv till exempel 0,03 eller 0.03)"
        ) from None


# -- options shared by several subcommands --------------------------------------------------------
def add_file(parser: argparse.ArgumentParser) -> None:
    """The export file, the first argument."""
    parser.add_argument(
        "file", metavar="FIL", help="exportfil eller förberedd fil (CSV, XLSX, Parquet)"
    )


def add_mapping(parser: argparse.ArgumentParser) -> None:
    """``--mapping``: the export's mapping file."""
    parser.add_argument(
        "--mapping",
        default=None,
        metavar="MAPPNING",
        help="mappningsfil (YAML) för exportens rubriker och koder",
    )


def add_kommun(parser: argparse.ArgumentParser) -> None:
    """``--kommun``: one kommun of the data."""
    parser.add_argument(
        "--kommun",
        metavar="KOMMUN",
        help="analysera bara en kommun (stora och små bokstäver spelar ingen roll)",
    )


def add_min_n(parser: argparse.ArgumentParser) -> None:
    """``--min-n``: the smallest number shown."""
    parser.add_argument(
        "--min-n",
        type=int,
        default=DEFAULT_MIN_N,
        metavar="N",
        help=(
            "minsta antal personer som visas; värden som bygger på färre döljs "
            f"(standard {DEFAULT_MIN_N})"
        ),
    )


def add_workers(parser: argparse.ArgumentParser) -> None:
    """``--workers``: parallel runs."""
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="antal parallella körningar (standard 2)",
    )


def add_filter(parser: argparse.ArgumentParser) -> None:
    """``--filter KOLUMN=VÄRDE``, repeatable: the selection."""
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KOLUMN=VÄRDE",
        help=(
            "urval, till exempel verksamhet=lss; upprepa för fler (samma kolumn flera gånger "
            "= något av värdena)"
        ),
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    """``--format``, ``--plain`` and ``--out``: how a table is printed or written."""
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv", "xlsx"),
        default="table",
        help="utdata: tabell (standard), json, csv eller xlsx",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help=(
            "csv för andra program: komma mellan fälten, punkt som decimaltecken och "
            "kolumnernas kodnamn (standard är svensk Excel: semikolon och decimalkomma)"
        ),
    )
    parser.add_argument(
        "--out", metavar="FIL", help="fil att skriva till (krävs för xlsx; annars skärmen)"
    )
