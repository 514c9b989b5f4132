"""Units compared with each other: each kommun or enhet against all, with funnel limits.

Kommuner and units differ in how they work ("investigation culture": how many life areas
they investigate, how often they grant). A funnel plot shows each unit's value against its
number of cases, with the limits within which chance alone would usually keep it. With
``adjust`` the value is indirectly standardised for the units' different mix of need or age.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from isuwork.analysis.compare import result_table
from isuwork.analysis.outcomes import outcome_kind
from isuwork.analysis.summaries import summaries
from isuwork.domain.selection import Filters, require_columns, select
from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import ParameterError
from isuwork.privacy.protected import Protected
from isuwork.privacy.suppression import suppress

#: Normal quantiles of the funnel limits (about 95 % and 99,8 %).
Z95, Z998 = 1.959963984540054, 3.090232306167813


def compare_units(
    df: pd.DataFrame,
    *,
    indicator: str,
    unit: str = "kommun",
    adjust: Sequence[str] = (),
    filters: Filters | None = None,
    min_n: int = DEFAULT_MIN_N,
    within: str | None = "kommun",
) -> Protected:
    """Each unit's indicator against all units, with funnel limits at about 95 % and 99,8 %.

    Units inside a larger unit (an enhet inside its kommun) are compared within it: with
    rows of several ``within`` (several kommuner), each enhet is set against its own kommun's
    value and limits, never against the enheter of other kommuner, and the table names the
    ``within`` of each row in its first column (two kommuner may have an enhet of the same
    name). ``within=None`` compares every unit with all rows.

    With ``adjust`` (e.g. ``("aldersgrupp", "behov_max")``) the indicator is indirectly
    standardised: each unit's expected value is what the rates of all units within each stratum
    would give for the unit's own mix of strata, and the adjusted indicator is
    observed / expected × the overall value (column ``varde``; the crude value is in
    ``varde_ojusterat``). Rows with a missing stratum value are left out of the adjustment.

    The limits are drawn around the overall value for each unit's number of cases: a normal
    approximation to the binomial for shares, the overall standard deviation for means. A unit
    outside the 99,8 % limits (``utanfor`` "över" or "under") differs more than chance alone
    would often give, which is a reason to look closer, not a verdict.

    Returns
    -------
    Protected
        One row per unit: ``<unit>, utfall, n, antal, varde, ci_lag, ci_hog, metod``, with
        ``adjust`` also ``varde_ojusterat``, then ``total``, the limits ``grans95_lag`` …
        ``grans998_hog``, ``utanfor`` and ``dold``.
    """
    require_columns(df, [indicator], what="indikatorn")
    require_columns(df, [unit], what="enhetsjämförelsen")
    data = select(df, filters)
    if within and within != unit and within in data and data[within].nunique(dropna=True) > 1:
        options = {"indicator": indicator, "unit": unit, "adjust": adjust, "min_n": min_n}
        parts = [
            compare_units(rows, within=None, **options).table.assign(**{within: outer})
            for outer, rows in data.groupby(within, observed=True, sort=True)
        ]
        table = pd.concat(parts, ignore_index=True)
        kind = outcome_kind(data[indicator])
        columns = [within, *(c for c in table.columns if c != within)]
        return Protected(table[columns], min_n=min_n, kinds={indicator: kind})
    kind = outcome_kind(data[indicator])
    if kind == "category":
        raise ParameterError(
            f"Indikatorn {indicator} är en kod; välj ett ja/nej-utfall eller ett tal."
        )
    require_columns(data, adjust, what="standardiseringen")
    if adjust:
        data = data.dropna(subset=list(adjust))
    summary = summaries(data, indicator, [unit], kind)
    table = result_table(summary, outcome=indicator, by=[unit], kind=kind, alpha=0.05)
    n = table["n"].to_numpy(float)
    values = pd.to_numeric(data[indicator].astype("Float64"), errors="coerce").astype(float)
    total = float(values.mean())
    if adjust:
        table = _standardise(
            table, data.assign(_y=values), unit=unit, adjust=list(adjust), total=total
        )
    if kind == "share":
        spread = np.sqrt(total * (1 - total) / n)
    else:
        spread = float(values.std(ddof=1)) / np.sqrt(n)
    table["total"] = total
    for name, z in (("95", Z95), ("998", Z998)):
        table[f"grans{name}_lag"] = total - z * spread
        table[f"grans{name}_hog"] = total + z * spread
    table["utanfor"] = np.select(
        [table["varde"] > table["grans998_hog"], table["varde"] < table["grans998_lag"]],
        ["över", "under"],
        default="inom",
    )
    table = table.drop(
        columns=["kategori", "skillnad", "skillnad_ci_lag", "skillnad_ci_hog", "p_varde", "test"]
    )
    shown = suppress(table, min_n=min_n, group_cols=[unit], pair_col=None)
    shown.loc[shown["dold"], "utanfor"] = pd.NA
    if "varde_ojusterat" in shown:
        shown.loc[shown["dold"], "varde_ojusterat"] = np.nan
    return Protected(shown, min_n=min_n, kinds={indicator: kind})


def _standardise(
    table: pd.DataFrame, data: pd.DataFrame, *, unit: str, adjust: list[str], total: float
) -> pd.DataFrame:
    """Indirect standardisation: observed / expected × overall, expected from stratum rates."""
    known = data.dropna(subset=["_y"])
    rates = known.groupby(adjust, observed=True)["_y"].mean().rename("_rate")
    cells = known.groupby([unit, *adjust], observed=True)["_y"].agg(["count", "sum"])
    cells = cells.join(rates, on=adjust)
    by_unit = cells.groupby(level=0, observed=True).apply(
        lambda g: pd.Series(
            {"observed": g["sum"].sum(), "expected": (g["count"] * g["_rate"]).sum()}
        )
    )
    ratio = (by_unit["observed"] / by_unit["expected"]).rename("_ratio")
    out = table.join(ratio, on=unit)
    out["varde_ojusterat"] = out["varde"]
    scale = out["_ratio"] * total / out["varde"]
    out["varde"] = out["_ratio"] * total
    out["ci_lag"] = out["ci_lag"] * scale
    out["ci_hog"] = out["ci_hog"] * scale
    out["metod"] = out["metod"] + "+indirekt"
    return out.drop(columns=["_ratio"])
