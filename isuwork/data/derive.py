"""Derived variables: what preparation computes from the columns an export has.

Legal sex and age at the decision come from the personnummer (which is then dropped); the year
from the decision date; the age band from the age, by the scheme of the row's verksamhet; the
need summaries from the IBIC life areas; ``beviljad`` from the decision; and the handling time
from the two dates. A derived column that the export also gives is checked against the
computed one, and a disagreement is reported.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from isuwork.data import checks
from isuwork.data.personnummer import age_at, parse_series
from isuwork.domain.catalog import Catalog, load_catalog
from isuwork.domain.vocabulary import SEX


def derive_from_personnummer(
    raw: pd.DataFrame,
    typed: dict[str, pd.Series],
    problems: checks.Problems,
    warnings: list[str],
    reference_date: dt.date | None,
) -> None:
    """Put legal sex and age at the decision, from the personnummer, into ``typed``.

    A sex or age given in the export is replaced where the number is valid (with a warning
    when they differ); an invalid number is a problem of its row only where no sex is given.

    Parameters
    ----------
    raw
        The raw frame (text), with ``personnummer`` when there is one.
    typed
        The columns checked so far, by name; changed in place.
    problems
        Where row problems are recorded.
    warnings
        Where warnings for the file's owner are added.
    reference_date
        Date for age and century when a row has no decision date (default: today).
    """
    if "personnummer" not in raw:
        return
    sex_dtype = load_catalog().dtype(SEX)
    text = checks.column_text(raw, "personnummer")
    reference = typed.get("datum_beslut")
    if reference is None:
        reference = pd.Series(pd.Timestamp(reference_date or dt.date.today()), index=raw.index)
    elif reference_date is not None:
        reference = reference.fillna(pd.Timestamp(reference_date))
    parsed = parse_series(text, reference_date=reference)
    has_kon = SEX in typed
    filled = text.notna().to_numpy()
    invalid = filled & ~parsed["valid"].to_numpy()
    if has_kon:
        # kön is given: an invalid number is a problem only where kön is missing
        invalid &= typed[SEX].isna().to_numpy()
    for reason in parsed["reason"][invalid].dropna().unique():
        problems.add(
            invalid & (parsed["reason"] == reason).fillna(False).to_numpy(),
            "personnummer",
            f"ogiltigt personnummer: {reason}",
        )
    sex = parsed["sex"]
    if has_kon:
        given = typed[SEX].astype("string")
        differ = (given.notna() & sex.notna() & (given != sex)).fillna(False)
        if differ.any():
            warnings.append(
                f"Kön i filen skiljer sig från kön enligt personnumret på {int(differ.sum())} rader; "
                "juridiskt kön enligt personnumret används."
            )
        sex = sex.fillna(given)
    typed[SEX] = pd.Series(pd.Categorical(sex, dtype=sex_dtype), index=raw.index)
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


def derive(data: pd.DataFrame, catalog: Catalog, warnings: list[str]) -> list[str]:
    """Add the derived columns whose sources are present; check given derived values.

    Parameters
    ----------
    data
        The typed frame of the kept rows; changed in place.
    catalog
        The variable catalogue.
    warnings
        Where a disagreement with a given derived column is reported.

    Returns
    -------
    list of str
        The names of the derived columns, in the order they were added.
    """
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
        put("aldersgrupp", age_groups(data, catalog), check=False)
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


def age_groups(data: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """Age bands by each row's verksamhet (the default scheme for others and unknown).

    Parameters
    ----------
    data
        A frame with ``alder`` (and ``verksamhet`` when known).
    catalog
        The variable catalogue, which holds the schemes.
    """
    age = data["alder"].astype("Float64")
    schemes = list(catalog.age_schemes)
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
