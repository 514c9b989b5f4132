"""Subcommands of the ``isuwork`` command, one registrar each (see :mod:`isuwork.cli.main`).

Every handler takes the parsed arguments, calls the library and prints; it holds no logic of
its own. A registrar is decorated with :func:`isuwork.cli.main.subcommand`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from isuwork.cli.main import subcommand


# -- options shared by several subcommands --------------------------------------------------------
def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FIL", help="exportfil eller förberedd fil (CSV, XLSX, Parquet)"
    )


def _add_mapping(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mapping",
        default=None,
        metavar="MAPPNING",
        help="mappningsfil (YAML) för exportens rubriker och koder",
    )


def _add_min_n(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-n",
        type=int,
        default=5,
        metavar="N",
        help="minsta antal personer som visas; värden som bygger på färre döljs (standard 5)",
    )


def _add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="antal parallella körningar (standard 2)",
    )


def _add_filter(parser: argparse.ArgumentParser) -> None:
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


@subcommand
def _register_criteria(sub: argparse._SubParsersAction) -> None:
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
    _add_file(parser)
    parser.add_argument(
        "--outcome",
        required=True,
        metavar="UTFALL",
        help="utfallet som jämförs, till exempel beviljad eller hemtjanst_tim_man",
    )
    parser.add_argument(
        "--group",
        default="kon",
        metavar="KOLUMN",
        help="kolumnen som delar in grupperna (standard: kon)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        default=("kvinna", "man"),
        metavar=("A", "B"),
        help="de två grupperna som jämförs; skillnaden är A minus B (standard: kvinna man)",
    )
    _add_filter(parser)
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
    parser.add_argument(
        "--kind",
        choices=("insats", "delaktighet"),
        default=None,
        help="vilken tabell som gäller: insats (Tabell 1) eller delaktighet (Tabell 2); standard: utfallets roll i katalogen",
    )
    parser.add_argument(
        "--min-diff",
        type=float,
        default=None,
        metavar="TAL",
        help="minsta skillnad som räknas som tydlig (andel för ja/nej-utfall, till exempel 0.03; standard 3 procentenheter eller 10 %% av medelvärdet)",
    )
    parser.add_argument(
        "--min-group",
        type=int,
        default=20,
        metavar="N",
        help="minsta antal fall per grupp för en bedömning (standard: 20)",
    )
    _add_min_n(parser)
    _add_mapping(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="utdata som läsbar text eller som JSON (standard: text)",
    )
    parser.set_defaults(func=_run_criteria)


def _run_criteria(args: argparse.Namespace) -> int:
    import json

    from isuwork.analysis import criteria
    from isuwork.data import prepare

    filters = criteria.parse_filters(args.filter)
    overrides = criteria.option_overrides(
        args.outcome,
        kind=args.kind,
        need=args.need,
        alternative=args.alternative,
        attitude=args.attitude,
    )
    data = prepare.load(args.file, mapping=args.mapping).data
    result = criteria.check_criteria(
        data,
        outcome=args.outcome,
        group=args.group,
        compare=tuple(args.compare),
        kind=args.kind,
        criteria=overrides,
        filters=filters,
        min_diff=args.min_diff,
        min_group=args.min_group,
        min_n=args.min_n,
    )
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(result.to_text())
    return 0


@subcommand
def _register_render(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "render",
        help="gör en rapport per kommun av arbetsbokens anteckningsböcker (HTML utan kod)",
        description=(
            "Kör anteckningsböckerna 01–04 med papermill för varje kommun i datan (eller de "
            "kommuner som anges) och skriver en HTML-rapport per kommun och anteckningsbok, "
            "plus en startsida index.html."
        ),
    )
    _add_file(parser)
    _add_mapping(parser)
    parser.add_argument(
        "--kommun",
        action="append",
        default=[],
        metavar="KOMMUN",
        help="kommun att göra rapport för; upprepa för fler (standard: alla kommuner i datan)",
    )
    parser.add_argument("--out", default="reports", metavar="MAPP", help="mapp för rapporterna")
    _add_min_n(parser)
    parser.add_argument(
        "--journal-dir", default="journal", metavar="MAPP", help="mapp med reflektionsjournalerna"
    )
    _add_workers(parser)
    parser.set_defaults(func=_run_render)


def _run_render(args: argparse.Namespace) -> int:
    from isuwork.render import render_reports, reports_parameters

    params = reports_parameters(
        data=args.file, mapping=args.mapping, min_n=args.min_n, journal_dir=args.journal_dir
    )
    kommuner = args.kommun or _kommuner_in(args.file, mapping=args.mapping)
    summary = render_reports(kommuner, out_dir=args.out, parameters=params, workers=args.workers)
    print(summary.to_text())
    return 0 if summary.ok else 1


def _kommuner_in(path: str, *, mapping: str | None) -> list[str]:
    from isuwork.data.prepare import load

    data = load(path, mapping=mapping).data
    return sorted(data["kommun"].dropna().unique().tolist())


@subcommand
def _register_demo(sub: argparse._SubParsersAction) -> None:
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
    _add_workers(parser)
    parser.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from isuwork.analysis.compare import compare
    from isuwork.data.prepare import load
    from isuwork.data.sample import sample_csv_path
    from isuwork.present.tables import to_text
    from isuwork.render import render_reports, reports_parameters

    path = sample_csv_path()
    prepared = load(path)
    print(prepared.report.to_text())
    print()
    print("Beviljade ansökningar per kön (alla kommuner i exempeldatan):")
    print(to_text(compare(prepared.data, outcome="beviljad", by=("kon",))))
    if args.utan_rapporter:
        return 0
    kommuner = sorted(prepared.data["kommun"].dropna().unique().tolist())
    print()
    print(f"Gör rapporter för {len(kommuner)} kommuner …")
    params = reports_parameters(data=str(path), journal_dir=str(Path(args.out) / "journal"))
    summary = render_reports(kommuner, out_dir=args.out, parameters=params, workers=args.workers)
    print(summary.to_text())
    return 0 if summary.ok else 1


@subcommand
def _register_validate(sub: argparse._SubParsersAction) -> None:
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
    _add_mapping(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="utdata: text eller json"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="avbryt vid första ogiltiga värde i stället för att utesluta raden",
    )
    parser.set_defaults(func=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    import json

    from isuwork.data.prepare import load

    prepared = load(args.file, mapping=args.mapping, on_error="raise" if args.strict else "exclude")
    report = prepared.report
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(report.to_text())
    return 0 if report.rows_excluded == 0 else 1


@subcommand
def _register_sample(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sample",
        help="skapa den syntetiska exempeldatan och facit på nytt",
        description=(
            "Skriver isu_exempel.csv, export_exempel.xlsx och facit.yaml. Samma frö ger "
            "byte för byte samma filer. All data är påhittad och innehåller inga personnummer."
        ),
    )
    parser.add_argument("--out", default="data/sample", metavar="MAPP", help="mapp att skriva till")
    parser.add_argument(
        "--seed", type=int, default=2024, metavar="N", help="slumpfrö (standard 2024)"
    )
    parser.set_defaults(func=_run_sample)


def _run_sample(args: argparse.Namespace) -> int:
    from isuwork.data.sample import write_sample

    for path in write_sample(args.out, seed=args.seed, progress=True):
        print(f"Skrev {path}")
    return 0


def _add_table_options(parser: argparse.ArgumentParser) -> None:
    _add_file(parser)
    _add_mapping(parser)
    _add_filter(parser)
    parser.add_argument("--kommun", metavar="KOMMUN", help="analysera bara en kommun")
    _add_min_n(parser)
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv", "xlsx"),
        default="table",
        help="utdata: tabell (standard), json, csv eller xlsx",
    )
    parser.add_argument(
        "--out", metavar="FIL", help="fil att skriva till (krävs för xlsx; annars skärmen)"
    )


def _table_data(args: argparse.Namespace) -> tuple[object, dict[str, list[str]]]:
    from isuwork.analysis.criteria import parse_filters
    from isuwork.data.prepare import load

    filters = parse_filters(args.filter)
    if args.kommun:
        filters.setdefault("kommun", []).append(args.kommun)
    return load(args.file, mapping=args.mapping).data, filters


def _emit(table: object, args: argparse.Namespace, *, sheet: str) -> int:
    import json

    from isuwork.exceptions import ParameterError
    from isuwork.present import tables

    if args.format == "json":
        text = json.dumps(tables.to_records(table, min_n=args.min_n), ensure_ascii=False, indent=2)
    elif args.format == "csv":
        if args.out:
            print(f"Skrev {tables.to_csv(table, args.out, min_n=args.min_n)}")
            return 0
        text = tables.display(table, min_n=args.min_n).to_csv(index=False, sep=";", decimal=",")
    elif args.format == "xlsx":
        if not args.out:
            raise ParameterError(
                "Ange en fil med --out när formatet är xlsx, till exempel --out resultat.xlsx."
            )
        print(f"Skrev {tables.to_excel({sheet: table}, args.out, min_n=args.min_n)}")
        return 0
    else:
        text = tables.to_text(table, min_n=args.min_n)
    if args.out:
        from isuwork.data.io import write_text

        print(f"Skrev {write_text(text, args.out)}")
    else:
        print(text)
    return 0


@subcommand
def _register_describe(sub: argparse._SubParsersAction) -> None:
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
    parser.set_defaults(func=_run_describe)


def _run_describe(args: argparse.Namespace) -> int:
    from isuwork.analysis.compare import compare

    data, filters = _table_data(args)
    table = compare(
        data,
        outcome=args.outcome,
        by=tuple(args.by or ["kon"]),
        filters=filters or None,
        min_n=args.min_n,
    )
    return _emit(table, args, sheet=args.outcome)


@subcommand
def _register_screen(sub: argparse._SubParsersAction) -> None:
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
    parser.set_defaults(func=_run_screen)


def _run_screen(args: argparse.Namespace) -> int:
    from isuwork.analysis.compare import screen

    data, filters = _table_data(args)
    table = screen(data, filters=filters or None, min_n=args.min_n)
    if args.format == "table":
        table = table.head(args.top)
    return _emit(table, args, sheet="screening")
