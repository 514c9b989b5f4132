"""Preparation: from a raw export to a validated, typed ISU frame, with every row accounted for.

The raw export (all text, see :func:`isuwork.data.io.read_export`) is checked against the
catalogue column by column (:mod:`isuwork.data.checks`), and the derived variables are added
(:mod:`isuwork.data.derive`). Legal sex and age are derived from the personnummer, which is then
dropped together with free text. Rows that fail a check are excluded with their reason, never
silently: rows in = rows kept + rows excluded, always. Every column leaves preparation typed,
so no analysis types a value again.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.data import checks
from isuwork.data.derive import derive, derive_from_personnummer
from isuwork.data.io import ROW_COLUMN, RawExport, read_export
from isuwork.domain.catalog import Catalog, Variable, load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import DataError, ParameterError

OnError = Literal["exclude", "raise"]
#: Types whose values are checked (besides codes).
CHECKED_TYPES = ("yesno", "int", "number", "date")


@dataclass
class PrepReport:
    """What preparation did with every input row, for the person who owns the file."""

    source: str
    rows_in: int
    rows_kept: int
    rows_excluded: int
    excluded: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    dropped_identifiers: list[str] = field(default_factory=list)

    def reasons(self) -> pd.DataFrame:
        """Excluded rows grouped by column and reason: count and the first row numbers."""
        if self.excluded.empty:
            return pd.DataFrame(columns=["kolumn", "orsak", "antal", "rader"])
        grouped = self.excluded.groupby(["kolumn", "orsak"], sort=False)[ROW_COLUMN]
        table = grouped.agg(antal="nunique", rader=lambda s: checks.rows_text(s.tolist()))
        return table.reset_index().sort_values("antal", ascending=False, ignore_index=True)

    def to_text(self) -> str:
        """A Swedish summary for the command line and notebooks."""
        lines = [
            f"Valideringsrapport för {self.source}",
            f"  Rader i filen:     {format_number(self.rows_in)}",
            f"  Rader som används: {format_number(self.rows_kept)}",
            f"  Rader som utesluts: {format_number(self.rows_excluded)}",
        ]
        if self.rows_excluded:
            lines.append("")
            lines.append("Uteslutna rader, per orsak:")
            for row in self.reasons().itertuples():
                lines.append(
                    f"  - {row.kolumn}: {row.orsak} ({format_number(row.antal)} rader: {row.rader})"
                )
        if self.derived:
            lines.append("")
            lines.append(f"Härledda variabler: {', '.join(self.derived)}.")
        if self.dropped_identifiers:
            lines.append(
                f"Borttagna efter härledning (integritet): {', '.join(self.dropped_identifiers)}."
            )
        if self.missing_optional:
            lines.append(
                "Uppgift saknas i filen (analyser som behöver dem säger det): "
                f"{', '.join(self.missing_optional)}."
            )
        if self.extra_columns:
            lines.append(
                "Kolumner utanför schemat, behålls under sitt eget namn: "
                f"{', '.join(self.extra_columns)}."
            )
        if self.warnings:
            lines.append("")
            lines.append("Att kontrollera:")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_excluded": self.rows_excluded,
            "reasons": self.reasons().to_dict(orient="records"),
            "warnings": list(self.warnings),
            "derived": list(self.derived),
            "missing_optional": list(self.missing_optional),
            "extra_columns": list(self.extra_columns),
            "dropped_identifiers": list(self.dropped_identifiers),
        }


@dataclass
class Prepared:
    """The prepared frame and the report that accounts for every input row."""

    data: pd.DataFrame
    report: PrepReport


def prepare(
    raw: RawExport | pd.DataFrame,
    *,
    source: str | None = None,
    on_error: OnError = "exclude",
    reference_date: dt.date | None = None,
) -> Prepared:
    """Validate, type and derive an ISU data set; account for every row.

    Parameters
    ----------
    raw
        A raw export from :func:`isuwork.data.io.read_export`, or a frame of text with the
        schema's column names (``radnr`` optional).
    source
        Name of the file, used in messages (default: the export's).
    on_error
        ``"exclude"``: rows with invalid values are left out and listed in the report;
        ``"raise"``: any invalid value raises :class:`DataError`.
    reference_date
        Date for age and century when a row has no decision date (default: today).

    Returns
    -------
    Prepared
        ``data`` (one row per utredning, dtypes from the catalogue, no personnummer or free
        text; columns outside the schema typed by what they hold, see
        :func:`isuwork.data.checks.type_extra`) and ``report``.

    Raises
    ------
    DataError
        For problems with the file as a whole: no rows, a missing required column, or a column
        in which most values fail (usually a missing or wrong mapping); with ``on_error="raise"``
        also for any invalid value.
    """
    if on_error not in ("exclude", "raise"):
        raise ParameterError(f"on_error ska vara 'exclude' eller 'raise', inte {on_error!r}.")
    if not isinstance(raw, RawExport):
        raw = RawExport(raw, source=source or "data")
    catalog = load_catalog()
    source = source or raw.source
    frame = _normalise_headers(raw.data, catalog)
    if ROW_COLUMN not in frame:
        frame = frame.assign(**{ROW_COLUMN: np.arange(2, len(frame) + 2)})
    if len(frame) == 0:
        raise DataError(
            f"{source} innehåller inga datarader, bara rubriker. Kontrollera att exporten "
            "gjordes för rätt period och verksamhet."
        )
    _check_required_columns(frame, catalog, source)

    rows = frame[ROW_COLUMN].to_numpy()
    problems = checks.Problems(source, rows)
    warnings = list(raw.warnings)
    typed: dict[str, pd.Series] = {}
    present = [c for c in frame.columns if c in catalog and c != ROW_COLUMN]
    # a checked column is read through its distinct values, each checked once
    checked = [name for name in present if _checked(catalog.variable(name))]
    coded = checks.coded_texts(frame, checked)
    for name in present:
        var = catalog.variable(name)
        if var.identifying:
            continue
        before = len(problems.details)
        text = next(coded) if _checked(var) else checks.column_text(frame, name)
        if var.type == "code" and var.codes:
            typed[name] = checks.check_code(var, text, problems)
        elif var.type == "yesno":
            typed[name] = checks.check_yesno(var, text, problems)
        elif var.type in ("int", "number"):
            typed[name] = checks.check_number(var, text, problems)
        elif var.type == "date":
            typed[name] = checks.check_date(var, text, problems, raw.date_formats.get(name))
        else:
            typed[name] = text.astype("string")
        checks.structural_check(problems, before, name, text, source)

    checks.check_unique(frame, problems)
    derive_from_personnummer(frame, typed, problems, warnings, reference_date)
    checks.check_required_values(typed, problems, catalog)
    if "datum_aktualisering" in typed and "datum_beslut" in typed:
        days = (typed["datum_beslut"] - typed["datum_aktualisering"]).dt.days
        problems.add(
            (days < 0).fillna(False).to_numpy(),
            "datum_beslut",
            "beslutsdatum före aktualiseringsdatum",
        )

    excluded = problems.frame()
    if on_error == "raise" and not excluded.empty:
        raise DataError(problems.message())
    keep = ~np.isin(rows, problems.bad_rows())
    kept = {name: series if keep.all() else series[keep] for name, series in typed.items()}
    data = pd.DataFrame(kept, copy=False)
    data = data.reset_index(drop=True)
    derived = derive(data, catalog, warnings)
    if "personnummer" in frame:
        derived = [SEX, "alder", *derived]

    extra = [c for c in frame.columns if c not in catalog and c != ROW_COLUMN]
    sentences = []
    for column in extra:
        text = checks.column_text(frame, column)[keep].reset_index(drop=True)
        if checks.looks_like_free_text(text):
            sentences.append(column)  # free text is used for nothing and never kept
            continue
        data[column] = checks.type_extra(text)
    extra = [c for c in extra if c not in sentences]
    if sentences:
        warnings.append(
            f"Kolumnerna {', '.join(sentences)} ser ut som fritext (meningar) och togs bort: "
            "fritext sparas aldrig. Är det en kod eller ett namn, ge kolumnen en variabel i "
            "katalogen med mappningsfilen."
        )
    identifiers = [c for c in frame.columns if c in catalog and catalog.variable(c).identifying]
    free_text = [c for c in present if catalog.variable(c).free_text]
    data = data.drop(columns=[c for c in free_text if c in data])
    ordered = [c for c in catalog.variables if c in data] + extra
    data = data[ordered]
    if SEX in data:
        data[SEX] = data[SEX].astype(catalog.dtype(SEX))
    missing_optional = [
        name
        for name, var in catalog.variables.items()
        if name not in data
        and not var.identifying
        and not var.derived
        and not var.life_area
        and var.role != "granskning"  # a case review's items are never in an export
    ]
    report = PrepReport(
        source=source,
        rows_in=len(frame),
        rows_kept=int(keep.sum()),
        rows_excluded=int((~keep).sum()),
        excluded=excluded,
        warnings=warnings,
        derived=derived,
        missing_optional=missing_optional,
        extra_columns=extra,
        dropped_identifiers=identifiers + free_text + sentences,
    )
    return Prepared(data=data, report=report)


def _checked(var: Variable) -> bool:
    """Whether preparation checks the values of a variable (and keeps it typed)."""
    if var.identifying:
        return False
    return bool(var.type == "code" and var.codes) or var.type in CHECKED_TYPES


def _normalise_headers(raw: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    rename = {}
    for column in raw.columns:
        key = str(column).strip().lower()
        if key != column and key in catalog and key not in raw.columns:
            rename[column] = key
    return raw.rename(columns=rename) if rename else raw


def _check_required_columns(raw: pd.DataFrame, catalog: Catalog, source: str) -> None:
    missing = [name for name in catalog.required if name not in raw]
    if SEX in missing and "personnummer" in raw:
        missing.remove(SEX)  # derived from the personnummer
    if missing:
        found = ", ".join(str(c) for c in raw.columns if c != ROW_COLUMN)
        need = ", ".join(f"'{m}'" for m in missing)
        hint = " (eller 'personnummer', som kön kan räknas fram ur)" if SEX in missing else ""
        separator = ""
        if len([c for c in raw.columns if c != ROW_COLUMN]) <= 2:
            separator = (
                " Filen verkar ha fel avgränsare mellan kolumnerna: spara den som CSV med "
                "semikolon (;) som avgränsare."
            )
        raise DataError(
            f"{source} saknar kolumnen {need}{hint}, som krävs. Filens kolumner är: {found}. "
            "Om kolumnen heter något annat i er export, ange det under columns: i en "
            f"mappningsfil (se data/sample/mapping_exempel.yaml).{separator}"
        )


def load(
    path: str | os.PathLike[str],
    *,
    mapping: Any = None,
    on_error: OnError = "exclude",
    sheet: str | None = None,
    reference_date: dt.date | None = None,
) -> Prepared:
    """Read an export and prepare it: :func:`isuwork.data.io.read_export` + :func:`prepare`.

    Examples
    --------
    >>> prepared = load("data/sample/isu_exempel.csv")  # doctest: +SKIP
    >>> print(prepared.report.to_text())  # doctest: +SKIP
    """
    raw = read_export(path, mapping=mapping, sheet=sheet)
    return prepare(raw, on_error=on_error, reference_date=reference_date)
