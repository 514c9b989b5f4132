"""Preparation: from a raw export to a validated, typed ISU frame, with every row accounted for.

The raw frame (all text, see :func:`isuwork.data.io.read_export`) is checked against the catalogue:
each variable's type, codes and range generate a vectorised check, so no column needs code of its
own. Legal sex and age are derived from the personnummer, which is then dropped together with
free text. Rows that fail a check are excluded with their reason, never silently: rows in = rows
kept + rows excluded, always.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.data.io import ROW_COLUMN, read_export
from isuwork.data.personnummer import age_at, parse_series
from isuwork.domain.catalog import Catalog, Variable, load_catalog
from isuwork.domain.formatting import format_number, format_percent
from isuwork.exceptions import DataError, ParameterError

OnError = Literal["exclude", "raise"]

#: A column where more than this share of the filled values fails is taken as a wrong mapping.
STRUCTURAL_FAILURE_SHARE = 0.5
#: How many row numbers and values an error message lists before "…".
SHOW_FIRST = 5

_YES = frozenset({"ja", "j", "1", "true", "sant", "yes", "y", "x"})
_NO = frozenset({"nej", "n", "0", "false", "falskt", "no"})
_DERIVED = (
    "kon",
    "alder",
    "aldersgrupp",
    "ar",
    "behov_max",
    "behov_medel",
    "antal_lo_utredda",
    "beviljad",
    "handlaggningstid_dagar",
)


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
        table = grouped.agg(antal="nunique", rader=lambda s: _rows_text(s.tolist()))
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
                f"Kolumner utanför schemat, behålls som text: {', '.join(self.extra_columns)}."
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


def _rows_text(rows: list[int]) -> str:
    rows = sorted(set(int(r) for r in rows))
    shown = ", ".join(str(r) for r in rows[:SHOW_FIRST])
    return shown + (f" … (totalt {len(rows)})" if len(rows) > SHOW_FIRST else "")


class _Problems:
    """Row-level problems collected while checking: (radnr, kolumn, orsak) triples."""

    def __init__(self, source: str, rows: np.ndarray) -> None:
        self.source = source
        self.rows = rows
        self.parts: list[pd.DataFrame] = []
        self.details: list[tuple[str, str, np.ndarray, list[str]]] = []

    def add(self, mask: np.ndarray, column: str, reason: str, values: Any = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.parts.append(
            pd.DataFrame({ROW_COLUMN: self.rows[mask], "kolumn": column, "orsak": reason})
        )
        shown: list[str] = []
        if values is not None:
            shown = pd.Series(np.asarray(values, dtype=object)[mask]).dropna().astype(str).unique()
            shown = [str(v) for v in shown[:SHOW_FIRST]]
        self.details.append((column, reason, self.rows[mask], shown))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({ROW_COLUMN: pd.Series(dtype=int), "kolumn": [], "orsak": []})
        return pd.concat(self.parts, ignore_index=True)

    def flagged(self) -> np.ndarray:
        """Mask of rows that already have a problem."""
        return np.isin(self.rows, self.bad_rows())

    def bad_rows(self) -> np.ndarray:
        return self.frame()[ROW_COLUMN].unique()

    def message(self) -> str:
        parts = []
        for column, reason, rows, values in self.details[:SHOW_FIRST]:
            text = f"kolumnen '{column}': {reason} på {len(rows)} rader (rad {_rows_text(rows)})"
            if values:
                text += f", till exempel {', '.join(repr(v) for v in values)}"
            parts.append(text)
        more = len(self.details) - SHOW_FIRST
        tail = f" Dessutom {more} andra fel." if more > 0 else ""
        return (
            f"{self.source}: {'; '.join(parts)}.{tail} Rätta värdena i filen, eller lägg till "
            "översättningen av koderna under values: i mappningsfilen."
        )


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    return raw[column].astype("string").str.strip().mask(lambda s: s == "")


def _code_lookup(var: Variable) -> dict[str, str]:
    lookup = {}
    for code, label in var.codes.items():
        lookup[code.lower()] = code
        lookup[label.lower()] = code
    return lookup


def _check_code(var: Variable, text: pd.Series, problems: _Problems) -> pd.Series:
    folded = text.str.lower()
    codes = folded.map(_code_lookup(var))
    bad = (text.notna() & codes.isna()).to_numpy()
    allowed = ", ".join(var.codes)
    problems.add(bad, var.name, f"okänd kod (tillåtna: {allowed})", text.to_numpy(dtype=object))
    return pd.Series(pd.Categorical(codes.where(~bad), dtype=var.dtype), index=text.index)


def _check_yesno(var: Variable, text: pd.Series, problems: _Problems) -> pd.Series:
    folded = text.str.lower()
    value = pd.Series(pd.NA, index=text.index, dtype="boolean")
    value[folded.isin(_YES).fillna(False)] = True
    value[folded.isin(_NO).fillna(False)] = False
    bad = (text.notna() & value.isna()).to_numpy()
    problems.add(bad, var.name, "varken ja eller nej", text.to_numpy(dtype=object))
    return value


def _check_number(var: Variable, text: pd.Series, problems: _Problems) -> pd.Series:
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    number = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    not_number = (text.notna() & number.isna()).to_numpy()
    problems.add(not_number, var.name, "inte ett tal", text.to_numpy(dtype=object))
    if var.type == "int":
        fractional = (number.notna() & (number != number.round())).fillna(False).to_numpy()
        problems.add(fractional, var.name, "inte ett heltal", text.to_numpy(dtype=object))
        number = number.where(~fractional)
    out_of_range = np.zeros(len(text), dtype=bool)
    if var.min is not None:
        out_of_range |= (number < var.min).fillna(False).to_numpy()
    if var.max is not None:
        out_of_range |= (number > var.max).fillna(False).to_numpy()
    low = format_number(var.min) if var.min is not None else "…"
    high = format_number(var.max) if var.max is not None else "…"
    problems.add(
        out_of_range,
        var.name,
        f"utanför tillåtet intervall {low}–{high}",
        text.to_numpy(dtype=object),
    )
    number = number.where(~out_of_range)
    return number.round().astype("Int64") if var.type == "int" else number


def _check_date(var: Variable, text: pd.Series, problems: _Problems, fmt: str | None) -> pd.Series:
    if fmt:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    else:
        head = text.str.slice(0, 10)
        iso = pd.to_datetime(
            head.where(head.str.match(r"^\d{4}-\d{2}-\d{2}$")), errors="coerce", format="%Y-%m-%d"
        )
        compact = pd.to_datetime(
            text.where(text.str.match(r"^\d{8}$")), errors="coerce", format="%Y%m%d"
        )
        parsed = iso.fillna(compact)
    bad = (text.notna() & parsed.isna()).to_numpy()
    expected = f"formatet {fmt}" if fmt else "ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD"
    problems.add(bad, var.name, f"ogiltigt datum (väntat {expected})", text.to_numpy(dtype=object))
    return parsed.astype("datetime64[ns]")


def prepare(
    raw: pd.DataFrame,
    *,
    source: str | None = None,
    on_error: OnError = "exclude",
    reference_date: dt.date | None = None,
) -> Prepared:
    """Validate, type and derive an ISU data set; account for every row.

    Parameters
    ----------
    raw
        A raw frame from :func:`isuwork.data.io.read_export` (all text; ``radnr`` optional).
    source
        Name of the file, used in messages.
    on_error
        ``"exclude"``: rows with invalid values are left out and listed in the report;
        ``"raise"``: any invalid value raises :class:`DataError`.
    reference_date
        Date for age and century when a row has no decision date (default: today).

    Returns
    -------
    Prepared
        ``data`` (one row per utredning, dtypes from the catalogue, no personnummer or free text)
        and ``report``.

    Raises
    ------
    DataError
        For problems with the file as a whole: no rows, a missing required column, or a column
        in which most values fail (usually a missing or wrong mapping); with ``on_error="raise"``
        also for any invalid value.
    """
    if on_error not in ("exclude", "raise"):
        raise ParameterError(f"on_error ska vara 'exclude' eller 'raise', inte {on_error!r}.")
    catalog = load_catalog()
    source = source or raw.attrs.get("source", "data")
    raw = _normalise_headers(raw, catalog)
    if ROW_COLUMN not in raw:
        raw = raw.assign(**{ROW_COLUMN: np.arange(2, len(raw) + 2)})
    if len(raw) == 0:
        raise DataError(
            f"{source} innehåller inga datarader, bara rubriker. Kontrollera att exporten "
            "gjordes för rätt period och verksamhet."
        )
    _check_required_columns(raw, catalog, source)

    rows = raw[ROW_COLUMN].to_numpy()
    problems = _Problems(source, rows)
    date_formats = raw.attrs.get("date_formats", {})
    warnings = list(raw.attrs.get("warnings", []))
    typed: dict[str, pd.Series] = {}
    present = [c for c in raw.columns if c in catalog and c != ROW_COLUMN]
    for name in present:
        var = catalog.variable(name)
        if var.identifying:
            continue
        text = _text(raw, name)
        before = len(problems.details)
        if var.type == "code" and var.codes:
            typed[name] = _check_code(var, text, problems)
        elif var.type == "yesno":
            typed[name] = _check_yesno(var, text, problems)
        elif var.type in ("int", "number"):
            typed[name] = _check_number(var, text, problems)
        elif var.type == "date":
            typed[name] = _check_date(var, text, problems, date_formats.get(name))
        else:
            typed[name] = text.astype("string")
        _structural_check(problems, before, name, text, source)

    _check_unique(raw, problems)
    _derive_from_personnummer(raw, typed, problems, warnings, reference_date)
    _check_required_values(typed, problems, catalog)
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
    data = pd.DataFrame({name: series[keep] for name, series in typed.items()})
    data = data.reset_index(drop=True)
    derived = _derive(data, catalog, warnings, reference_date)
    if "personnummer" in raw:
        derived = ["kon", "alder", *derived]

    extra = [c for c in raw.columns if c not in catalog and c != ROW_COLUMN]
    for column in extra:
        data[column] = _text(raw, column)[keep].reset_index(drop=True).astype("string")
    identifiers = [c for c in raw.columns if c in catalog and catalog.variable(c).identifying]
    free_text = [c for c in present if catalog.variable(c).free_text]
    data = data.drop(columns=[c for c in free_text if c in data])
    ordered = [c for c in catalog.variables if c in data] + extra
    data = data[ordered]
    if "kon" in data:
        data["kon"] = data["kon"].astype(catalog.dtype("kon"))
    missing_optional = [
        name
        for name, var in catalog.variables.items()
        if name not in data and not var.identifying and name not in _DERIVED and not var.life_area
    ]
    report = PrepReport(
        source=source,
        rows_in=len(raw),
        rows_kept=int(keep.sum()),
        rows_excluded=int((~keep).sum()),
        excluded=excluded,
        warnings=warnings,
        derived=derived,
        missing_optional=missing_optional,
        extra_columns=extra,
        dropped_identifiers=identifiers + free_text,
    )
    return Prepared(data=data, report=report)


def _normalise_headers(raw: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    rename = {}
    for column in raw.columns:
        key = str(column).strip().lower()
        if key != column and key in catalog and key not in raw.columns:
            rename[column] = key
    return raw.rename(columns=rename) if rename else raw


def _check_required_columns(raw: pd.DataFrame, catalog: Catalog, source: str) -> None:
    missing = [name for name in catalog.required if name not in raw]
    if "kon" in missing and "personnummer" in raw:
        missing.remove("kon")  # derived from the personnummer
    if missing:
        found = ", ".join(str(c) for c in raw.columns if c != ROW_COLUMN)
        need = ", ".join(f"'{m}'" for m in missing)
        hint = " (eller 'personnummer', som kön kan räknas fram ur)" if "kon" in missing else ""
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


def _structural_check(
    problems: _Problems, before: int, name: str, text: pd.Series, source: str
) -> None:
    """Most filled values of a column failing means a wrong mapping, not bad rows."""
    filled = int(text.notna().sum())
    if filled == 0:
        return
    failed = set()
    for column, _, rows, _ in problems.details[before:]:
        if column == name:
            failed.update(rows.tolist())
    if len(failed) / filled > STRUCTURAL_FAILURE_SHARE and len(failed) >= 2:
        details = [d for d in problems.details[before:] if d[0] == name]
        examples = sorted({v for d in details for v in d[3]})[:SHOW_FIRST]
        raise DataError(
            f"{source}: kolumnen '{name}' har ogiltiga värden på {len(failed)} av {filled} ifyllda "
            f"rader ({format_percent(len(failed) / filled)}), till exempel "
            f"{', '.join(repr(v) for v in examples)} ({details[0][1]}). Så många fel tyder på att "
            "kolumnen behöver översättas: ange exportens koder under values: "
            f"{name}: i mappningsfilen, eller kontrollera att rätt kolumn mappats till '{name}'."
        )


def _check_unique(raw: pd.DataFrame, problems: _Problems) -> None:
    ids = _text(raw, "utredning_id")
    duplicated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    problems.add(
        duplicated,
        "utredning_id",
        "dubblett: samma utredning_id finns på en tidigare rad",
        ids.to_numpy(dtype=object),
    )


def _derive_from_personnummer(
    raw: pd.DataFrame,
    typed: dict[str, pd.Series],
    problems: _Problems,
    warnings: list[str],
    reference_date: dt.date | None,
) -> None:
    if "personnummer" not in raw:
        return
    text = _text(raw, "personnummer")
    reference = typed.get("datum_beslut")
    if reference is None:
        reference = pd.Series(pd.Timestamp(reference_date or dt.date.today()), index=raw.index)
    elif reference_date is not None:
        reference = reference.fillna(pd.Timestamp(reference_date))
    parsed = parse_series(text, reference_date=reference)
    has_kon = "kon" in typed
    filled = text.notna().to_numpy()
    invalid = filled & ~parsed["valid"].to_numpy()
    if has_kon:
        # kön is given: an invalid number is a problem only where kön is missing
        invalid &= typed["kon"].isna().to_numpy()
    for reason in parsed["reason"][invalid].dropna().unique():
        problems.add(
            invalid & (parsed["reason"] == reason).fillna(False).to_numpy(),
            "personnummer",
            f"ogiltigt personnummer: {reason}",
        )
    sex = parsed["sex"]
    if has_kon:
        given = typed["kon"].astype("string")
        differ = (given.notna() & sex.notna() & (given != sex)).fillna(False)
        if differ.any():
            warnings.append(
                f"Kön i filen skiljer sig från kön enligt personnumret på {int(differ.sum())} rader; "
                "juridiskt kön enligt personnumret används."
            )
        typed["kon"] = pd.Series(
            pd.Categorical(sex.fillna(given), categories=["kvinna", "man"]), index=raw.index
        )
    else:
        typed["kon"] = pd.Series(pd.Categorical(sex, categories=["kvinna", "man"]), index=raw.index)
    age = age_at(parsed["birth_date"], reference)
    if "alder" in typed:
        differ = (typed["alder"].notna() & age.notna() & (typed["alder"] != age)).fillna(False)
        if differ.any():
            warnings.append(
                f"Åldern i filen skiljer sig från åldern enligt personnumret på "
                f"{int(differ.sum())} rader; åldern vid beslutet enligt personnumret används."
            )
        typed["alder"] = age.fillna(typed["alder"]).astype("Int64")
    else:
        typed["alder"] = age


def _check_required_values(
    typed: dict[str, pd.Series], problems: _Problems, catalog: Catalog
) -> None:
    already = problems.flagged()
    for name in catalog.required:
        if name in typed:
            missing = typed[name].isna().to_numpy() & ~already
            problems.add(missing, name, "värde saknas")


def _derive(
    data: pd.DataFrame, catalog: Catalog, warnings: list[str], reference_date: dt.date | None
) -> list[str]:
    """Add the derived columns whose sources are present; check given derived values."""
    derived = []

    def put(name: str, values: pd.Series, *, check: bool = True) -> None:
        values = values.astype(catalog.dtype(name))
        if name in data and check:
            given = data[name]
            differ = given.notna() & values.notna() & (given.astype(str) != values.astype(str))
            if differ.any():
                warnings.append(
                    f"Den angivna kolumnen {name} stämmer inte med det isuwork räknar fram på "
                    f"{int(differ.sum())} rader; det framräknade värdet används."
                )
        data[name] = values
        derived.append(name)

    if "datum_beslut" in data:
        year = data["datum_beslut"].dt.year.astype("Int64")
        put("ar", year.fillna(data["ar"]) if "ar" in data else year, check="ar" in data)
    if "alder" in data:
        put("aldersgrupp", _age_groups(data, catalog), check=False)
    areas = [c for c in catalog.life_areas if c in data]
    if areas:
        block = data[areas].astype("Float64")
        put("behov_max", block.max(axis=1, skipna=True).round().astype("Int64"))
        put("behov_medel", block.mean(axis=1, skipna=True).astype("Float64"))
        put("antal_lo_utredda", block.notna().sum(axis=1).astype("Int64"))
    if "beslut" in data:
        granted = data["beslut"].isin(["bifall", "delvis_bifall"]).astype("boolean")
        put("beviljad", granted.mask(data["beslut"].isna()))
    if "datum_aktualisering" in data and "datum_beslut" in data:
        days = (data["datum_beslut"] - data["datum_aktualisering"]).dt.days
        put("handlaggningstid_dagar", days.astype("Int64"))
    return list(dict.fromkeys(derived))


def _age_groups(data: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """Age bands by each row's verksamhet (the default scheme for others and unknown)."""
    age = data["alder"].astype("Float64")
    schemes = list(catalog.raw["age_groups"])
    verksamhet = (
        data["verksamhet"].astype("string")
        if "verksamhet" in data
        else pd.Series(pd.NA, index=data.index, dtype="string")
    )
    scheme_of_row = verksamhet.where(verksamhet.isin(schemes)).fillna("default")
    out = pd.Series(pd.NA, index=data.index, dtype="string")
    for scheme in scheme_of_row.unique():
        rows = scheme_of_row == scheme
        for band in catalog.age_groups(scheme):
            upper = np.inf if band.high is None else band.high
            hit = rows & (age >= band.low).fillna(False) & (age <= upper).fillna(False)
            out[hit] = band.code
    return out


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
    return prepare(
        raw,
        source=raw.attrs.get("source", os.path.basename(str(path))),
        on_error=on_error,
        reference_date=reference_date,
    )
