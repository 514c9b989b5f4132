"""Need strata: compare like with like, over the whole need profile.

The need step compares the groups within strata of need. With one or two coarse need variables
(the highest life-area score, assessed need yes/no, a department) the strata are the
combinations of their values, shown as they are. A whole need profile (every IBIC life area,
assessed need, risk) has far too many combinations for that, and stratifying on the highest
score alone leaves the breadth of need uncontrolled. Then the strata are groups of a
*prognostic score* (Hansen 2008, *Biometrika* 95:481–488): the outcome predicted from the need
variables alone, fitted by least squares on both compared groups together, without the grouping
variable. Cases with a similar expected outcome given their whole need profile are compared
with each other. The coarse variables then give the levels along which the homogeneity test
looks (:mod:`isuwork.analysis.criteria.heterogeneity`).

Assumptions, stated in the report text: the need variables are measured the same way for both
groups; the score is linear in them (each variable as a number or as one column per category, a
missing value as a column of its own); what the score does not capture, it cannot adjust for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from isuwork.analysis.criteria.estimate import strata, stratum_names

#: Up to this many combinations of the need variables' values, the strata are the combinations.
MAX_EXACT_STRATA = 10
#: Groups of the prognostic score: about this many cases in each ...
CASES_PER_SCORE_STRATUM = 50
#: ... but at least this many (also the bands of the homogeneity test without coarse variables)
MIN_SCORE_STRATA = 5
#: ... and at most this many.
MAX_SCORE_STRATA = 20
#: A whole number with at most this many values also enters the score as one column per value.
MAX_LEVELS_AS_CODES = 5
#: Name of the stratum variable when the strata are groups of the prognostic score.
SCORE_STRATUM = "behovsgrupp"

NeedMethod = Literal["exact", "prognostic"]


@dataclass(frozen=True)
class NeedStrata:
    """Stratum number per case, one row of values per stratum, missing values, and the method.

    ``bands`` (a number per case) and ``band_names`` are the levels of need along which the
    homogeneity test looks for a difference that changes with need: the strata themselves when
    they are exact; with a prognostic score, the combinations of the coarse need variables
    (highest score, assessed need …) when they are few, else fifths of the score.
    """

    codes: np.ndarray
    labels: pd.DataFrame
    unknown: np.ndarray
    method: NeedMethod
    bands: np.ndarray
    band_names: list[str]


def need_strata(
    frame: pd.DataFrame, variables: Sequence[str], y: np.ndarray, *, coarse: Sequence[str]
) -> NeedStrata:
    """The need strata of the analysed cases.

    Parameters
    ----------
    frame
        The analysed cases (one row each).
    variables
        The usable need variables.
    y
        The outcome of each case (0/1 for shares), used only to fit the prognostic score.
    coarse
        Those of ``variables`` that describe need in a few levels (not the life areas).

    Returns
    -------
    NeedStrata
        ``exact`` strata (every combination of values, missing as a level of its own) when
        there are at most :data:`MAX_EXACT_STRATA` of them. Else ``prognostic`` strata: groups
        of about :data:`CASES_PER_SCORE_STRATUM` cases (between :data:`MIN_SCORE_STRATA` and
        :data:`MAX_SCORE_STRATA` groups) of the need-predicted outcome, lowest first.
    """
    combinations = frame.groupby(list(variables), dropna=False, observed=True).ngroups
    if combinations <= MAX_EXACT_STRATA:
        codes, labels, unknown = strata(frame, variables)
        return NeedStrata(codes, labels, unknown, "exact", codes, stratum_names(labels))
    score = prognostic_score(frame, variables, y)
    count = int(np.clip(len(y) // CASES_PER_SCORE_STRATUM, MIN_SCORE_STRATA, MAX_SCORE_STRATA))
    codes = _groups(score, count)
    names = [str(i + 1) for i in range(int(codes.max()) + 1)]
    names[0] += " (lägst)"
    names[-1] += " (högst)"
    bands, band_labels, _ = strata(frame, coarse) if coarse else (None, [], None)
    if bands is not None and len(band_labels) <= MAX_EXACT_STRATA:
        band_names = stratum_names(band_labels)
    else:
        bands = _groups(score, MIN_SCORE_STRATA)
        band_names = [f"{SCORE_STRATUM}, femtedel {i + 1}" for i in range(int(bands.max()) + 1)]
    return NeedStrata(
        codes,
        pd.DataFrame({SCORE_STRATUM: names}),
        np.zeros(len(y), dtype=bool),
        "prognostic",
        bands,
        band_names,
    )


def _groups(score: np.ndarray, count: int) -> np.ndarray:
    """Groups of about equal size of a score, numbered from 0 (lowest); ties stay together."""
    groups = pd.qcut(score, count, labels=False, duplicates="drop")
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    return codes.astype(np.int64)


def prognostic_score(frame: pd.DataFrame, variables: Sequence[str], y: np.ndarray) -> np.ndarray:
    """The outcome predicted by the need variables alone (least squares on all cases)."""
    design = need_design(frame, variables)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return design @ coef


def need_design(frame: pd.DataFrame, variables: Sequence[str]) -> np.ndarray:
    """Design matrix of the need variables: an intercept, then per variable its columns.

    Numbers and yes/no answers enter as numbers (a missing value as the variable's mean plus a
    column that marks it missing); codes as one column per value but the first, missing as a
    value of its own.
    """
    columns = [np.ones(len(frame))]
    for var in variables:
        column = frame[var]
        if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            missing = np.isnan(values)
            fill = float(np.nanmean(values)) if (~missing).any() else 0.0
            columns.append(np.where(missing, fill, values))
            if missing.any():
                columns.append(missing.astype(float))
            levels = np.unique(values[~missing])
            if len(levels) <= MAX_LEVELS_AS_CODES and np.all(levels == np.round(levels)):
                # a few whole numbers (a severity 0-4): the score need not be a straight line
                columns.extend((values == level).astype(float) for level in levels[1:-1])
        else:
            codes, _ = pd.factorize(column, sort=True, use_na_sentinel=False)
            columns.extend((codes == level).astype(float) for level in range(1, codes.max() + 1))
    return np.column_stack(columns)
