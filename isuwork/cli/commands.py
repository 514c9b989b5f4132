"""What each subcommand of ``isuwork`` does: one small handler each, over the library.

A handler takes the parsed arguments (:mod:`isuwork.cli.parser`), calls the library and prints;
it holds no logic of its own. It returns the exit code.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pandas as pd

from isuwork import __version__
from isuwork.analysis.compare import compare
from isuwork.analysis.criteria import check_criteria
from isuwork.analysis.review.teaching import write_review_sample
from isuwork.analysis.screening import screen
from isuwork.cli.options import option_overrides, parse_filters
from isuwork.data.io import read_export, write_text
from isuwork.data.mapping_draft import draft_mapping, write_draft
from isuwork.data.prepare import load
from isuwork.data.sample import sample_csv_path, write_sample
from isuwork.data.store import unknown_kommun_message
from isuwork.domain.selection import matches
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import ParameterError
from isuwork.present import criteria_report, tables
from isuwork.present.screening_text import describe_screening
from isuwork.privacy.protected import Protected
from isuwork.workbook.workshop_app import serve
from isuwork.workbook.workspace import SETTINGS_FILE, create_workspace


def run_criteria(args: argparse.Namespace) -> int:
    """``isuwork criteria``: one difference against the criteria, as text or JSON."""
    overrides = option_overrides(
        args.outcome,
        kind=args.kind,
        need=args.need,
        alternative=args.alternative,
        attitude=args.attitude,
    )
    data = load(args.file, mapping=args.mapping).data
    filters = selection_filters(args, data)
    result = check_criteria(
        data,
        outcome=args.outcome,
        group=args.group,
        compare=tuple(args.compare) if args.compare else None,
        kind=args.kind,
        criteria=overrides,
        filters=filters,
        min_diff=args.min_diff,
        margin=args.margin,
        min_group=args.min_group,
        min_n=args.min_n,
    )
    if args.format == "json":
        report = criteria_report.to_dict(result)
        print(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(criteria_report.to_text(result))
    return 0


def run_render(args: argparse.Namespace) -> int:
    """``isuwork render``: the workbook's pages for each kommun."""
    # papermill and nbconvert take seconds to load; only the commands that render need them
    from isuwork.render import render_reports, reports_parameters

    params = reports_parameters(
        data=args.file, mapping=args.mapping, min_n=args.min_n, journal_dir=args.journal_dir
    )
    summary = render_reports(
        args.kommun,
        out_dir=args.out,
        parameters=params,
        workers=args.workers,
        cache_dir=args.cache,
        force=args.om,
        pdf=not args.utan_pdf,
    )
    print(summary.to_text())
    return 0 if summary.ok else 1


def run_demo(args: argparse.Namespace) -> int:
    """``isuwork demo``: validation, a first table and reports on the sample data."""
    path = sample_csv_path()
    prepared = load(path)
    print(prepared.report.to_text())
    print()
    print("Beviljade ansökningar per kön (alla kommuner i exempeldatan):")
    print(tables.to_text(compare(prepared.data, outcome="beviljad")))
    if args.utan_rapporter:
        return 0
    # papermill and nbconvert take seconds to load; only the commands that render need them
    from isuwork.render import render_reports, reports_parameters

    print()
    print("Gör rapporter för exempeldatans kommuner …")
    params = reports_parameters(data=str(path), journal_dir=str(Path(args.out) / "journal"))
    summary = render_reports(None, out_dir=args.out, parameters=params, workers=args.workers)
    print(summary.to_text())
    return 0 if summary.ok else 1


def run_validate(args: argparse.Namespace) -> int:
    """``isuwork validate``: the validation report of an export (exit 1 when rows are left out)."""
    prepared = load(args.file, mapping=args.mapping, on_error="raise" if args.strict else "exclude")
    report = prepared.report
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(report.to_text())
    return 0 if report.rows_excluded == 0 else 1


def run_init(args: argparse.Namespace) -> int:
    """``isuwork init``: a workspace for one kommun's workshop."""
    print(f"Förbereder {args.data} …", flush=True)
    workbook = create_workspace(
        args.folder, data=args.data, kommun=args.kommun, mapping=args.mapping, min_n=args.min_n
    )
    print(
        f"Arbetsmappen {workbook.folder} är klar för {workbook.kommun}.\n"
        f"Inställningarna står i {workbook.folder / SETTINGS_FILE}. Börja så här:\n"
        f"  cd {workbook.folder}\n"
        "  jupyter lab 01_vad_ser_vi.ipynb"
    )
    return 0


def run_workshop(args: argparse.Namespace) -> int:
    """``isuwork workshop``: the workspace's steps in the browser, without code (Voilà)."""
    return serve(args.folder, port=args.port, browser=args.browser)


def run_mapping(args: argparse.Namespace) -> int:
    """``isuwork mapping``: a first mapping file from an export's headers."""
    raw = read_export(args.file, sheet=args.sheet)
    headers = [str(c) for c in raw.data.columns if c != "radnr"]
    if args.out:
        print(f"Skrev {write_draft(headers, args.out, source=raw.source, sheet=raw.sheet)}")
    else:
        print(draft_mapping(headers, source=raw.source, sheet=raw.sheet), end="")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    """``isuwork sample``: write the synthetic sample data and its answer key again."""
    for path in write_sample(args.out, seed=args.seed, progress=True):
        print(f"Skrev {path}")
    written = write_review_sample(args.out, seed=args.seed)
    texts = [p for p in written if p.suffix == ".txt"]
    for path in written:
        if path.suffix != ".txt":
            print(f"Skrev {path}")
    if texts:
        print(f"Skrev {len(texts)} utredningstexter i {texts[0].parent}")
    return 0


def _table_data(args: argparse.Namespace) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    data = load(args.file, mapping=args.mapping).data
    return data, selection_filters(args, data)


def selection_filters(args: argparse.Namespace, data: pd.DataFrame) -> dict[str, list[str]]:
    """The ``--filter`` options and ``--kommun``, the kommun checked against the data first.

    Raises
    ------
    ParameterError
        When the data has no such kommun (any case): the nearest names, then all of them.
    """
    filters = parse_filters(args.filter)
    if args.kommun:
        names = data["kommun"].dropna().astype("string").unique() if "kommun" in data else []
        known = tuple(sorted(str(n) for n in names))
        found = pd.Series(known, dtype="string")
        hit = found[matches(found, args.kommun, name="kommun")]
        if hit.empty:
            raise ParameterError(unknown_kommun_message(args.kommun, known, Path(args.file).name))
        filters.setdefault("kommun", []).append(str(hit.iloc[0]))  # as the data writes it
    return filters


def _about(args: argparse.Namespace, result: Protected) -> dict[str, str]:
    """What a table export says about itself: command, data, selection, threshold, source."""
    kommun = getattr(args, "kommun", None)
    chosen = [*(getattr(args, "filter", None) or []), *([f"kommun={kommun}"] if kommun else [])]
    return {
        "Tabell": f"isuwork {args.command}",
        "Data": Path(args.file).name,
        "Urval": ", ".join(chosen) or "hela filen",
        "Minsta antal som visas": (
            f"{result.min_n} personer; värden som bygger på färre visas som .. "
            "(och fler döljs där de annars kunde räknas fram)"
        ),
        "Skapad": date.today().isoformat(),
        "Version av isuwork": __version__,
        "Källor": (
            "Jämställdhetsintegrerad analys av ISU (SKR 2024); kriterierna för omotiverade "
            "skillnader efter Vård- och omsorgsanalys (2018, 2022)"
        ),
    }


def emit_table(result: Protected, args: argparse.Namespace, *, sheet: str) -> int:
    """Print or write a protected table as ``--format`` and ``--out`` say; the exit code."""
    if args.format == "json":
        text = json.dumps(tables.to_records(result), ensure_ascii=False, indent=2)
    elif args.format == "csv":
        if args.out:
            print(f"Skrev {tables.to_csv(result, args.out, plain=args.plain)}")
            return 0
        text = tables.csv_frame(result, plain=args.plain).to_csv(
            index=False, sep="," if args.plain else ";", decimal="." if args.plain else ","
        )
    elif args.format == "xlsx":
        if not args.out:
            raise ParameterError(
                "Ange en fil med --out när formatet är xlsx, till exempel --out resultat.xlsx."
            )
        about = _about(args, result)
        print(f"Skrev {tables.to_excel({sheet: result}, args.out, about=about)}")
        return 0
    else:
        text = tables.to_text(result)
    if args.out:
        print(f"Skrev {write_text(text, args.out)}")
    else:
        print(text)
    return 0


def run_describe(args: argparse.Namespace) -> int:
    """``isuwork describe``: one outcome by kön and other groups."""
    data, filters = _table_data(args)
    result = compare(
        data,
        outcome=args.outcome,
        by=tuple(args.by or [SEX]),
        filters=filters or None,
        min_n=args.min_n,
    )
    return emit_table(result, args, sheet=args.outcome)


def run_screen(args: argparse.Namespace) -> int:
    """``isuwork screen``: the screening list, with a sentence per row."""
    data, filters = _table_data(args)
    result = describe_screening(screen(data, filters=filters or None, min_n=args.min_n))
    if args.format == "table":
        result = result.head(args.top)
    return emit_table(result, args, sheet="screening")
