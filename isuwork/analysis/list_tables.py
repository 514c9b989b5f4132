"""Tables taken from a protected screening list, so a page shows each count protected once.

A page that shows the screening list and a table of one of its outcomes shows the same counts
twice; protected apart, a count hidden in one could be shown in the other, or worked out from
it. :func:`comparison_from_list` takes the table from the list instead, and :func:`list_row`
finds the list's row for one selection (a check or an observation of the same cases).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.analysis.screening import ALL
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import MissingDataError, ParameterError
from isuwork.privacy.protected import Protected

#: The level of the rows over all cases in a table taken from the list.
TOTAL = "Totalt"


def comparison_from_list(
    listing: Protected, *, outcome: str, by: str, total: bool = True
) -> Protected:
    """One share by kön and ``by``, taken from a protected screening list.

    A page that shows the list and a table of one of its outcomes shows the same counts twice;
    protected apart, a count hidden in one could be shown in the other, or worked out from it.
    Taken from the list, the table has exactly the list's cells, hidden the same way, with
    Wilson intervals from the counts shown. ``total`` adds the rows over all levels
    (``Totalt``: the list's rows for all cases). Shares only: the list keeps no spread for means.

    Raises
    ------
    MissingDataError
        The data lacks the outcome or ``by`` (the list names it as missing).
    ParameterError
        The outcome is not a share in the list, or ``by`` is not among its background
        variables (screen with it in ``background``).
    """
    catalog = load_catalog()
    absent = [c for c in (outcome, by) if c in listing.missing]
    if absent:
        names = " och ".join(catalog.label(c).lower() for c in absent)
        raise MissingDataError(
            f"Uppgift saknas: data har inga uppgifter om {names}, så {catalog.label(outcome).lower()} "
            f"per kön och {catalog.label(by).lower()} kan inte visas."
        )
    table = listing.table
    kind = listing.kinds.get(outcome)
    rows = table[table["utfall"] == outcome]
    if kind != "share" or rows.empty:
        raise ParameterError(
            f"{outcome} finns inte som andel i screeninglistan; ta tabellen med compare()."
        )
    if by not in set(rows["bakgrund"]):
        raise ParameterError(
            f"Screeninglistan har inte {by} som bakgrund; screena med den i background."
        )
    rows = rows[(rows["bakgrund"] == by) | (total & (rows["bakgrund"] == ALL))]
    parts = []
    for sex in catalog.sexes:
        n = rows[f"n_{sex}"].to_numpy(dtype=float)
        value = rows[f"varde_{sex}"].to_numpy(dtype=float)
        count = np.round(value * n)
        low, high = stats.wilson_interval(np.nan_to_num(count), np.where(np.isnan(count), 1, n))
        shown = ~np.isnan(value)
        parts.append(
            pd.DataFrame(
                {
                    "utfall": outcome,
                    "kategori": pd.NA,
                    SEX: sex,
                    by: rows["niva"].fillna(TOTAL).to_numpy(),
                    "n": n,
                    "antal": count,
                    "varde": value,
                    "ci_lag": np.where(shown, low, np.nan),
                    "ci_hog": np.where(shown, high, np.nan),
                    "metod": np.where(shown, "wilson", None),
                    "skillnad": rows["skillnad"].to_numpy(dtype=float),
                    "skillnad_ci_lag": rows["skillnad_ci_lag"].to_numpy(dtype=float),
                    "skillnad_ci_hog": rows["skillnad_ci_hog"].to_numpy(dtype=float),
                    "p_varde": rows["p_varde"].to_numpy(dtype=float),
                    "dold": rows["dold"].to_numpy(dtype=bool) | ~shown,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    # levels in the catalogue's order (years by number), the total last
    dtype = catalog.dtype(by)
    codes = list(dtype.categories) if isinstance(dtype, pd.CategoricalDtype) else []
    level = out[by].astype(str)
    out["_total"] = level == TOTAL
    out["_code"] = level.map({str(c): i for i, c in enumerate(codes)}).fillna(len(codes))
    out["_number"] = pd.to_numeric(level, errors="coerce")
    out["_sex"] = out[SEX].map({sex: i for i, sex in enumerate(catalog.sexes)})
    out = out.sort_values(["_total", "_code", "_number", by, "_sex"], kind="stable")
    out = out.drop(columns=["_total", "_code", "_number", "_sex"])
    if by == "ar":  # years are numbers where the list keeps levels as text
        out[by] = pd.to_numeric(out[by], errors="coerce")
    return listing.with_table(out.reset_index(drop=True))


def list_row(listing: Protected, *, outcome: str, filters: Mapping[str, Any]) -> pd.Series | None:
    """The list's row comparing kön for ``outcome`` within a selection, or None.

    ``filters`` is empty (all cases) or names one level of one background variable
    (``{"verksamhet": "lss"}``; a list of one level is read the same way). Levels are matched
    without regard to case. None when the selection is wider or the list has no single such
    row (an outcome with categories has a row per category).
    """
    if listing.empty or len(filters) > 1:
        return None
    table = listing.table
    rows = (table["utfall"] == outcome) & table["kategori"].isna()
    if filters:
        ((variable, level),) = filters.items()
        if isinstance(level, list | tuple):
            if len(level) != 1:
                return None
            (level,) = level
        niva = table["niva"].astype("string").str.casefold()
        rows &= (table["bakgrund"] == variable) & (niva == str(level).casefold())
    else:
        rows &= table["bakgrund"] == ALL
    return table[rows].iloc[0] if rows.sum() == 1 else None
