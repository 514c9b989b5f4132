"""What a case review shows: every reviewed item compared by kön, and by kön within background.

The reviewed items (catalogue role ``granskning``, plus ``initiativ`` and the number of
interventions) and the text measures are outcomes like those of an ISU export, so the review is
analysed with the screening of step 1 (:func:`isuwork.analysis.screening.screen`): each item
by kön overall and within each level of the background the key brings (age group, country of
birth, verksamhet …), with intervals, adjusted p-values and the same protection of small
numbers as every other list.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from isuwork.analysis.screening import screen
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import ParameterError
from isuwork.privacy.protected import Protected

#: Background of a review's cases that the comparison by kön is split by, when present.
REVIEW_BACKGROUND: tuple[str, ...] = ("fodelseland", "aldersgrupp", "verksamhet", "hushall")


def review_outcomes(data: pd.DataFrame) -> list[str]:
    """The reviewed items and text measures in ``data`` that can be compared, in book order.

    The catalogue's review items that are outcomes, the change in hours, the words in all and
    under the catalogue's headings, and every theme of the word list (a theme a group added to
    its own list is named by its column); columns with no value are left out.
    """
    catalog = load_catalog()
    names = [*catalog.review_items, "timmar_forandring"]
    # words per heading: those the catalogue names; themes: also a group's own (its word list)
    names += [c for c in data if str(c).startswith("ord_") and c in catalog and c not in names]
    names += [c for c in data if str(c).startswith("tema_") and c not in names]
    out = []
    for name in names:
        if name not in data or not data[name].notna().any():
            continue
        if name in catalog and catalog.variable(name).outcome is None:
            continue
        out.append(name)
    return out


def review_screening(
    data: pd.DataFrame,
    *,
    background: Sequence[str] | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> Protected:
    """Every reviewed item by kön, overall and within each background level, protected.

    Parameters
    ----------
    data
        The review as read back with its key (:func:`isuwork.data.review_book.read_review_book`
        with ``key=``): it needs ``kon``.
    background
        The background columns to split by (default: those of :data:`REVIEW_BACKGROUND` that
        the data has, with at least two levels).
    min_n
        The smallest number shown.

    Raises
    ------
    ParameterError
        When ``kon`` is missing (a blind review book read without its key) or nothing was
        reviewed.
    """
    if SEX not in data or not data[SEX].notna().any():
        raise ParameterError(
            "Granskningen saknar kön. En blind granskningsbok analyseras med sin nyckel: läs in "
            "den med key= (på kommandoraden --nyckel FIL)."
        )
    outcomes = review_outcomes(data)
    if not outcomes:
        raise ParameterError("Granskningsboken har inga ifyllda uppgifter att jämföra.")
    if background is None:
        background = [
            c for c in REVIEW_BACKGROUND if c in data and data[c].nunique(dropna=True) >= 2
        ]
    return screen(data, outcomes=outcomes, background=list(background), min_n=min_n)
