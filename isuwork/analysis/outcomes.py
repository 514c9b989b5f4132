"""Outcomes: how an outcome column is summarised, read from its type.

An outcome is a yes/no answer (summarised as a share), a number (a mean) or a code (the share
of each category). Preparation types every column once (:mod:`isuwork.data.prepare`), so the
kind follows from the column's dtype alone, the same in every analysis.
"""

from __future__ import annotations

import pandas as pd

from isuwork.domain.vocabulary import OutcomeKind


def outcome_kind(column: pd.Series) -> OutcomeKind:
    """How an outcome is summarised: ``share`` (yes/no), ``mean`` (numbers) or ``category``.

    Examples
    --------
    >>> outcome_kind(pd.Series([True, False], dtype="boolean"))
    'share'
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        return "share"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "mean"
    return "category"


def outcome_values(column: pd.Series, kind: OutcomeKind) -> pd.Series:
    """The outcome as it is summarised: floats (NaN when missing) for shares and means, a
    categorical of text codes for categories."""
    if kind == "share":
        return column.astype("Float64").astype(float)
    if kind == "mean":
        return pd.to_numeric(column, errors="coerce").astype(float)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.rename_categories([str(c) for c in column.cat.categories])
    return column.astype("string").astype("category")
