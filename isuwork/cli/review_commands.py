"""What ``isuwork review sample``, ``check`` and ``analyse`` do: one small handler each.

A handler takes the parsed arguments (:mod:`isuwork.cli.review_parser`), calls the library and
prints; it returns the exit code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from isuwork.analysis.review import draw_sample
from isuwork.cli.commands import emit_table, selection_filters
from isuwork.data.prepare import load
from isuwork.data.review_book import (
    write_review_book,
    write_review_key,
)
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import ParameterError
from isuwork.workbook.journal import open_journal
from isuwork.workbook.review_page import Review, open_review, review_list


def run_review_sample(args: argparse.Namespace) -> int:
    """``isuwork review sample``: draw the cases, write the review book and the key."""
    out, key = Path(args.out), Path(args.nyckel)
    for path in (out, key):
        if path.suffix.lower() != ".xlsx":
            raise ParameterError(f"{path} ska vara en Excel-fil som slutar på .xlsx.")
        if path.exists():
            raise ParameterError(f"Filen {path} finns redan och skrivs inte över.")
    if out.resolve() == key.resolve():
        raise ParameterError("Granskningsboken och nyckeln ska vara två olika filer.")
    data = load(args.file, mapping=args.mapping).data
    filters = selection_filters(args, data)
    if args.observation:
        filters = {**filters, **_observation_filter(args)}
    sample = draw_sample(
        data,
        args.n,
        seed=args.seed,
        per=tuple(args.per) if args.per else (SEX,),
        strata=tuple(args.strata),
        filters=filters or None,
    )
    for warning in sample.warnings:
        print(f"Obs: {warning}")
    book = write_review_book(sample.cases, out, blind=not args.oppen)
    written = write_review_key(sample.cases, key)
    catalog = load_catalog()
    counts = sample.cases[SEX].astype("string").value_counts().sort_index()
    parts = [
        f"{format_number(int(v))} {catalog.plural_label(SEX, k).lower()}" for k, v in counts.items()
    ]
    print(
        f"Drog {len(sample.cases)} ärenden ({', '.join(parts)}) med fröet {args.seed}.\n"
        f"Skrev granskningsboken {book} ({'öppen' if args.oppen else 'blind'}) och nyckeln "
        f"{written}. Ge nyckeln till den som samordnar granskningen, inte till granskarna."
    )
    return 0


def _observation_filter(args: argparse.Namespace) -> dict[str, list[str]]:
    if not (args.kommun and args.journal_dir):
        raise ParameterError(
            "--observation behöver --kommun och --journal-dir: iakttagelsen läses ur kommunens "
            "journal."
        )
    observation = open_journal(args.kommun, journal_dir=args.journal_dir).observation(
        args.observation
    )
    chosen = observation.get("filter") or {}
    return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in chosen.items()}


def _read(args: argparse.Namespace) -> Review:
    return open_review(
        args.book, key=args.nyckel or "", texts=args.texter or "", word_list=args.ordlista or ""
    )


def run_review_check(args: argparse.Namespace) -> int:
    """``isuwork review check``: read a filled review book back and say what it holds."""
    read = _read(args)
    data = read.data
    print(f"Granskningsboken {Path(args.book).name}: {len(data)} granskade ärenden.")
    filled = [
        (c, int(data[c].notna().sum()))
        for c in data
        if c not in ("granskningskod", "utredning_id") and data[c].notna().any()
    ]
    if filled:
        print("Ifyllda uppgifter (antal ärenden):")
        for column, count in filled:
            print(f"  {column}: {count}")
    for warning in read.warnings:
        print(f"Obs: {warning}")
    if SEX not in data:
        print("Boken är blind: ange --nyckel för att analysera den per kön.")
    return 0


def run_review_analyse(args: argparse.Namespace) -> int:
    """``isuwork review analyse``: every reviewed item compared by kön, protected."""
    read = _read(args)
    for warning in read.warnings:
        print(f"Obs: {warning}")
    result = review_list(read, min_n=args.min_n)
    if args.format == "table":
        result = result.head(args.top)
    args.file = args.book  # the Excel export says which file it comes from
    return emit_table(result, args, sheet="aktgranskning")
