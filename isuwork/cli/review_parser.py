"""``isuwork review``: the case review's subcommands, their options and Swedish help texts.

``review sample`` draws the cases and writes the review book and its key, ``review check``
reads a filled book back and says what it holds, ``review analyse`` compares the reviewed items
by kön. Their handlers are in :mod:`isuwork.cli.review_commands`.
"""

from __future__ import annotations

import argparse
from typing import Any

from isuwork.cli.arguments import (
    SwedishParser,
    add_filter,
    add_kommun,
    add_mapping,
    add_min_n,
    add_output,
)

Subparsers = Any  # argparse._SubParsersAction, which is private


def add_review(sub: Subparsers) -> None:
    """Add ``isuwork review`` and its subcommands to the ``isuwork`` parser."""
    parser = sub.add_parser(
        "review",
        help="aktgranskning: dra ärenden, skriv granskningsboken, analysera granskningen",
        description=(
            "Aktgranskning med jämställdhetsperspektiv, som Botkyrka kommuns granskning av 100 "
            "utredningar: dra ett urval av ärenden med lika många kvinnor och män, fyll i "
            "granskningsboken (gärna blint, utan kön) och jämför det granskade mellan kvinnor "
            "och män."
        ),
    )
    steps = parser.add_subparsers(
        dest="review_command", metavar="STEG", parser_class=SwedishParser, required=True
    )
    _sample(steps)
    _check(steps)
    _analyse(steps)


def _sample(steps: Subparsers) -> None:
    parser = steps.add_parser(
        "sample",
        help="dra ärenden och skriv granskningsboken och nyckeln",
        description=(
            "Drar ett urval ur ärendelistan (en export, läses som alla exporter): lika många "
            "ärenden för varje kön (--per kon) och inom dem i proportion till listan "
            "(--strata). Samma lista, antal och frö ger samma urval. Granskningsboken är blind "
            "om inte --oppen anges: den visar bara granskningskoden och verksamheten. Kön, id "
            "och bakgrund skrivs i nyckeln, som ska hållas åtskild från granskarna."
        ),
    )
    parser.add_argument("file", metavar="ÄRENDELISTA", help="ärendelistan (CSV, XLSX, Parquet)")
    add_mapping(parser)
    add_kommun(parser)
    add_filter(parser)
    parser.add_argument(
        "--n", type=int, default=100, metavar="N", help="antal ärenden (standard 100)"
    )
    parser.add_argument(
        "--per",
        action="append",
        default=None,
        metavar="KOLUMN",
        help="lika många ärenden för varje värde av kolumnen (standard: kon); upprepa för fler",
    )
    parser.add_argument(
        "--strata",
        action="append",
        default=[],
        metavar="KOLUMN",
        help="fördela urvalet i proportion till kolumnens värden, till exempel verksamhet",
    )
    parser.add_argument("--seed", type=int, required=True, metavar="N", help="slumpfrö")
    parser.add_argument(
        "--observation",
        metavar="ID",
        help=(
            "dra bara bland ärendena i en iakttagelses urval i journalen, till exempel en som "
            "kriterieprövningen inte kunde avgöra (kräver --kommun och --journal-dir)"
        ),
    )
    parser.add_argument("--journal-dir", metavar="MAPP", help="mappen med journalen")
    parser.add_argument(
        "--oppen",
        action="store_true",
        help="visa kön och utrednings-id i granskningsboken (standard: blind bok)",
    )
    parser.add_argument(
        "--out", required=True, metavar="BOK.xlsx", help="granskningsboken att skriva"
    )
    parser.add_argument(
        "--nyckel",
        required=True,
        metavar="NYCKEL.xlsx",
        help="nyckeln att skriva (kön, id och bakgrund per granskningskod); håll den åtskild",
    )
    parser.set_defaults(handler="review_sample")


def _add_book(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("book", metavar="BOK", help="den ifyllda granskningsboken (.xlsx)")
    parser.add_argument(
        "--nyckel", metavar="NYCKEL", help="nyckeln som kopplar koden till kön och bakgrund"
    )
    parser.add_argument(
        "--texter",
        metavar="MAPP",
        help=(
            "mapp med utredningstexter, en fil per granskningskod (G001.txt …); bara antal ord "
            "och ord per tema läses ut, texterna sparas aldrig"
        ),
    )
    parser.add_argument(
        "--ordlista", metavar="FIL", help="egen ordlista (YAML) i stället för isuworks"
    )


def _check(steps: Subparsers) -> None:
    parser = steps.add_parser(
        "check",
        help="läs in en ifylld granskningsbok och säg vad den innehåller",
        description=(
            "Kontrollerar varje cell i granskningsboken. Ett felaktigt värde ger ett "
            "felmeddelande med blad, rad och kolumn, och då läses inget in."
        ),
    )
    _add_book(parser)
    parser.set_defaults(handler="review_check")


def _analyse(steps: Subparsers) -> None:
    parser = steps.add_parser(
        "analyse",
        help="jämför det granskade mellan kvinnor och män",
        description=(
            "Jämför varje granskad uppgift mellan kvinnor och män, totalt och inom bakgrund "
            "(födelseland, åldersgrupp, verksamhet), med intervall och p-värden justerade för "
            "många jämförelser. En blind bok behöver sin nyckel. Värden som bygger på för få "
            "ärenden visas inte."
        ),
    )
    _add_book(parser)
    add_min_n(parser)
    add_output(parser)
    parser.add_argument(
        "--top", type=int, default=25, metavar="N", help="antal rader som visas (standard 25)"
    )
    parser.set_defaults(handler="review_analyse")
