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
import pyarrow as pa

from isuwork.data import checks
from isuwork.data.arrow_text import TEXT_TYPE, text_series
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
        bands = pd.Categorical.from_codes(
            _age_band_index(data, catalog), dtype=catalog.dtype("aldersgrupp")
        )
        put("aldersgrupp", pd.Series(bands, index=data.index), check=False)
    areas = [c for c in catalog.life_areas if c in data]
    if areas:
        for name, values in _need_summaries(data[areas]).items():
            put(name, values)
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
    codes = pa.array(catalog.age_group_codes, type=TEXT_TYPE)
    index = _age_band_index(data, catalog)
    bands = codes.take(pa.array(index, mask=index < 0))
    return pd.Series(text_series(bands).array, index=data.index, copy=False)


def _age_band_index(data: pd.DataFrame, catalog: Catalog) -> np.ndarray:
    """Each row's age band as a position in ``catalog.age_group_codes`` (-1: none).

    A row's scheme is its verksamhet when the catalogue has one for it, else the default; a
    later band of a scheme wins where two overlap.
    """
    age = data["alder"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    schemes = list(catalog.age_schemes)
    if "verksamhet" in data:
        # the verksamhet of each distinct value, as text
        codes, uniques = pd.factorize(data["verksamhet"], use_na_sentinel=False)
        names = pd.Series(uniques).astype("string")
        scheme_of_value = names.where(names.isin(schemes)).fillna("default").to_numpy(object)
        scheme_of_row = scheme_of_value[codes]
    else:
        scheme_of_row = np.full(len(data), "default", dtype=object)
    position = {code: i for i, code in enumerate(catalog.age_group_codes)}
    out = np.full(len(data), -1, dtype=np.intp)
    with np.errstate(invalid="ignore"):
        for scheme in pd.unique(scheme_of_row):
            rows = scheme_of_row == scheme
            for band in catalog.age_groups(scheme):
                upper = np.inf if band.high is None else band.high
                out[rows & (age >= band.low) & (age <= upper)] = position[band.code]
    return out


def _need_summaries(block: pd.DataFrame) -> dict[str, pd.Series]:
    """``behov_max``, ``behov_medel`` and ``antal_lo_utredda`` over the life-area levels.

    Levels are whole numbers (``Int64`` after the checks), so their row sums are exact in any
    order and numpy gives what pandas' row-wise reductions give; other columns are left to
    pandas.
    """
    columns = [block[c] for c in block.columns]
    levels = []
    if all(pd.api.types.is_signed_integer_dtype(c.dtype) for c in columns):
        levels = [(c.notna().to_numpy(), c.to_numpy(dtype=np.int64, na_value=0)) for c in columns]
    if not levels or any(((v >= 2**40) | (v <= -(2**40))).any() for _, v in levels):
        floats = block.astype("Float64")
        return {
            "behov_max": floats.max(axis=1, skipna=True).round().astype("Int64"),
            "behov_medel": floats.mean(axis=1, skipna=True).astype("Float64"),
            "antal_lo_utredda": floats.notna().sum(axis=1).astype("Int64"),
        }
    count = np.zeros(len(block), dtype=np.int64)
    total = np.zeros(len(block), dtype=np.int64)
    highest = np.full(len(block), np.iinfo(np.int64).min, dtype=np.int64)
    for known, values in levels:
        count += known
        total += values
        np.maximum(highest, np.where(known, values, highest), out=highest)
    none = count == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return {
        "behov_max": pd.Series(pd.arrays.IntegerArray(highest, none), index=block.index),
        "behov_medel": pd.Series(pd.arrays.FloatingArray(mean, none), index=block.index),
        "antal_lo_utredda": pd.Series(
            pd.arrays.IntegerArray(count, np.zeros_like(none)), index=block.index
        ),
    }
