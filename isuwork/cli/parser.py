"""The ``isuwork`` command line: its subcommands, their options and Swedish help texts.

Parsing needs nothing of the statistics stack, so ``isuwork --help`` and ``--version`` answer
at once; each subcommand names its handler in :mod:`isuwork.cli.commands`, which is loaded only
when a subcommand runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from isuwork import __version__
from isuwork.cli.arguments import (
    SwedishParser,
    add_file,
    add_filter,
    add_kommun,
    add_mapping,
    add_min_n,
    add_output,
    add_workers,
    decimal,
)
from isuwork.cli.review_parser import add_review
from isuwork.domain.vocabulary import CRITERIA_KINDS, SEX

Subparsers = Any  # argparse._SubParsersAction, which is private


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``isuwork`` command with every subcommand.

    Each subcommand sets ``handler``: the name of its function ``run_<handler>`` in
    :mod:`isuwork.cli.commands`.
    """
    parser = SwedishParser(
        prog="isuwork",
        description="Jämställdhetsintegrerad analys av ISU-data (individbaserad systematisk uppföljning).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"isuwork {__version__}",
        help="visa vilken version av isuwork som är installerad och avsluta",
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO", parser_class=SwedishParser)
    for add in (
        _init,
        _workshop,
        _criteria,
        _render,
        _demo,
        _validate,
        _mapping,
        _sample,
        _describe,
        _screen,
        add_review,
    ):
        add(sub)
    return parser


def _criteria(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "criteria",
        help="pröva en skillnad mot kriterierna för omotiverade skillnader (Tabell 1 och 2)",
        description=(
            "Jämför två grupper steg för steg: rå skillnad, sedan kvarvarande skillnad när "
            "behov hålls lika och när fall där behovet tillgodoses på annat sätt eller där "
            "brukaren avböjt räknas bort (eller delaktighetens kriterier). Visar en risk för "
            "en omotiverad skillnad, aldrig ett bevis."
        ),
    )
    add_file(parser)
    parser.add_argument(
        "--outcome",
        required=True,
        metavar="UTFALL",
        help="utfallet som jämförs, till exempel beviljad eller hemtjanst_tim_man",
    )
    parser.add_argument(
        "--group",
        default=SEX,
        metavar="KOLUMN",
        help=f"kolumnen som delar in grupperna (standard: {SEX})",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        default=None,
        metavar=("A", "B"),
        help="de två grupperna som jämförs; skillnaden är A minus B (standard: kvinna man)",
    )
    add_filter(parser)
    parser.add_argument(
        "--need",
        action="append",
        default=[],
        metavar="KOLUMN",
        help="behovsvariabel som ersätter katalogens (behovet hålls lika inom dess värden); upprepa för fler",
    )
    parser.add_argument(
        "--alternative",
        action="append",
        default=[],
        metavar="KOLUMN[=VÄRDEN]",
        help=(
            "variabel som ersätter katalogens för 'behovet tillgodoses på annat sätt' (bara "
            "för insatser); fall där den är ja, eller har något av de angivna värdena, räknas bort"
        ),
    )
    parser.add_argument(
        "--attitude",
        action="append",
        default=[],
        metavar="KOLUMN[=VÄRDEN]",
        help=(
            "variabel som ersätter katalogens för inställning och samtycke (för delaktighet: "
            "vårdnadshavares inställning); fall där den är ja räknas bort, eller där den har "
            "något av de angivna värdena (till exempel vill_ha=nej); katalogens egna variabler "
            "behåller katalogens värden"
        ),
    )
    add_kommun(parser)
    parser.add_argument(
        "--kind",
        choices=tuple(CRITERIA_KINDS),
        default=None,
        help="vilken tabell som gäller: insats (Tabell 1) eller delaktighet (Tabell 2); standard: utfallets roll i katalogen",
    )
    parser.add_argument(
        "--min-diff",
        type=decimal,
        default=None,
        metavar="TAL",
        help="minsta skillnad som räknas som tydlig (andel för ja/nej-utfall, till exempel 0,03; standard 3 procentenheter eller 10 %% av medelvärdet)",
    )
    parser.add_argument(
        "--margin",
        type=decimal,
        default=None,
        metavar="TAL",
        help="största skillnad som data måste utesluta för bedömningen 'ingen skillnad av betydelse' (standard 0,10, dvs. 10 procentenheter, eller en fjärdedel av medelvärdet)",
    )
    parser.add_argument(
        "--min-group",
        type=int,
        default=20,
        metavar="N",
        help="minsta antal fall per grupp för en bedömning (standard: 20)",
    )
    add_min_n(parser)
    add_mapping(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="utdata som läsbar text eller som JSON (standard: text)",
    )
    parser.set_defaults(handler="criteria")


def _render(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "render",
        help="gör en rapport per kommun av arbetsbokens anteckningsböcker (HTML utan kod)",
        description=(
            "Förbereder exporten en gång, kör sedan anteckningsböckerna 01–04 för varje kommun "
            "i datan (eller de kommuner som anges) och skriver en HTML-sida per kommun och "
            "anteckningsbok, en PDF av hela rapporten och en Excel-fil med dess tabeller per "
            "kommun, plus en startsida index.html. Sidor som redan är gjorda med samma "
            "data och inställningar görs inte om, så en avbruten körning kan startas igen."
        ),
    )
    add_file(parser)
    add_mapping(parser)
    parser.add_argument(
        "--kommun",
        action="append",
        default=[],
        metavar="KOMMUN",
        help="kommun att göra rapport för; upprepa för fler (standard: alla kommuner i datan)",
    )
    parser.add_argument("--out", default="reports", metavar="MAPP", help="mapp för rapporterna")
    add_min_n(parser)
    parser.add_argument(
        "--journal-dir", default="journal", metavar="MAPP", help="mapp med reflektionsjournalerna"
    )
    parser.add_argument(
        "--cache",
        default=None,
        metavar="MAPP",
        help=(
            "mapp för den förberedda datan (standard: .isuwork bredvid exportfilen); den "
            "innehåller uppgifter på individnivå och hör inte hemma bland rapporterna"
        ),
    )
    parser.add_argument(
        "--om",
        action="store_true",
        help="gör om alla sidor, även de som redan är gjorda med samma data och inställningar",
    )
    parser.add_argument(
        "--utan-pdf",
        action="store_true",
        help="gör ingen PDF per kommun (går fortare; HTML-sidorna och Excel-filen görs ändå)",
    )
    add_workers(parser)
    parser.set_defaults(handler="render")


def _demo(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "demo",
        help="kör hela analysen på exempeldata: validering, en första sammanställning och rapporter",
    )
    parser.add_argument("--out", default="reports", metavar="MAPP", help="mapp för rapporterna")
    parser.add_argument(
        "--utan-rapporter",
        action="store_true",
        help="hoppa över rapporterna (bara validering och sammanställning)",
    )
    add_workers(parser)
    parser.set_defaults(handler="demo")


def _validate(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "validate",
        help="kontrollera en export och visa valideringsrapporten",
        description=(
            "Läser exporten (med mappningsfil om den behövs), kontrollerar varje rad mot "
            "katalogen och redovisar vilka rader som används och vilka som utesluts och varför. "
            "Slutkod 0 när alla rader kan användas, 1 när rader utesluts eller filen är fel."
        ),
    )
    parser.add_argument("file", metavar="FIL", help="exportfil (CSV, XLSX eller Parquet)")
    add_mapping(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="utdata: text eller json"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="avbryt vid första ogiltiga värde i stället för att utesluta raden",
    )
    parser.set_defaults(handler="validate")


def _init(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "init",
        help="skapa en arbetsmapp för en workshop: anteckningsböcker, journal, rapporter",
        description=(
            "Skapar en arbetsmapp för en kommuns workshop: anteckningsböckerna, "
            "arbetsbok.yaml med export, mappning, kommun och gräns, en mapp för gruppens "
            "journal, en för rapporter att dela och en privat mapp för den förberedda "
            "exporten (uppgifter om enskilda, som aldrig hamnar bland rapporterna). "
            "Anteckningsböckerna i mappen läser arbetsbok.yaml, så exporten och kommunen "
            "anges bara här."
        ),
    )
    parser.add_argument("folder", metavar="MAPP", help="arbetsmappen (ny eller tom)")
    parser.add_argument(
        "--data", required=True, metavar="FIL", help="kommunens export (CSV, XLSX, Parquet)"
    )
    add_mapping(parser)
    parser.add_argument(
        "--kommun",
        required=True,
        metavar="KOMMUN",
        help="kommunen som analyseras (stora och små bokstäver spelar ingen roll)",
    )
    add_min_n(parser)
    parser.set_defaults(handler="init")


def _workshop(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "workshop",
        help="visa arbetsmappens steg i webbläsaren, utan kod",
        description=(
            "Startar arbetsboken för en workshop i webbläsaren: stegen visas som sidor utan "
            "kod, med reglage och formulär som fungerar, och journalen sparas i arbetsmappen "
            "som i JupyterLab. Arbetsmappen skapas med isuwork init."
        ),
    )
    parser.add_argument(
        "folder", nargs="?", default=".", metavar="MAPP", help="arbetsmappen (standard: den här)"
    )
    parser.add_argument(
        "--port", type=int, default=8866, metavar="PORT", help="lokal port (standard 8866)"
    )
    parser.add_argument(
        "--utan-webblasare",
        dest="browser",
        action="store_false",
        help="öppna inte webbläsaren (till exempel på en server)",
    )
    parser.set_defaults(handler="workshop")


def _mapping(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "mapping",
        help="skapa ett utkast till mappningsfil från en exports rubriker",
        description=(
            "Läser exportens rubriker och föreslår för varje rubrik den variabel i katalogen "
            "som den liknar mest (Kön → kon). Rubriker som inte går att para ihop skrivs som "
            "kommentarer att fylla i. Exportens värden skrivs aldrig in i utkastet. Kontrollera "
            "utkastet och använd det sedan med --mapping."
        ),
    )
    parser.add_argument("file", metavar="FIL", help="exportfil (CSV eller XLSX)")
    parser.add_argument("--sheet", metavar="BLAD", help="Excel-blad (standard: det första)")
    parser.add_argument(
        "--out",
        metavar="FIL",
        help="fil att skriva utkastet till (skrivs aldrig över; standard: skärmen)",
    )
    parser.set_defaults(handler="mapping")


def _sample(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "sample",
        help="skapa den syntetiska exempeldatan och facit på nytt",
        description=(
            "Skriver isu_exempel.csv, export_exempel.xlsx med dess mappningsfil "
            "mapping_exempel.yaml, och facit.yaml, och övningsmaterialet för aktgranskning i "
            "aktgranskning/ (ärendelista, ifylld granskningsbok, nyckel, utredningstexter och "
            "facit). Samma frö ger "
            "byte för byte samma filer. All data är påhittad och innehåller inga personnummer."
        ),
    )
    parser.add_argument("--out", default="data/sample", metavar="MAPP", help="mapp att skriva till")
    parser.add_argument(
        "--seed", type=int, default=2024, metavar="N", help="slumpfrö (standard 2024)"
    )
    parser.set_defaults(handler="sample")


def _add_table_options(parser: argparse.ArgumentParser) -> None:
    add_file(parser)
    add_mapping(parser)
    add_filter(parser)
    add_kommun(parser)
    add_min_n(parser)
    add_output(parser)


def _describe(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "describe",
        help="ett utfall per kön och andra grupper, med intervall (steg 1)",
        description=(
            "Visar ett utfall (andel, medelvärde eller fördelning) för varje kombination av "
            "grupperna, med 95 % konfidensintervall och skillnaden mellan kvinnor och män. "
            "Värden som bygger på för få personer visas inte."
        ),
    )
    _add_table_options(parser)
    parser.add_argument(
        "--outcome", required=True, metavar="UTFALL", help="utfallet, till exempel beviljad"
    )
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="KOLUMN",
        help="grupp att dela upp på; upprepa för fler (standard: kon)",
    )
    parser.set_defaults(handler="describe")


def _screen(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "screen",
        help="alla utfall mot alla bakgrundsvariabler per kön, sorterat efter skillnadens storlek",
        description=(
            "Screeningen är listan med iakttagelser som en workshop börjar från: varje utfall "
            "jämförs mellan kvinnor och män, totalt och inom varje bakgrundsgrupp, med p-värden "
            "justerade för många jämförelser (Benjamini–Hochberg)."
        ),
    )
    _add_table_options(parser)
    parser.add_argument(
        "--top", type=int, default=25, metavar="N", help="antal rader som visas (standard 25)"
    )
    parser.set_defaults(handler="screen")
